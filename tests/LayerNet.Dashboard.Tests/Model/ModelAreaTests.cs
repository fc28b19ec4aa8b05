using System.Net;
using System.Text.Json;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Solvers;
using SkiaSharp;

namespace LayerNet.Dashboard.Tests.Model;

/// <summary>The Model page's endpoints, in memory: the report, the drawing, the filters, and what they refuse.</summary>
public sealed class ModelAreaTests
{
    private static Uri Api(string pathAndQuery) => new(pathAndQuery, UriKind.Relative);

    private static async Task<JsonElement> Json(HttpClient client, string url)
    {
        using var response = await client.GetAsync(Api(url));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Test]
    public async Task The_page_and_its_pickers_offer_the_net_files_and_snapshots_under_the_root()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var page = await host.Client.GetStringAsync(Api("/model"));
        Assert.That(page, Does.Contain("/static/model.js").And.Contain("id=\"model-net\""));
        var files = await Json(host.Client, "/api/model/files");
        Assert.That(files.GetProperty("nets").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "lenet/bad.prototxt", "lenet/deploy.prototxt", "lenet/lenet_train_test.prototxt" }));
        Assert.That(files.GetProperty("weights").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "lenet/lenet.caffemodel" }));
        using var script = await host.Client.GetAsync(Api("/static/model.js"));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_deploy_net_with_its_snapshot_shows_shapes_parameter_counts_and_weight_statistics()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var report = await Json(host.Client, "/api/model/net?path=lenet/deploy.prototxt&weights=lenet/lenet.caffemodel");
        Assert.That(report.GetProperty("name").GetString(), Is.EqualTo("LeNet"));
        Assert.That(report.GetProperty("shapesUnknown").ValueKind, Is.EqualTo(JsonValueKind.Null));
        // conv1 20 x 1 x 5 x 5 + 20, conv2 50 x 20 x 5 x 5 + 50, ip1 500 x 800 + 500, ip2 10 x 500 + 10.
        Assert.That(report.GetProperty("parameters").GetInt64(), Is.EqualTo(520 + 25050 + 400500 + 5010));
        var conv1 = report.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "conv1");
        Assert.That(conv1.GetProperty("type").GetString(), Is.EqualTo("Convolution"));
        Assert.That(conv1.GetProperty("tops")[0].GetProperty("shape").GetString(), Is.EqualTo("1 20 24 24"));
        Assert.That(conv1.GetProperty("parameters").GetInt64(), Is.EqualTo(520));
        Assert.That(conv1.GetProperty("parameterShapes").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "20 1 5 5", "20" }));

        // The statistics of conv1's weights, computed here from the snapshot on their own.
        var trained = MessageFile.ReadWeights(Path.Combine(host.Root, "lenet", "lenet.caffemodel"), ParameterExtensions.None, new TrainingLog(TextWriter.Null));
        var values = trained.Layer.Single(l => l.Name == "conv1").Blobs[0].Data.Select(v => (double)v).ToArray();
        var mean = values.Average();
        var rows = report.GetProperty("weightRows").EnumerateArray().ToList();
        Assert.That(rows.Select(r => $"{r.GetProperty("layer").GetString()}/{r.GetProperty("blob").GetInt32()}"),
            Is.EqualTo(new[] { "conv1/0", "conv1/1", "conv2/0", "conv2/1", "ip1/0", "ip1/1", "ip2/0", "ip2/1" }));
        var weights = rows[0];
        Assert.Multiple(() =>
        {
            Assert.That(weights.GetProperty("count").GetInt64(), Is.EqualTo(500));
            Assert.That(weights.GetProperty("mean").GetDouble(), Is.EqualTo(mean).Within(1e-6));
            Assert.That(weights.GetProperty("std").GetDouble(), Is.EqualTo(Math.Sqrt(values.Average(v => (v - mean) * (v - mean)))).Within(1e-6));
            Assert.That(weights.GetProperty("min").GetDouble(), Is.EqualTo(values.Min()).Within(1e-7));
            Assert.That(weights.GetProperty("max").GetDouble(), Is.EqualTo(values.Max()).Within(1e-7));
            Assert.That(weights.GetProperty("l2").GetDouble(), Is.EqualTo(Math.Sqrt(values.Sum(v => v * v))).Within(1e-4));
            Assert.That(weights.GetProperty("filters").GetBoolean(), Is.True);
            Assert.That(rows[4].GetProperty("filters").GetBoolean(), Is.False, "ip1's weights are no filters");
        });
    }

    [Test]
    public async Task A_train_net_whose_data_is_missing_is_shown_from_its_definition_without_shapes()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var report = await Json(host.Client, "/api/model/net?path=lenet/lenet_train_test.prototxt&phase=train");
        Assert.That(report.GetProperty("phase").GetString(), Is.EqualTo("TRAIN"));
        Assert.That(report.GetProperty("shapesUnknown").GetString(), Does.Contain("fashion_mnist_train_lmdb"));
        var layers = report.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("name").GetString()).ToList();
        Assert.That(layers, Does.Contain("loss").And.Not.Contain("accuracy"));
        Assert.That(report.GetProperty("parameters").ValueKind, Is.EqualTo(JsonValueKind.Null), "unknown without shapes or a snapshot");
    }

    [Test]
    public async Task The_drawing_is_graphviz_svg_of_the_net()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await host.Client.GetAsync(Api("/api/model/drawing.svg?path=lenet/deploy.prototxt"));
        var svg = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), svg);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/svg+xml"));
        Assert.That(svg, Does.Contain("<svg").And.Contain("conv1").And.Contain("Softmax"));
    }

    [Test]
    [NonParallelizable]
    public async Task Without_graphviz_the_page_says_so_plainly()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", host.Root);
        try
        {
            using var response = await host.Client.GetAsync(Api("/api/model/drawing.svg?path=lenet/deploy.prototxt"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("apt-get install graphviz"));
            var report = await Json(host.Client, "/api/model/net?path=lenet/deploy.prototxt");
            Assert.That(report.GetProperty("drawingUnavailable").GetString(), Does.Contain("Graphviz's 'dot' program is not on the server's PATH"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    [Test]
    public async Task A_convolutions_filters_are_a_png_grid_of_one_tile_each()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await host.Client.GetAsync(Api("/api/model/filters.png?weights=lenet/lenet.caffemodel&layer=conv1"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/png"));
        using var picture = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        // 20 filters of 5 x 5: 5 columns and 4 rows of 60-pixel tiles (enlarged 12 times) with 2-pixel gaps.
        Assert.That((picture.Width, picture.Height), Is.EqualTo(((5 * 62) - 2, (4 * 62) - 2)));
        using var notConvolution = await host.Client.GetAsync(Api("/api/model/filters.png?weights=lenet/lenet.caffemodel&layer=ip2"));
        Assert.That(notConvolution.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await notConvolution.Content.ReadAsStringAsync(), Does.Contain("no layer 'ip2' with 4-axis weights"));
    }

    [TestCase("/api/model/net?path=../../etc/passwd")]
    [TestCase("/api/model/net?path=lenet/deploy.prototxt&weights=../../etc/passwd")]
    [TestCase("/api/model/drawing.svg?path=/etc/passwd")]
    [TestCase("/api/model/filters.png?weights=..%2F..%2Fetc%2Fpasswd&layer=conv1")]
    public async Task A_path_out_of_the_root_is_refused(string url)
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await host.Client.GetAsync(Api(url));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a path under the dashboard's root"));
    }

    [Test]
    public async Task A_bad_net_file_is_answered_with_the_readers_message_and_line()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await host.Client.GetAsync(Api("/api/model/net?path=lenet/bad.prototxt"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Match(@"bad\.prototxt\(4,\d+\)"));
        using var missing = await host.Client.GetAsync(Api("/api/model/net?path=lenet/none.prototxt"));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await missing.Content.ReadAsStringAsync(), Does.Contain("no such file under the root"));
        using var snapshot = await host.Client.GetAsync(Api("/api/model/net?path=lenet/deploy.prototxt&weights=lenet/labels.txt"));
        Assert.That(snapshot.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_write_method_is_not_an_endpoint_of_the_model_page()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var request = new HttpRequestMessage(HttpMethod.Post, Api("/api/model/net?path=lenet/deploy.prototxt"));
        request.Headers.Add(LayerNet.Runner.Dashboard.DashboardServer.RequestHeader, "1");
        using var response = await host.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }
}
