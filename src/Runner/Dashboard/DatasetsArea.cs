using System.Collections.Concurrent;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Data;
using LayerNet.Plugins;
using LayerNet.Runner.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The Datasets page (<c>/datasets</c>): an LMDB made from an image folder and list file under the root, as
/// <c>layernet convert-imageset</c> makes it, in the background with a progress bar, then its mean image as
/// <c>layernet compute-image-mean</c> computes it, written beside the database.
/// </summary>
internal sealed class DatasetsArea(DashboardRoot root) : IDashboardArea
{
    /// <summary>What the mean file's name adds to the database's.</summary>
    public const string MeanSuffix = "_mean.binaryproto";

    private readonly ConcurrentDictionary<string, DatasetJob> _jobs = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Title => "Datasets";

    /// <inheritdoc/>
    public string Path => "/datasets";

    /// <inheritdoc/>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(Path, (IEnumerable<IDashboardArea> areas) => DashboardPage.Render("Datasets", Path, Body, areas, "/static/datasets.js"));
        endpoints.MapGet("/api/datasets/files", () => Results.Json(new DatasetFileChoices(
            ModelFiles.Folders(root), ModelFiles.Find(root, ".txt"), ModelFiles.Find(root, ".binaryproto"))));
        endpoints.MapPost("/api/datasets/jobs", (DatasetRequest request) =>
        {
            var job = Create(request);
            _jobs[job.Id] = job;
            job.Start();
            return Results.Json(job.Status(), statusCode: StatusCodes.Status202Accepted);
        });
        endpoints.MapGet("/api/datasets/jobs", () => Results.Json(_jobs.Values.Select(job => job.Status()).ToList()));
        endpoints.MapGet("/api/datasets/jobs/{id}", (string id) =>
            _jobs.TryGetValue(id, out var job) ? Results.Json(job.Status()) : Results.Text($"no dataset job '{id}'", statusCode: StatusCodes.Status404NotFound));
        endpoints.MapPost("/api/datasets/jobs/{id}/stop", (string id) =>
        {
            if (!_jobs.TryGetValue(id, out var job))
            {
                return Results.Text($"no dataset job '{id}'", statusCode: StatusCodes.Status404NotFound);
            }

            job.Stop();
            return Results.Json(job.Status());
        });
        endpoints.MapGet("/api/datasets/mean.png", (string? path) => Results.Bytes(MeanPicture(ModelFiles.ExistingFile(root, path, "mean file")), "image/png"));
    }

    /// <summary>The job a request asks for, every path checked under the root, every image of the list included.</summary>
    /// <exception cref="DashboardPathException">A path, or an image of the list, leaves the root.</exception>
    /// <exception cref="LayerNetException">A missing field, a missing file, or a database or mean file that exists already.</exception>
    internal DatasetJob Create(DatasetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Folder is null)
        {
            throw new LayerNetException("image folder: choose a folder under the root");
        }

        var folder = root.Resolve(request.Folder);
        if (!Directory.Exists(folder))
        {
            throw new LayerNetException($"image folder '{request.Folder}': no such folder under the root");
        }

        var list = ModelFiles.ExistingFile(root, request.List, "image list");
        if (string.IsNullOrWhiteSpace(request.Database))
        {
            throw new LayerNetException("database: name the LMDB folder to make");
        }

        var database = root.Resolve(request.Database);
        var mean = root.Resolve(request.Database.TrimEnd('/') + MeanSuffix);
        if (Directory.Exists(database) || File.Exists(database))
        {
            throw new LayerNetException($"database '{request.Database}' exists already: name a new folder");
        }

        if (File.Exists(mean))
        {
            throw new LayerNetException($"mean file '{root.Relative(mean)}' exists already: name another database");
        }

        // convert-imageset reads FOLDER + each line's path: every one of them must lie under the root too.
        ImageListLine[] lines;
        try
        {
            lines = ImageListLine.ReadAll(list);
        }
        catch (FormatException exception)
        {
            throw new LayerNetException($"image list '{request.List}' {exception.Message}", exception);
        }

        var prefix = root.Relative(folder);
        foreach (var line in lines)
        {
            if (root.TryResolve(prefix.Length == 0 ? line.Path : prefix + "/" + line.Path) is null)
            {
                throw new DashboardPathException($"image list '{request.List}' line {line.Number}: '{line.Path}' is not a path under the dashboard's root");
            }
        }

        var options = new ConvertImagesetOptions(
            folder + "/", list, database, request.ResizeHeight, request.ResizeWidth, request.Gray, request.Shuffle, request.Seed,
            request.Encoded, string.IsNullOrEmpty(request.EncodeType) ? null : request.EncodeType, request.CheckSize, "lmdb");
        return new DatasetJob(root, options, mean);
    }

    // A mean image (1 x C x H x W BlobProto) as a picture of its own pixel values: colour for 3 channels (B, G, R), else
    // its first channel.
    private static byte[] MeanPicture(string file)
    {
        var proto = MessageFile.ReadBinary<BlobProto>(file, ParameterExtensions.None);
        var mean = new Blob();
        mean.FromProto(proto);
        if (mean.AxisCount != 4 || mean.Num != 1 || mean.Count == 0)
        {
            throw new LayerNetException($"mean file '{System.IO.Path.GetFileName(file)}' has shape {mean.ShapeString}; a mean image is 1 x C x H x W");
        }

        return ModelImageGrid.Png(mean.Data, 1, mean.Channels == 3 ? 3 : 1, mean.Height, mean.Width, stretch: false);
    }

    private const string Body = """
        <h1>Datasets</h1>
        <form class="card" id="datasets-form">
          <div class="fields">
            <label>Image folder <select id="datasets-folder" name="folder"></select></label>
            <label>Image list <select id="datasets-list" name="list"></select></label>
            <label>New LMDB <input type="text" id="datasets-database" name="database" placeholder="train_lmdb"></label>
          </div>
          <div class="fields">
            <label>Resize height <input type="number" id="datasets-resize-height" name="resizeHeight" min="0" value="0"></label>
            <label>Resize width <input type="number" id="datasets-resize-width" name="resizeWidth" min="0" value="0"></label>
            <label><input type="checkbox" id="datasets-gray" name="gray"> Gray</label>
            <label><input type="checkbox" id="datasets-shuffle" name="shuffle"> Shuffle</label>
            <label>Seed <input type="number" id="datasets-seed" name="seed"></label>
            <label><input type="checkbox" id="datasets-encoded" name="encoded"> Encoded</label>
            <label>Encode type <select id="datasets-encode-type" name="encodeType"><option value="">(each file's own)</option><option>png</option><option>jpg</option></select></label>
            <label><input type="checkbox" id="datasets-check-size" name="checkSize"> Check size</label>
          </div>
          <button id="datasets-start" type="submit">Make the LMDB and its mean</button>
          <span class="muted">as <code>layernet convert-imageset</code> and <code>compute-image-mean</code> do</span>
          <p id="datasets-error" class="error" hidden></p>
        </form>
        <section id="datasets-job" class="card" hidden>
          <h2 id="datasets-job-title"></h2>
          <progress id="datasets-progress" max="100" value="0"></progress> <span id="datasets-percent">0%</span>
          <span id="datasets-state" class="muted"></span>
          <button id="datasets-stop" class="secondary" type="button">Stop</button>
          <p id="datasets-job-error" class="error" hidden></p>
          <div id="datasets-mean" hidden>
            <h2>Mean image <span id="datasets-mean-file" class="muted"></span></h2>
            <img id="datasets-mean-image" class="grid" alt="the mean image">
            <p id="datasets-channel-means"></p>
          </div>
          <details open><summary>Log</summary><pre id="datasets-log"></pre></details>
        </section>
        """;
}
