namespace LayerNet.Dashboard.Tests.Browser;

/// <summary>The dashboard in a real browser: what no in-memory request can show.</summary>
public sealed class RootBrowserTests
{
    [Test]
    public async Task A_path_out_of_the_root_typed_into_the_browser_is_refused()
    {
        await using var host = await DashboardHost.StartListeningAsync(root => File.WriteAllText(Path.Combine(root, "net.prototxt"), "name: 'x'"));
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        var response = await page.GoToAsync(host.Url("/api/files?path=../../etc/passwd"));
        Assert.That((int)response.Status, Is.EqualTo(403));
        Assert.That(await page.EvaluateExpressionAsync<string>("document.body.innerText"), Does.Contain("not a path under the dashboard's root"));
        var listing = await page.GoToAsync(host.Url("/api/files"));
        Assert.That(await listing.TextAsync(), Does.Contain("net.prototxt"));
    }
}
