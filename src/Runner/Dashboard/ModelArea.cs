using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using LayerNet.Errors;
using LayerNet.Runner.Drawing;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The Model page (<c>/model</c>): a net file under the root drawn as <c>layernet draw</c> draws it, its layers' top
/// shapes and parameter counts, and with a snapshot each learnable blob's statistics and a convolution's filters.
/// </summary>
internal sealed class ModelArea(DashboardRoot root) : IDashboardArea
{
    /// <inheritdoc/>
    public string Title => "Model";

    /// <inheritdoc/>
    public string Path => "/model";

    /// <inheritdoc/>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(Path, (IEnumerable<IDashboardArea> areas) => DashboardPage.Render("Model", Path, Body, areas, "/static/model.js"));
        endpoints.MapGet("/api/model/files", () => Results.Json(new ModelFileChoices(ModelFiles.Find(root, ".prototxt"), ModelFiles.Find(root, ".caffemodel"))));
        endpoints.MapGet("/api/model/net", (string? path, string? weights, string? phase) =>
        {
            var model = ModelFiles.ExistingFile(root, path, "net file");
            var snapshot = string.IsNullOrEmpty(weights) ? null : ModelFiles.ExistingFile(root, weights, "snapshot");
            return Results.Json(ModelInspection.Report(root, model, snapshot, ModelInspection.ParsePhase(phase)));
        });
        endpoints.MapGet("/api/model/drawing.svg", (string? path, string? phase, string? rankdir) =>
        {
            var model = ModelFiles.ExistingFile(root, path, "net file");
            var direction = rankdir ?? "LR";
            if (direction is not ("LR" or "TB" or "BT" or "RL"))
            {
                throw new LayerNetException($"rankdir '{direction}': expected LR, TB, BT or RL");
            }

            if (Graphviz.Find() is null)
            {
                return Results.Text(ModelInspection.NoGraphviz, "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return Results.Text(ModelInspection.Svg(model, ModelInspection.ParsePhase(phase), direction), "image/svg+xml; charset=utf-8");
        });
        endpoints.MapGet("/api/model/filters.png", (string? weights, string? layer) =>
        {
            var snapshot = ModelFiles.ExistingFile(root, weights, "snapshot");
            return Results.Bytes(ModelInspection.Filters(snapshot, layer ?? ""), "image/png");
        });
    }

    private const string Body = """
        <h1>Model</h1>
        <div class="card" id="model-form">
          <label>Net file <select id="model-net"></select></label>
          <label>Snapshot <select id="model-weights"><option value="">(none)</option></select></label>
          <label>Phase <select id="model-phase"><option value="test">test</option><option value="train">train</option></select></label>
          <button id="model-show" type="button">Show</button>
          <p id="model-error" class="error" hidden></p>
        </div>
        <section id="model-result" hidden>
          <h2 id="model-title"></h2>
          <p id="model-notes" class="muted"></p>
          <div class="card model-drawing"><img id="model-drawing" alt="the net, drawn by Graphviz" hidden><p id="model-drawing-missing" class="error" hidden></p></div>
          <h2>Layers</h2>
          <table id="model-layers"><thead><tr><th>Layer</th><th>Type</th><th>Bottoms</th><th>Tops (shape)</th><th>Parameters</th><th>Parameter shapes</th></tr></thead><tbody></tbody></table>
          <div id="model-weights-section" hidden>
            <h2>Weights <span id="model-weights-file" class="muted"></span></h2>
            <table id="model-weight-table"><thead><tr><th>Layer</th><th>Blob</th><th>Shape</th><th>Mean</th><th>Std</th><th>Min</th><th>Max</th><th>L2</th></tr></thead><tbody></tbody></table>
            <div id="model-filters"></div>
          </div>
        </section>
        """;
}
