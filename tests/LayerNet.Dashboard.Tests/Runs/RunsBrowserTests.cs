using LayerNet.Dashboard.Tests.Browser;
using LayerNet.Runner.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace LayerNet.Dashboard.Tests.Runs;

/// <summary>The Runs and New run pages in a real browser, as a person uses them.</summary>
public sealed class RunsBrowserTests
{
    /// <summary>Where the screenshots go (LAYERNET_SCREENSHOTS), or null for none.</summary>
    private static string? ScreenshotFolder => Environment.GetEnvironmentVariable("LAYERNET_SCREENSHOTS") is { Length: > 0 } folder ? folder : null;

    [Test]
    public async Task A_training_started_from_the_page_draws_a_growing_curve_and_stops_with_a_snapshot()
    {
        await using var host = await DashboardHost.StartListeningAsync(root => RunsFixture.CopyTwoLayer(root, maxIter: 100_000_000, display: 20));
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GoToAsync(host.Url("/new"));
        // The picker: into the folder, then the solver, which loads its net beside it.
        await (await page.WaitForSelectorAsync("#picker-list li[data-path='two_layer']")).ClickAsync();
        await (await page.WaitForSelectorAsync("#picker-list li[data-path='two_layer/solver.prototxt']")).ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('net-text').value.includes('TwoLayerNet')");
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('solver-path').value"), Is.EqualTo("two_layer/solver.prototxt"));
        await page.TypeAsync("#run-name", "from-page");
        await page.ClickAsync("#run-start");
        await page.WaitForSelectorAsync("#job-table tr[data-state='running']");
        await SaveScreenshotAsync(page, "new");

        await page.GoToAsync(host.Url("/runs?run=runs/from-page/train.log"));
        const string Curve = "document.querySelector(\"svg[data-metric='Train loss'] polyline[data-run='runs/from-page/train.log']\")";
        await page.WaitForFunctionAsync($"() => {Curve} && Number({Curve}.dataset.points) >= 3");
        var before = await page.EvaluateExpressionAsync<int>($"Number({Curve}.dataset.points)");
        await page.WaitForFunctionAsync($"() => Number({Curve}.dataset.points) > {before}");
        var after = await page.EvaluateExpressionAsync<int>($"Number({Curve}.dataset.points)");
        Assert.That(after, Is.GreaterThan(before), "the curve grew without a reload");
        Assert.That(await page.EvaluateExpressionAsync<string>($"{Curve}.getAttribute('points').trim().split(' ').length.toString()"), Is.EqualTo(after.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await SaveScreenshotAsync(page, "runs");

        await (await page.WaitForSelectorAsync("#run-table button[data-stop]")).ClickAsync();
        await page.WaitForSelectorAsync("#run-table tr[data-run='runs/from-page/train.log'] .state-stopped", new WaitForSelectorOptions { Timeout = 60_000 });
        var resume = await page.WaitForSelectorAsync("#snapshots button[data-resume]");
        var state = await resume.EvaluateFunctionAsync<string>("b => b.dataset.resume");
        Assert.That(state, Does.StartWith("runs/from-page/two_layer_iter_").And.EndWith(".solverstate"));
        Assert.That(File.Exists(Path.Combine(host.Root, state)), Is.True);
        var jobs = host.App.Services.GetRequiredService<JobsQueue>().List();
        Assert.That(jobs.Single().State, Is.EqualTo("stopped"));
    }

    [Test]
    public async Task A_mistake_in_the_net_is_shown_at_its_line_and_a_path_out_of_the_root_is_refused()
    {
        await using var host = await DashboardHost.StartListeningAsync(root => RunsFixture.CopyTwoLayer(root));
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GoToAsync(host.Url("/new?solver=two_layer/solver.prototxt"));
        await page.WaitForFunctionAsync("() => document.getElementById('net-text').value.includes('TwoLayerNet')");
        await page.EvaluateExpressionAsync("(() => { const t = document.getElementById('net-text'); t.value = t.value.replace('num_output: 100', 'num_outputs: 100'); t.dispatchEvent(new Event('input')); })()");
        await page.ClickAsync("#net-check");
        await page.WaitForFunctionAsync("() => document.getElementById('net-error').textContent.length > 0");
        var error = await page.EvaluateExpressionAsync<string>("document.getElementById('net-error').textContent");
        var line = File.ReadAllLines(Path.Combine(host.Root, "two_layer", "net.prototxt")).ToList().FindIndex(l => l.Contains("num_output: 100", StringComparison.Ordinal)) + 1;
        Assert.That(error, Does.Contain($"two_layer/net.prototxt({line},5)").And.Contain("num_outputs").And.Contain($"line {line}"));
        // The editor's selection is on that line.
        var selected = await page.EvaluateExpressionAsync<string>("(() => { const t = document.getElementById('net-text'); return t.value.substring(t.selectionStart, t.selectionEnd); })()");
        Assert.That(selected.Trim(), Is.EqualTo("num_outputs: 100"));
        // Starting saves the edited net first, which the check refuses: nothing is queued.
        await page.ClickAsync("#run-start");
        await page.WaitForFunctionAsync("() => document.getElementById('start-error').textContent.includes('Fix the net')");
        Assert.That(host.App.Services.GetRequiredService<JobsQueue>().List(), Is.Empty);
        await SaveScreenshotAsync(page, "new-error");

        await page.EvaluateExpressionAsync("document.getElementById('solver-path').value = '../../etc/passwd'");
        await page.ClickAsync("#solver-load");
        await page.WaitForFunctionAsync("() => document.getElementById('solver-error').textContent.length > 0");
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('solver-error').textContent"), Does.Contain("not a path under the dashboard's root"));
        Assert.That(await page.EvaluateExpressionAsync<string>("document.getElementById('solver-text').value"), Does.Not.Contain("root:"));
    }

    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotFolder is { } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(Path.Combine(folder, $"dashboard-{name}.png"), new ScreenshotOptions { FullPage = true });
        }
    }
}
