using LayerNet.Dashboard.Tests.Browser;
using PuppeteerSharp;

namespace LayerNet.Dashboard.Tests.Model;

/// <summary>
/// The Model, Inference and Datasets pages in Debian's headless Chromium, as a person uses them. With
/// <c>LAYERNET_SCREENSHOTS</c> set to a folder, each test leaves a screenshot of its page there (docs/dashboard-*.png).
/// </summary>
public sealed class ModelBrowserTests
{
    /// <summary>Where skimage's chelsea.png lies once Debian's python3-skimage is installed.</summary>
    public const string DebianChelsea = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png";

    private static string Chelsea()
    {
        var path = Environment.GetEnvironmentVariable("LAYERNET_CHELSEA") is { Length: > 0 } given ? given : DebianChelsea;
        if (!File.Exists(path))
        {
            Assert.Fail($"chelsea.png not found at '{path}': .ci/run unpacks it from Debian's python3-skimage "
                + "(apt-get download python3-skimage && dpkg -x python3-skimage_*.deb DIR) and sets LAYERNET_CHELSEA to "
                + "DIR/usr/lib/python3/dist-packages/skimage/data/chelsea.png");
        }

        return path;
    }

    private static async Task Screenshot(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("LAYERNET_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(Path.Combine(folder, $"dashboard-{name}.png"), new ScreenshotOptions { FullPage = true });
        }
    }

    private static async Task Loaded(IPage page, string image) =>
        await page.WaitForFunctionAsync($"() => {{ const i = document.getElementById('{image}'); return i && !i.hidden && i.complete && i.naturalWidth > 0; }}");

    [Test]
    public async Task Uploading_chelsea_shows_the_top_5_that_layernet_classify_prints()
    {
        var chelsea = Chelsea();
        await using var host = await DashboardHost.StartListeningAsync(ModelTestRoot.Fill);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GoToAsync(host.Url("/inference"));
        await page.WaitForSelectorAsync("#inference-model option[value='lenet/deploy.prototxt']");
        await page.SelectAsync("#inference-model", "lenet/deploy.prototxt");
        await page.SelectAsync("#inference-weights", "lenet/lenet.caffemodel");
        await page.SelectAsync("#inference-labels", "lenet/labels.txt");
        await page.TypeAsync("#inference-scale", "0.00390625");
        var upload = await page.QuerySelectorAsync("#inference-upload");
        await upload.UploadFileAsync(chelsea);
        await page.ClickAsync("#inference-run");
        await page.WaitForSelectorAsync("#inference-top tbody tr");
        var shown = await page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('#inference-top tbody tr')].map(r => r.cells[3].textContent + ' ' + r.cells[2].textContent)");
        var expected = ModelTestRoot.ClassifyCommandTop(host.Root, chelsea, "--scale", "0.00390625");
        Assert.That(shown, Is.EqualTo(expected));
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('inference-image-name').textContent"), Is.EqualTo("chelsea.png"));
        await Loaded(page, "inference-activations");
        await Loaded(page, "inference-preview");
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('inference-blob').value"), Is.EqualTo("conv1"));
        await Screenshot(page, "inference");
    }

    [Test]
    public async Task Making_a_dataset_shows_the_progress_reach_100_percent_and_the_mean_image()
    {
        await using var host = await DashboardHost.StartListeningAsync(ModelTestRoot.Fill);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GoToAsync(host.Url("/datasets"));
        await page.WaitForSelectorAsync("#datasets-folder option[value='shapes']");
        await page.SelectAsync("#datasets-folder", "shapes");
        await page.SelectAsync("#datasets-list", "shapes.txt");
        await page.TypeAsync("#datasets-database", "shapes_lmdb");
        await page.ClickAsync("#datasets-shuffle");
        await page.ClickAsync("#datasets-start");
        await page.WaitForFunctionAsync("() => document.getElementById('datasets-progress').value === 100");
        await Loaded(page, "datasets-mean-image");
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('datasets-percent').textContent"), Is.EqualTo("100%"));
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('datasets-state').textContent"), Is.EqualTo("done · 6/6 images"));

        // The channel means on the page are what compute-image-mean prints for the database the page made.
        using var output = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using var error = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(LayerNet.Runner.LayerNetCommandLine.Run(["compute-image-mean", Path.Combine(host.Root, "shapes_lmdb")], output, error), Is.EqualTo(0), error.ToString());
        var printed = output.ToString().Split('\n').Where(line => line.StartsWith("mean_value channel", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var shown = (await page.EvaluateExpressionAsync<string>("document.getElementById('datasets-channel-means').textContent"))
            .Split(": ")[1].Split(", ").Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(shown, Has.Count.EqualTo(3));
        Assert.That(shown, Is.EqualTo(printed).Within(1e-3));
        await Screenshot(page, "datasets");
    }

    [Test]
    public async Task The_model_page_draws_the_net_and_the_snapshots_filters()
    {
        await using var host = await DashboardHost.StartListeningAsync(ModelTestRoot.Fill);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GoToAsync(host.Url("/model"));
        await page.WaitForSelectorAsync("#model-net option[value='lenet/deploy.prototxt']");
        await page.SelectAsync("#model-net", "lenet/deploy.prototxt");
        await page.SelectAsync("#model-weights", "lenet/lenet.caffemodel");
        await page.ClickAsync("#model-show");
        await page.WaitForSelectorAsync("#model-weight-table tbody tr");
        await Loaded(page, "model-drawing");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#model-filters img')].length === 2 && [...document.querySelectorAll('#model-filters img')].every(i => i.complete && i.naturalWidth > 0)");
        var conv1 = await page.EvaluateExpressionAsync<string[]>(
            "[...[...document.querySelectorAll('#model-layers tbody tr')].find(r => r.cells[0].textContent === 'conv1').cells].map(c => c.textContent)");
        Assert.That(conv1[3], Is.EqualTo("conv1 (1 20 24 24)"));
        Assert.That(conv1[4], Is.EqualTo("520"));
        await page.GoToAsync(host.Url("/model?path=lenet%2Fbad.prototxt"));
        await page.WaitForSelectorAsync("#model-error:not([hidden])");
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('model-error').textContent"), Does.Match(@"bad\.prototxt\(4,\d+\)"));
        await page.GoToAsync(host.Url("/model?path=lenet%2Fdeploy.prototxt&weights=lenet%2Flenet.caffemodel"));
        await Loaded(page, "model-drawing");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#model-filters img')].length === 2 && [...document.querySelectorAll('#model-filters img')].every(i => i.complete && i.naturalWidth > 0)");
        await Screenshot(page, "model");
    }
}
