using LayerNet.Layers.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The Inference page (<c>/inference</c>): an image uploaded or picked under the root, classified by a deploy net and
/// snapshot as <c>layernet classify</c> classifies it (top 5 with labels), and any blob's activations as a picture.
/// </summary>
/// <remarks>
/// An upload is limited to the server's request size, decoded as an image before anything else reads it (anything
/// else is refused), written only into a temporary folder of its own, and deleted when the answer is made.
/// </remarks>
internal sealed class InferenceArea(DashboardRoot root, DashboardOptions options) : IDashboardArea
{
    private readonly InferenceActivations _activations = new();

    /// <inheritdoc/>
    public string Title => "Inference";

    /// <inheritdoc/>
    public string Path => "/inference";

    /// <inheritdoc/>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(Path, (IEnumerable<IDashboardArea> areas) => DashboardPage.Render("Inference", Path, Body, areas, "/static/inference.js"));
        endpoints.MapGet("/api/inference/files", () => Results.Json(new InferenceFileChoices(
            ModelFiles.Find(root, ".prototxt"), ModelFiles.Find(root, ".caffemodel"), ModelFiles.Find(root, ".txt"),
            ModelFiles.Find(root, ".binaryproto"), ModelFiles.Find(root, ModelFiles.ImageExtensions))));
        endpoints.MapGet("/api/inference/image", (string? path) =>
        {
            var file = ModelFiles.ExistingFile(root, path, "image");
            var type = ContentType(file);
            if (type is null || new FileInfo(file).Length > options.MaxUploadBytes)
            {
                return Results.Text($"'{path}' is not an image file the page shows ({string.Join(", ", ModelFiles.ImageExtensions)}, at most {options.MaxUploadBytes} bytes)", statusCode: StatusCodes.Status400BadRequest);
            }

            var bytes = File.ReadAllBytes(file);
            return Decodes(bytes) is { } why
                ? Results.Text($"'{path}' is not an image: it {why}", statusCode: StatusCodes.Status400BadRequest)
                : Results.Bytes(bytes, type);
        });
        endpoints.MapPost("/api/inference/classify", (Delegate)Classify);
        endpoints.MapGet("/api/inference/activations.png", (string? id, string? blob) =>
        {
            if (_activations.Find(id, blob) is not { } found)
            {
                return Results.Text($"no blob '{blob}' kept for classification '{id}' (the last {InferenceActivations.Kept} are kept): classify again", statusCode: StatusCodes.Status404NotFound);
            }

            if (found.Values.Length == 0)
            {
                return Results.Text($"blob '{blob}' is empty", statusCode: StatusCodes.Status400BadRequest);
            }

            var (values, tiles, height, width) = InferenceActivations.Tiles(found.Shape, found.Values);
            return Results.Bytes(ModelImageGrid.Png(values, tiles, 1, height, width), "image/png");
        });
    }

    private async Task<IResult> Classify(HttpContext context)
    {
        var request = context.Request;
        var limit = options.MaxUploadBytes;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        if (!request.HasFormContentType)
        {
            return Results.Text("send the form as multipart/form-data", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            // The body ran past the limit while it was read (no length was announced).
            return TooLarge(limit);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }

        var upload = form.Files.GetFile("upload");
        if (upload is not { Length: > 0 })
        {
            var picked = form["image"].ToString();
            var image = ModelFiles.ExistingFile(root, picked.Length == 0 ? null : picked, "image (upload one, or pick one under the root)");
            return Results.Json(InferenceRun.Classify(root, form, image, picked, _activations));
        }

        if (upload.Length > limit)
        {
            return TooLarge(limit);
        }

        var bytes = new byte[upload.Length];
        await using (var stream = upload.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }

        var name = System.IO.Path.GetFileName(upload.FileName);
        if (Decodes(bytes) is { } why)
        {
            return Results.Text($"upload '{name}' is not an image ({ImageDecoder.Formats}): it {why}", statusCode: StatusCodes.Status400BadRequest);
        }

        // Only this temporary folder is written, under a name of the server's choosing, and it goes when the answer is made.
        var folder = Directory.CreateTempSubdirectory("layernet-upload-").FullName;
        try
        {
            var file = System.IO.Path.Combine(folder, "upload" + (ContentType(name) is null ? "" : System.IO.Path.GetExtension(name).ToLowerInvariant()));
            await File.WriteAllBytesAsync(file, bytes, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(InferenceRun.Classify(root, form, file, name, _activations));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IResult TooLarge(long limit) =>
        Results.Text($"the upload is larger than this server takes ({limit} bytes)", statusCode: StatusCodes.Status413PayloadTooLarge);

    // Null when the bytes decode as an image; else why not (completing "it ...").
    private static string? Decodes(byte[] bytes)
    {
        try
        {
            new ImageDecoder().Decode(bytes, color: true, new DecodedImage());
            return null;
        }
        catch (InvalidDataException exception)
        {
            return exception.Message;
        }
    }

    private static string? ContentType(string file) => System.IO.Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".bmp" => "image/bmp",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => null,
    };

    private const string Body = """
        <h1>Inference</h1>
        <form class="card inference-form" id="inference-form">
          <div class="fields">
            <label>Deploy net <select name="model" id="inference-model"></select></label>
            <label>Snapshot <select name="weights" id="inference-weights"></select></label>
            <label>Labels <select name="labels" id="inference-labels"></select></label>
            <label>Mean file <select name="mean" id="inference-mean"></select></label>
            <label>Mean values <input type="text" name="meanValues" id="inference-mean-values" placeholder="104,117,123"></label>
            <label>Scale <input type="text" name="scale" id="inference-scale" placeholder="1"></label>
            <label>Raw scale <input type="text" name="rawScale" id="inference-raw-scale" placeholder="255"></label>
            <label>Channel swap <input type="text" name="channelSwap" id="inference-channel-swap" placeholder="2,1,0"></label>
            <label>Images dim <input type="text" name="imagesDim" id="inference-images-dim" placeholder="H,W"></label>
            <label><input type="checkbox" name="oversample" id="inference-oversample"> Oversample (10 crops)</label>
          </div>
          <div class="fields">
            <label>Upload an image <input type="file" name="upload" id="inference-upload" accept="image/*"></label>
            <label>or pick one under the root <select name="image" id="inference-image"></select></label>
          </div>
          <button id="inference-run" type="submit">Classify</button>
          <span class="muted">as <code>layernet classify</code> does, with the same options</span>
          <p id="inference-error" class="error" hidden></p>
        </form>
        <section id="inference-result" hidden>
          <div class="inference-answer">
            <img id="inference-preview" class="inference-preview" alt="the image classified">
            <div>
              <h2>Top 5 · <span id="inference-image-name"></span></h2>
              <table id="inference-top"><thead><tr><th>#</th><th>Class</th><th>Label</th><th>Probability</th></tr></thead><tbody></tbody></table>
            </div>
          </div>
          <h2>Activations</h2>
          <label>Blob <select id="inference-blob"></select></label>
          <p class="muted" id="inference-blob-note"></p>
          <img id="inference-activations" class="grid" alt="the blob's activations">
        </section>
        """;
}
