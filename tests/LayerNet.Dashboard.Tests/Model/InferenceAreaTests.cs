using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LayerNet.Runner.Dashboard;
using SkiaSharp;

namespace LayerNet.Dashboard.Tests.Model;

/// <summary>The Inference page's endpoints, in memory: classify as <c>layernet classify</c> does, activations, and refusals.</summary>
public sealed class InferenceAreaTests
{
    private static Uri Api(string pathAndQuery) => new(pathAndQuery, UriKind.Relative);

    private static MultipartFormDataContent Form(string model = "lenet/deploy.prototxt", string weights = "lenet/lenet.caffemodel", string? image = null, (byte[] Bytes, string Name)? upload = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(model), "model" },
            { new StringContent(weights), "weights" },
            { new StringContent("lenet/labels.txt"), "labels" },
            { new StringContent("0.00390625"), "scale" },
        };
        if (image is not null)
        {
            form.Add(new StringContent(image), "image");
        }

        if (upload is { } file)
        {
            var content = new ByteArrayContent(file.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "upload", file.Name);
        }

        return form;
    }

    private static async Task<HttpResponseMessage> Post(DashboardHost host, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Api("/api/inference/classify")) { Content = content };
        request.Headers.Add(DashboardServer.RequestHeader, "1");
        return await host.Client.SendAsync(request);
    }

    private static string[] Top(JsonElement result) =>
        [.. result.GetProperty("top").EnumerateArray().Select(c => $"{c.GetProperty("text").GetString()} {c.GetProperty("label").GetString()}")];

    [Test]
    public async Task An_image_under_the_root_gets_the_top_5_that_layernet_classify_prints()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Post(host, Form(image: "images/shirt.png"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var result = JsonDocument.Parse(text).RootElement;
        var expected = ModelTestRoot.ClassifyCommandTop(host.Root, Path.Combine(host.Root, "images", "shirt.png"), "--scale", "0.00390625");
        Assert.That(Top(result), Is.EqualTo(expected));
        Assert.That(result.GetProperty("output").GetString(), Is.EqualTo("prob"));
        Assert.That(result.GetProperty("blobs").EnumerateArray().Select(b => b.GetProperty("name").GetString()),
            Is.EqualTo(new[] { "data", "conv1", "pool1", "conv2", "pool2", "ip1", "ip2", "prob" }));
    }

    [Test]
    public async Task An_uploaded_image_is_classified_the_same_and_nothing_is_left_under_the_root()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var before = Directory.GetFileSystemEntries(host.Root, "*", SearchOption.AllDirectories).Order().ToList();
        using var response = await Post(host, Form(upload: (File.ReadAllBytes(Path.Combine(host.Root, "images", "shirt.png")), "my shirt.png")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var result = JsonDocument.Parse(text).RootElement;
        Assert.That(result.GetProperty("image").GetString(), Is.EqualTo("my shirt.png"));
        Assert.That(Top(result), Is.EqualTo(ModelTestRoot.ClassifyCommandTop(host.Root, Path.Combine(host.Root, "images", "shirt.png"), "--scale", "0.00390625")));
        Assert.That(Directory.GetFileSystemEntries(host.Root, "*", SearchOption.AllDirectories).Order(), Is.EqualTo(before));
    }

    [Test]
    public async Task Any_blobs_activations_are_a_png_grid_of_its_channels()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Post(host, Form(image: "images/shirt.png"));
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var conv1 = await host.Client.GetAsync(Api($"/api/inference/activations.png?id={id}&blob=conv1"));
        Assert.That(conv1.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var picture = SKBitmap.Decode(await conv1.Content.ReadAsByteArrayAsync()))
        {
            // 20 channels of 24 x 24, enlarged twice: 5 columns, 4 rows, 2-pixel gaps.
            Assert.That((picture.Width, picture.Height), Is.EqualTo(((5 * 50) - 2, (4 * 50) - 2)));
        }

        using var ip1 = await host.Client.GetAsync(Api($"/api/inference/activations.png?id={id}&blob=ip1"));
        Assert.That(ip1.StatusCode, Is.EqualTo(HttpStatusCode.OK), "500 values drawn as one tile of 23 x 22");
        using var unknown = await host.Client.GetAsync(Api($"/api/inference/activations.png?id={id}&blob=nothing"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var gone = await host.Client.GetAsync(Api("/api/inference/activations.png?id=0123&blob=conv1"));
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task An_upload_that_is_not_an_image_is_refused_before_the_net_sees_it()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Post(host, Form(upload: ("#!/bin/sh\nrm -rf /\n"u8.ToArray(), "cat.png")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.StartWith("upload 'cat.png' is not an image"));
    }

    [Test]
    public async Task An_upload_larger_than_the_servers_limit_is_refused()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var large = new byte[DashboardOptions.DefaultMaxUploadBytes + 1];
        using var response = await Post(host, Form(upload: (large, "big.png")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("larger than this server takes"));
    }

    [TestCase("../../etc/passwd", "lenet/lenet.caffemodel", "images/shirt.png")]
    [TestCase("lenet/deploy.prototxt", "/etc/passwd", "images/shirt.png")]
    [TestCase("lenet/deploy.prototxt", "lenet/lenet.caffemodel", "../../etc/passwd")]
    public async Task A_path_out_of_the_root_is_refused(string model, string weights, string image)
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Post(host, Form(model, weights, image));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a path under the dashboard's root"));
        using var picture = await host.Client.GetAsync(Api("/api/inference/image?path=../../etc/passwd"));
        Assert.That(picture.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_bad_net_file_or_option_is_answered_with_its_message()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var bad = await Post(host, Form("lenet/bad.prototxt", image: "images/shirt.png"));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await bad.Content.ReadAsStringAsync(), Does.Match(@"bad\.prototxt\(4,\d+\)"));
        var form = Form(image: "images/shirt.png");
        form.Add(new StringContent("1,2"), "meanValues");
        using var means = await Post(host, form);
        Assert.That(means.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await means.Content.ReadAsStringAsync(), Does.Contain("--mean-values has 2 values; input blob 'data' has 1 channels"));
        using var nothing = await Post(host, Form());
        Assert.That(nothing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await nothing.Content.ReadAsStringAsync(), Does.Contain("upload one, or pick one"));
    }

    [Test]
    public async Task A_classification_without_the_request_header_is_refused()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await host.Client.PostAsync(Api("/api/inference/classify"), Form(image: "images/shirt.png"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var get = await host.Client.GetAsync(Api("/api/inference/classify"));
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task The_page_offers_the_files_under_the_root_and_shows_an_image_only_if_it_is_one()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        Assert.That(await host.Client.GetStringAsync(Api("/inference")), Does.Contain("/static/inference.js").And.Contain("type=\"file\""));
        var files = JsonDocument.Parse(await host.Client.GetStringAsync(Api("/api/inference/files"))).RootElement;
        Assert.That(files.GetProperty("labels").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "images.txt", "lenet/labels.txt", "shapes.txt" }));
        Assert.That(files.GetProperty("images").EnumerateArray().Select(e => e.GetString()), Does.Contain("images/shirt.png"));
        using var image = await host.Client.GetAsync(Api("/api/inference/image?path=images/shirt.png"));
        Assert.That(image.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/png"));
        File.WriteAllText(Path.Combine(host.Root, "fake.png"), "not a picture");
        using var fake = await host.Client.GetAsync(Api("/api/inference/image?path=fake.png"));
        Assert.That(fake.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var text = await host.Client.GetAsync(Api("/api/inference/image?path=lenet/labels.txt"));
        Assert.That(text.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
