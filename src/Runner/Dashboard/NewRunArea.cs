using LayerNet.Errors;
using LayerNet.Files;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The New run page (<c>/new</c>): pick a solver and its net under the root, or edit them in the page and save them
/// (only .prototxt files under the root, checked by the prototxt reader first, its errors shown at their line), start
/// a training, and the queue of jobs on this machine with stop (SIGINT) and cancel.
/// </summary>
/// <remarks>
/// <c>GET /api/new/file?path=</c>: a <see cref="NewRunFile"/>. <c>POST /api/new/check</c> and <c>PUT /api/new/file</c>:
/// a <see cref="NewRunText"/>, answered with a <see cref="NewRunCheck"/> (a save that fails its check is refused with
/// 400). <c>GET /api/new/jobs</c>, <c>POST /api/new/jobs</c> (a <see cref="NewRunStartRequest"/>) and
/// <c>POST /api/new/jobs/{id}/stop</c>: the queue.
/// </remarks>
internal sealed class NewRunArea(DashboardRoot root, JobsQueue jobs) : IDashboardArea
{
    /// <inheritdoc/>
    public string Title => "New run";

    /// <inheritdoc/>
    public string Path => "/new";

    /// <inheritdoc/>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var areas = endpoints.ServiceProvider.GetServices<IDashboardArea>().ToList();
        endpoints.MapGet(Path, () => DashboardPage.Render("New run", Path, Body(), areas, "/static/new.js"));
        endpoints.MapGet("/api/new/file", (string? path) => Load(path));
        endpoints.MapPost("/api/new/check", (NewRunText text) => Results.Json(Check(text), RunsArea.Json));
        endpoints.MapPut("/api/new/file", (NewRunText text) => Save(text));
        endpoints.MapGet("/api/new/jobs", () => Results.Json(jobs.List(), RunsArea.Json));
        endpoints.MapPost("/api/new/jobs", (NewRunStartRequest request) => Start(request));
        endpoints.MapPost("/api/new/jobs/{id}/stop", (string id) => Results.Json(jobs.Stop(id), RunsArea.Json));
    }

    private IResult Load(string? path)
    {
        var text = NewRunPrototxt.ReadText(root, path);
        var kind = NewRunPrototxt.KindOf(null, path!);
        var net = kind == "solver" ? NewRunPrototxt.NetOf(root, path!, text) : null;
        return Results.Json(new NewRunFile(path!, kind, text, net), RunsArea.Json);
    }

    private NewRunCheck Check(NewRunText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        NewRunPrototxt.RequirePrototxtPath(root, text.Path);
        if (text.Text is null || text.Text.Length > NewRunPrototxt.MaxBytes)
        {
            throw new LayerNetException($"'{text.Path}': give the text (at most {NewRunPrototxt.MaxBytes >> 20} MiB)");
        }

        return NewRunPrototxt.Check(root, text.Path!, NewRunPrototxt.KindOf(text.Kind, text.Path!), text.Text);
    }

    private IResult Save(NewRunText text)
    {
        var check = Check(text);
        if (!check.Ok)
        {
            return Results.Json(check, RunsArea.Json, statusCode: StatusCodes.Status400BadRequest);
        }

        var full = NewRunPrototxt.RequirePrototxtPath(root, text.Path);
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(full)))
        {
            throw new LayerNetException($"'{text.Path}': its folder does not exist under the root");
        }

        MessageFile.WriteAtomic(full, System.Text.Encoding.UTF8.GetBytes(text.Text!));
        return Results.Json(check, RunsArea.Json);
    }

    private IResult Start(NewRunStartRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        NewRunPrototxt.RequireValidSolver(root, request.Solver);
        var job = jobs.Enqueue(request.Solver!, null, request.Iterations, request.Name);
        return Results.Json(job, RunsArea.Json, statusCode: StatusCodes.Status202Accepted);
    }

    private static string Body() => $$"""
        <h1>New run</h1>
        <div class="newrun">
          <section class="card" id="picker">
            <h2>Files under the root</h2>
            <p class="muted">Click a folder to open it, a .prototxt file to load it as the solver or the net.</p>
            <div id="picker-path" class="muted"></div>
            <ul id="picker-list" class="picker"></ul>
          </section>
          {{Editor("solver", "Solver")}}
          {{Editor("net", "Net")}}
        </div>
        <section class="card" id="start">
          <h2>Start</h2>
          <div class="row">
            <label>Run name <input type="text" id="run-name" placeholder="(the solver's folder and the time)" size="28"></label>
            <label>Iterations <input type="number" id="run-iterations" min="0" placeholder="max_iter"></label>
            <button type="button" id="run-start">Start training</button>
          </div>
          <p class="muted">Runs <code>layernet train --solver SOLVER [--iterations N]</code> in the solver's folder after the jobs
          queued before it, as <code>runs/NAME</code> (its log, its snapshots); edited texts are saved first. Stop sends SIGINT:
          the run finishes its iteration and snapshots.</p>
          <p class="error" id="start-error"></p>
        </section>
        <section class="card">
          <h2>Jobs on this machine</h2>
          <table id="job-table" hidden><thead><tr><th>Job</th><th>Run</th><th>State</th><th>Solver</th><th>From snapshot</th><th></th></tr></thead><tbody></tbody></table>
          <p id="jobs-empty" class="muted">No jobs yet.</p>
        </section>
        """;

    // One editor (solver or net): its path, its buttons, its text and where the reader's answer goes.
    private static string Editor(string kind, string title) => $"""
        <section class="card editor" data-kind="{kind}">
          <h2>{title}</h2>
          <div class="row"><input type="text" id="{kind}-path" placeholder="folder/{kind}.prototxt" size="48">
            <button type="button" class="secondary" id="{kind}-load">Load</button>
            <button type="button" class="secondary" id="{kind}-check">Check</button>
            <button type="button" class="secondary" id="{kind}-save">Save</button></div>
          <textarea id="{kind}-text" spellcheck="false" wrap="off"></textarea>
          <p class="error" id="{kind}-error"></p><p class="ok" id="{kind}-ok"></p>
        </section>
        """;
}
