using System.Net;
using System.Text.Json;
using LayerNet.Errors;
using LayerNet.Runner.Dashboard;

namespace LayerNet.Dashboard.Tests;

public sealed class DashboardServerTests
{
    private static void Fill(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "models"));
        File.WriteAllText(Path.Combine(root, "models", "solver.prototxt"), "net: 'net.prototxt'");
        File.WriteAllText(Path.Combine(root, "models", "notes.txt"), "x");
    }

    [Test]
    public async Task The_file_listing_shows_the_folder_under_the_root()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        var listing = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/api/files?path=models&ext=.prototxt", UriKind.Relative))).RootElement;
        Assert.That(listing.GetProperty("path").GetString(), Is.EqualTo("models"));
        var files = listing.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.That(files, Is.EqualTo(new[] { "models/solver.prototxt" }));
    }

    [TestCase("../../etc/passwd")]
    [TestCase("..")]
    [TestCase("/etc")]
    public async Task A_path_out_of_the_root_is_refused(string path)
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var response = await host.Client.GetAsync(new Uri($"/api/files?path={Uri.EscapeDataString(path)}", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a path under"));
    }

    [Test]
    public async Task A_foreign_host_name_is_refused_on_loopback()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/files", UriKind.Relative));
        request.Headers.Host = "attacker.example";
        using var response = await host.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_write_without_the_request_header_or_from_another_origin_is_refused()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var bare = await host.Client.PostAsync(new Uri("/api/files", UriKind.Relative), null);
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/files", UriKind.Relative));
        request.Headers.Add(DashboardServer.RequestHeader, "1");
        request.Headers.Add("Origin", "http://attacker.example");
        using var foreign = await host.Client.SendAsync(request);
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await foreign.Content.ReadAsStringAsync(), Does.Contain("origin"));
    }

    [Test]
    public async Task With_a_token_every_request_must_carry_it()
    {
        await using var host = await DashboardHost.StartAsync(Fill, token: "s3cret");
        using var without = await host.Client.GetAsync(new Uri("/api/files", UriKind.Relative));
        Assert.That(without.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/files", UriKind.Relative));
        wrong.Headers.Add(DashboardServer.TokenHeader, "s3creT");
        Assert.That((await host.Client.SendAsync(wrong)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var right = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/files", UriKind.Relative));
        right.Headers.Add(DashboardServer.TokenHeader, "s3cret");
        Assert.That((await host.Client.SendAsync(right)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var query = await host.Client.GetAsync(new Uri("/api/files?token=s3cret", UriKind.Relative));
        Assert.That(query.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(query.Headers.GetValues("Set-Cookie").Single(), Does.StartWith(DashboardServer.TokenCookie + "=s3cret").And.Contain("httponly"));
    }

    [Test]
    public void Listening_beyond_localhost_without_a_token_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("layernet-dashboard-").FullName;
        try
        {
            Assert.That(() => DashboardServer.Build(new DashboardOptions { Root = root, Host = "0.0.0.0" }),
                Throws.TypeOf<LayerNetException>().With.Message.Contains("needs --token"));
        }
        finally
        {
            Directory.Delete(root);
        }
    }

    [Test]
    public async Task The_pages_scripts_are_served_from_the_assembly_with_a_strict_content_policy()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var response = await host.Client.GetAsync(new Uri("/static/dashboard.js", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("X-LayerNet-Request"));
        Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.StartWith("default-src 'self'"));
        using var missing = await host.Client.GetAsync(new Uri("/static/..%2F..%2Fetc%2Fpasswd", UriKind.Relative));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
