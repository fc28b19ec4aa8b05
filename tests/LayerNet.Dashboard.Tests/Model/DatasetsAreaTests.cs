using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LayerNet.Runner.Dashboard;
using SkiaSharp;

namespace LayerNet.Dashboard.Tests.Model;

/// <summary>The Datasets page's endpoints, in memory: a job that makes an LMDB and its mean, and what is refused.</summary>
public sealed class DatasetsAreaTests
{
    private static Uri Api(string pathAndQuery) => new(pathAndQuery, UriKind.Relative);

    private static async Task<HttpResponseMessage> Start(DashboardHost host, object request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, Api("/api/datasets/jobs")) { Content = JsonContent.Create(request) };
        message.Headers.Add(DashboardServer.RequestHeader, "1");
        return await host.Client.SendAsync(message);
    }

    /// <summary>Polls a job until it is over.</summary>
    internal static async Task<JsonElement> Finished(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync(Api($"/api/datasets/jobs/{id}"))).RootElement;
            if (status.GetProperty("state").GetString() is "done" or "failed" or "stopped" || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }

    [Test]
    public async Task A_job_makes_the_lmdb_and_its_mean_as_the_commands_do()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Start(host, new { folder = "images", list = "images.txt", database = "colours_lmdb", shuffle = true, seed = 7 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        var status = await Finished(host.Client, JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
        Assert.That(status.GetProperty("state").GetString(), Is.EqualTo("done"), status.ToString());
        Assert.That(status.GetProperty("percent").GetInt32(), Is.EqualTo(100));
        Assert.That((status.GetProperty("done").GetInt32(), status.GetProperty("total").GetInt32()), Is.EqualTo((3, 3)));
        Assert.That(status.GetProperty("mean").GetString(), Is.EqualTo("colours_lmdb_mean.binaryproto"));
        Assert.That(status.GetProperty("log").GetString(), Does.Contain("A total of 3 images.").And.Contain("Processed 3 files.").And.Contain("Number of channels: 3"));
        // B, G, R: the mean of (30, 60, 90), (20, 50, 80) and (10, 40, 70).
        Assert.That(status.GetProperty("channelMeans").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(new[] { 60.0, 50.0, 40.0 }).Within(1e-4));

        // What compute-image-mean says of the same database.
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        Assert.That(LayerNet.Runner.LayerNetCommandLine.Run(["compute-image-mean", Path.Combine(host.Root, "colours_lmdb")], output, error), Is.EqualTo(0), error.ToString());
        Assert.That(output.ToString(), Does.Contain("mean_value channel [0]:60").And.Contain("mean_value channel [2]:40"));

        using var picture = await host.Client.GetAsync(Api("/api/datasets/mean.png?path=colours_lmdb_mean.binaryproto"));
        Assert.That(picture.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(picture.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/png"));
        using (var mean = SKBitmap.Decode(await picture.Content.ReadAsByteArrayAsync()))
        {
            // The mean image as its own pixels (not stretched): R 40, G 50, B 60.
            Assert.That(mean.GetPixel(mean.Width / 2, mean.Height / 2), Is.EqualTo(new SKColor(40, 50, 60)));
        }

        var jobs = JsonDocument.Parse(await host.Client.GetStringAsync(Api("/api/datasets/jobs"))).RootElement;
        Assert.That(jobs.GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_job_whose_image_cannot_be_read_fails_with_the_commands_message_and_leaves_nothing()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        File.AppendAllText(Path.Combine(host.Root, "images.txt"), "missing.png 3\n");
        using var response = await Start(host, new { folder = "images", list = "images.txt", database = "broken_lmdb" });
        var status = await Finished(host.Client, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        Assert.That(status.GetProperty("state").GetString(), Is.EqualTo("failed"));
        Assert.That(status.GetProperty("error").GetString(), Does.Contain("missing.png").And.Contain("line 4"));
        Assert.That(Directory.Exists(Path.Combine(host.Root, "broken_lmdb")), Is.False);
    }

    [Test]
    public async Task A_stopped_job_ends_stopped_and_leaves_no_database()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        var area = new DatasetsArea(new DashboardRoot(host.Root));
        var job = area.Create(new DatasetRequest("shapes", "shapes.txt", "stopped_lmdb", 0, 0, false, false, null, false, null, false));
        // Asked to stop before it starts: the conversion stops before its first image.
        job.Stop();
        job.Start();
        await job.Task!;
        var status = job.Status();
        Assert.That(status.State, Is.EqualTo("stopped"));
        Assert.That(status.Error, Does.Contain("interrupted after 0 of 6 images"));
        Assert.That(Directory.GetFileSystemEntries(host.Root).Select(Path.GetFileName), Does.Not.Contain("stopped_lmdb"));
        Assert.That(Directory.GetFileSystemEntries(host.Root, ".stopped_lmdb*"), Is.Empty, "the partial folder is removed");
        using var request = new HttpRequestMessage(HttpMethod.Post, Api("/api/datasets/jobs/nothing/stop"));
        request.Headers.Add(DashboardServer.RequestHeader, "1");
        using var unknown = await host.Client.SendAsync(request);
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("../..", "images.txt", "x_lmdb")]
    [TestCase("images", "../../etc/passwd", "x_lmdb")]
    [TestCase("images", "images.txt", "../x_lmdb")]
    public async Task A_path_out_of_the_root_is_refused(string folder, string list, string database)
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var response = await Start(host, new { folder, list, database });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a path under the dashboard's root"));
    }

    [Test]
    public async Task A_list_naming_an_image_out_of_the_root_is_refused_before_anything_is_read()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        File.WriteAllText(Path.Combine(host.Root, "escape.txt"), "colour0.png 0\n../../../../etc/passwd 1\n");
        using var response = await Start(host, new { folder = "images", list = "escape.txt", database = "x_lmdb" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("line 2: '../../../../etc/passwd' is not a path under the dashboard's root"));
        using var mean = await host.Client.GetAsync(Api("/api/datasets/mean.png?path=../../etc/passwd"));
        Assert.That(mean.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task An_existing_database_a_bad_option_or_a_missing_header_is_refused()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        using var exists = await Start(host, new { folder = "images", list = "images.txt", database = "lenet" });
        Assert.That(exists.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await exists.Content.ReadAsStringAsync(), Does.Contain("exists already"));
        using var resize = await Start(host, new { folder = "images", list = "images.txt", database = "x_lmdb", resizeHeight = 8 });
        var status = await Finished(host.Client, JsonDocument.Parse(await resize.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        Assert.That(status.GetProperty("error").GetString(), Does.Contain("--resize-height and --resize-width go together"));
        using var bare = await host.Client.PostAsync(Api("/api/datasets/jobs"), JsonContent.Create(new { folder = "images" }));
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var unknown = await host.Client.GetAsync(Api("/api/datasets/jobs/nothing"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var notMean = await host.Client.GetAsync(Api("/api/datasets/mean.png?path=images.txt"));
        Assert.That(notMean.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task The_page_offers_the_folders_and_lists_under_the_root()
    {
        await using var host = await DashboardHost.StartAsync(ModelTestRoot.Fill);
        Assert.That(await host.Client.GetStringAsync(Api("/datasets")), Does.Contain("/static/datasets.js").And.Contain("<progress"));
        var files = JsonDocument.Parse(await host.Client.GetStringAsync(Api("/api/datasets/files"))).RootElement;
        Assert.That(files.GetProperty("folders").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "images", "lenet", "shapes" }));
        Assert.That(files.GetProperty("lists").EnumerateArray().Select(e => e.GetString()), Does.Contain("images.txt"));
    }
}
