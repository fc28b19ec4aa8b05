using System.Net;
using System.Text.Json;
using LayerNet.Runner.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Dashboard.Tests.Runs;

/// <summary>The Runs area in memory: runs found by their logs, their rows, the event stream of their points, resume.</summary>
public sealed class RunsEndpointTests
{
    private static void FillLogs(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lenet"));
        File.WriteAllText(Path.Combine(root, "lenet", "train.log"), RunsFixture.CaffeLog);
        File.WriteAllText(Path.Combine(root, "lenet", "lenet_iter_500.caffemodel"), "w");
        File.WriteAllText(Path.Combine(root, "lenet", "lenet_iter_500.solverstate"), "s");
        File.WriteAllText(Path.Combine(root, "lenet", "lenet_solver.prototxt"), "net: 'x.prototxt'");
        // A run stopped with Ctrl+C in a terminal.
        Directory.CreateDirectory(Path.Combine(root, "stopped"));
        File.WriteAllText(Path.Combine(root, "stopped", "run.log"), RunsFixture.CaffeLog.Replace(
            "solver.cpp:315] Optimization Done.", "solver.cpp:315] Optimization stopped early.\nI1129 12:58:14.200000 16483 caffe.cpp:260] Optimization Done.", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(Path.Combine(root, "stopped", "run.log"), DateTime.UtcNow.AddHours(-1));
        // Not runs: a .log that is no training's, a training log in a build folder, and a log by another name.
        File.WriteAllText(Path.Combine(root, "lenet", "notes.log"), "Nothing of a training here.\n");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.WriteAllText(Path.Combine(root, "bin", "copy.log"), RunsFixture.CaffeLog);
        File.WriteAllText(Path.Combine(root, "lenet", "train.txt"), RunsFixture.CaffeLog);
    }

    [Test]
    public async Task A_training_log_under_the_root_is_a_run_with_its_state_progress_outputs_and_snapshots()
    {
        await using var host = await DashboardHost.StartAsync(FillLogs);
        var runs = await RunsFixture.GetAsync<List<RunsSummary>>(host.Client, "/api/runs");
        Assert.That(runs.Select(r => r.Id), Is.EqualTo(new[] { "lenet/train.log", "stopped/run.log" }), "the most recently written first");
        Assert.That(runs[1].State, Is.EqualTo("stopped"));
        var run = runs[0];
        Assert.Multiple(() =>
        {
            Assert.That(run.State, Is.EqualTo("finished"));
            Assert.That(run.Iteration, Is.EqualTo(1000));
            Assert.That(run.MaxIter, Is.EqualTo(1000));
            Assert.That(run.IterationsPerSecond, Is.EqualTo(250.5));
            Assert.That(run.Loss, Is.EqualTo(0.3));
            Assert.That(run.Tests["accuracy"], Is.EqualTo(0.9));
            Assert.That(run.Tests["loss"], Is.EqualTo(0.31));
            Assert.That(run.Snapshots, Is.EqualTo(new[] { new RunsSnapshot(500, "lenet/lenet_iter_500.caffemodel", "lenet/lenet_iter_500.solverstate") }));
            Assert.That(run.Solver, Is.EqualTo("lenet/lenet_solver.prototxt"));
        });
    }

    [Test]
    public async Task The_event_stream_sends_every_point_then_only_the_new_ones_as_the_log_grows()
    {
        var lines = RunsFixture.CaffeLog.Split('\n');
        await using var host = await DashboardHost.StartAsync(root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "lenet"));
            File.WriteAllLines(Path.Combine(root, "lenet", "train.log"), lines[..13]);
            File.WriteAllText(Path.Combine(root, "lenet", "lenet_iter_500.caffemodel"), "w");
        });
        using var response = await host.Client.GetAsync(new Uri("/api/runs/events?run=lenet/train.log", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await NextEventAsync(reader);
        Assert.That(first.Reset, Is.True);
        Assert.That(first.Loss.Select(p => p[0]), Is.EqualTo(new[] { 0.0, 500.0 }));
        Assert.That(first.Tests["accuracy"].Single(), Is.EqualTo(new[] { 0.0, 0.1 }));
        Assert.That(first.Summary!.State, Is.EqualTo("running"), "written just now, not done");

        await File.AppendAllLinesAsync(Path.Combine(host.Root, "lenet", "train.log"), lines[13..]);
        var next = await NextEventAsync(reader);
        Assert.That(next.Reset, Is.False);
        Assert.That(next.Loss, Is.EqualTo(new[] { new[] { 1000.0, 0.3 } }));
        Assert.That(next.Tests["accuracy"], Is.EqualTo(new[] { new[] { 1000.0, 0.9 } }));
        Assert.That(next.Summary!.State, Is.EqualTo("finished"));
        Assert.That(next.Summary.Snapshots, Has.Count.EqualTo(1));
    }

    [TestCase("../../etc/passwd", HttpStatusCode.Forbidden)]
    [TestCase("/etc/passwd", HttpStatusCode.Forbidden)]
    [TestCase("lenet/notes.log", HttpStatusCode.BadRequest)]
    [TestCase("lenet/lenet_solver.prototxt", HttpStatusCode.BadRequest)]
    [TestCase("lenet/missing.log", HttpStatusCode.BadRequest)]
    public async Task The_event_stream_of_no_log_under_the_root_is_refused(string run, HttpStatusCode status)
    {
        await using var host = await DashboardHost.StartAsync(FillLogs);
        using var response = await host.Client.GetAsync(new Uri($"/api/runs/events?run={Uri.EscapeDataString(run)}", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(status));
    }

    [Test]
    public async Task A_job_trains_the_two_layer_net_to_the_end_then_resumes_from_its_snapshot()
    {
        await using var host = await DashboardHost.StartAsync(root => RunsFixture.CopyTwoLayer(root));
        var queue = host.App.Services.GetRequiredService<JobsQueue>();
        using var started = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt", iterations = 200, name = "first" });
        Assert.That(started.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await started.Content.ReadAsStringAsync());
        var job = await RunsFixture.ReadAsync<JobsInfo>(started);
        Assert.That(job.Log, Is.EqualTo("runs/first/train.log"));
        await queue.WhenEnded(job.Id).WaitAsync(TimeSpan.FromSeconds(90));

        var run = await RunsFixture.RunAsync(host.Client, "runs/first/train.log");
        Assert.Multiple(() =>
        {
            Assert.That(run.State, Is.EqualTo("finished"), run.Message);
            Assert.That(run.Iteration, Is.EqualTo(200));
            Assert.That(run.MaxIter, Is.EqualTo(200));
            Assert.That(run.Loss, Is.LessThan(36756.7), "the loss fell from the first iteration's");
            Assert.That(run.Solver, Is.EqualTo("two_layer/solver.prototxt"));
            Assert.That(run.Snapshots.Single().Iteration, Is.EqualTo(200));
            Assert.That(run.Snapshots[0].Weights, Is.EqualTo("runs/first/two_layer_iter_200.caffemodel"), "in the run's folder, named by the solver's prefix");
            Assert.That(run.Snapshots[0].State, Is.EqualTo("runs/first/two_layer_iter_200.solverstate"));
        });
        Assert.That(File.Exists(Path.Combine(host.Root, run.Snapshots[0].State!)), Is.True);
        var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(host.Root, "runs", "first", "run.json"))).RootElement;
        Assert.That(record.GetProperty("state").GetString(), Is.EqualTo("finished"));
        Assert.That(File.ReadAllText(Path.Combine(host.Root, "runs", "first", "solver.prototxt")), Does.Contain("snapshot_prefix: \"../runs/first/two_layer\""));
        Assert.That(Directory.GetFiles(Path.Combine(host.Root, "two_layer"), "*_iter_*"), Is.Empty, "nothing written beside the solver");

        using var resumed = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/runs/resume",
            new { snapshot = run.Snapshots[0].State, solver = run.Solver, iterations = 300, name = "second" });
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await resumed.Content.ReadAsStringAsync());
        var second = await RunsFixture.ReadAsync<JobsInfo>(resumed);
        Assert.That(second.Snapshot, Is.EqualTo(run.Snapshots[0].State));
        await queue.WhenEnded(second.Id).WaitAsync(TimeSpan.FromSeconds(90));
        var after = await RunsFixture.RunAsync(host.Client, "runs/second/train.log");
        Assert.That(after.State, Is.EqualTo("finished"), after.Message);
        Assert.That(after.Iteration, Is.EqualTo(300));
        Assert.That(after.Snapshots.Single().State, Is.EqualTo("runs/second/two_layer_iter_300.solverstate"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(host.Root, "runs", "second", "train.log")), Does.Contain("Iteration 200").And.Not.Contain("Iteration 100 "),
            "the resumed run starts where the snapshot was taken");
    }

    [Test]
    public async Task A_running_job_stops_with_a_snapshot_and_the_job_queued_behind_it_can_be_cancelled()
    {
        await using var host = await DashboardHost.StartAsync(root => RunsFixture.CopyTwoLayer(root, maxIter: 100_000_000, display: 10));
        var queue = host.App.Services.GetRequiredService<JobsQueue>();
        using var first = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt", name = "long" });
        using var second = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt", name = "long" });
        var running = await RunsFixture.ReadAsync<JobsInfo>(first);
        var waiting = await RunsFixture.ReadAsync<JobsInfo>(second);
        Assert.That(waiting.Name, Is.EqualTo("long-2"), "a taken name gets a fresh one");
        Assert.That(waiting.State, Is.EqualTo("queued"), "one job runs at a time");
        var listed = await RunsFixture.GetAsync<List<RunsSummary>>(host.Client, "/api/runs");
        Assert.That(listed.Single(r => r.Id == waiting.Log).State, Is.EqualTo("queued"));

        using var third = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt" });
        var unnamed = await RunsFixture.ReadAsync<JobsInfo>(third);
        Assert.That(unnamed.Name, Does.Match(@"^two_layer-\d{8}-\d{6}$"), "named after the solver's folder and the time");
        using var cancelThird = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, $"/api/new/jobs/{unnamed.Id}/stop");
        Assert.That(cancelThird.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var cancel = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, $"/api/new/jobs/{waiting.Id}/stop");
        Assert.That((await RunsFixture.ReadAsync<JobsInfo>(cancel)).State, Is.EqualTo("cancelled"));
        Assert.That(Directory.Exists(Path.Combine(host.Root, "runs", "long-2")), Is.False);

        await RunsFixture.WaitUntilAsync(async () => (await RunsFixture.RunAsync(host.Client, running.Log)).Iteration >= 50, "the run to train 50 iterations");
        Assert.That((await RunsFixture.RunAsync(host.Client, running.Log)).State, Is.EqualTo("running"));
        using var stop = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, $"/api/new/jobs/{running.Id}/stop");
        Assert.That(stop.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await queue.WhenEnded(running.Id).WaitAsync(TimeSpan.FromSeconds(60));

        var run = await RunsFixture.RunAsync(host.Client, running.Log);
        Assert.That(run.State, Is.EqualTo("stopped"));
        var snapshot = run.Snapshots.Single();
        Assert.That(snapshot.Iteration, Is.EqualTo(run.Iteration).And.GreaterThanOrEqualTo(50));
        Assert.That(File.Exists(Path.Combine(host.Root, snapshot.State!)), Is.True);
        using var again = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, $"/api/new/jobs/{running.Id}/stop");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("stopped already"));
    }

    [Test]
    public async Task Resume_without_a_snapshot_or_from_outside_the_root_is_refused()
    {
        await using var host = await DashboardHost.StartAsync(root => RunsFixture.CopyTwoLayer(root));
        using var none = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/runs/resume", new { solver = "two_layer/solver.prototxt" });
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var outside = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/runs/resume",
            new { solver = "two_layer/solver.prototxt", snapshot = "../../etc/x.solverstate" });
        Assert.That(outside.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var notState = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/runs/resume",
            new { solver = "two_layer/solver.prototxt", snapshot = "two_layer/data.h5" });
        Assert.That(notState.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await notState.Content.ReadAsStringAsync(), Does.Contain(".solverstate"));
        using var bare = await host.Client.PostAsync(new Uri("/api/runs/resume", UriKind.Relative), null);
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "no X-LayerNet-Request header");
    }

    [Test]
    public async Task The_runs_page_is_served_with_its_script()
    {
        await using var host = await DashboardHost.StartAsync(FillLogs);
        var page = await host.Client.GetStringAsync(new Uri("/runs", UriKind.Relative));
        Assert.That(page, Does.Contain("<script src=\"/static/runs.js\"></script>").And.Contain("id=\"run-table\"").And.Contain("href=\"/new\""));
        Assert.That(await host.Client.GetStringAsync(new Uri("/static/runs.js", UriKind.Relative)), Does.Contain("/api/runs/events"));
        using var root = await host.Client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.That(root.Headers.Location!.ToString(), Is.EqualTo("/runs"));
    }

    private static async Task<RunsPoints> NextEventAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonSerializer.Deserialize<RunsPoints>(line["data: ".Length..], RunsFixture.Json)!;
            }
        }

        throw new EndOfStreamException("the event stream ended");
    }
}
