using System.Net.Http.Json;
using System.Text.Json;
using LayerNet.Runner.Dashboard;
using LayerNet.Testing;

namespace LayerNet.Dashboard.Tests.Runs;

/// <summary>What the Runs and New run tests put under a root and how they ask the dashboard.</summary>
internal static class RunsFixture
{
    /// <summary>A training log as Caffe writes it (glog prefixes, a test net, snapshots), cut short.</summary>
    public const string CaffeLog = """
        I1129 12:58:09.472326 16483 caffe.cpp:204] Using GPUs 0
        I1129 12:58:09.472326 16483 solver.cpp:48] Initializing solver from parameters: 
        test_iter: 10
        base_lr: 0.01
        max_iter: 1000
        snapshot_prefix: "lenet"
        I1129 12:58:10.000000 16483 solver.cpp:330] Iteration 0, Testing net (#0)
        I1129 12:58:10.100000 16483 solver.cpp:397]     Test net output #0: accuracy = 0.1
        I1129 12:58:10.100000 16483 solver.cpp:397]     Test net output #1: loss = 2.3 (* 1 = 2.3 loss)
        I1129 12:58:10.200000 16483 solver.cpp:218] Iteration 0 (0 iter/s, 0.1s/100 iters), loss = 2.30
        I1129 12:58:10.200000 16483 sgd_solver.cpp:105] Iteration 0, lr = 0.01
        I1129 12:58:12.200000 16483 solver.cpp:218] Iteration 500 (250.5 iter/s, 0.4s/100 iters), loss = 0.5
        I1129 12:58:12.200000 16483 sgd_solver.cpp:105] Iteration 500, lr = 0.01
        I1129 12:58:12.300000 16483 solver.cpp:447] Snapshotting to binary proto file lenet_iter_500.caffemodel
        I1129 12:58:12.400000 16483 sgd_solver.cpp:273] Snapshotting solver state to binary proto file lenet_iter_500.solverstate
        I1129 12:58:14.000000 16483 solver.cpp:330] Iteration 1000, Testing net (#0)
        I1129 12:58:14.100000 16483 solver.cpp:397]     Test net output #0: accuracy = 0.9
        I1129 12:58:14.100000 16483 solver.cpp:397]     Test net output #1: loss = 0.31 (* 1 = 0.31 loss)
        I1129 12:58:14.200000 16483 solver.cpp:310] Iteration 1000, loss = 0.3
        I1129 12:58:14.200000 16483 solver.cpp:315] Optimization Done.

        """;

    /// <summary>The web names and numbers the endpoints answer with.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Copies the lecture's two-layer net (models/two_layer) to <paramref name="folder"/> under the root; with
    /// <paramref name="maxIter"/>, its solver is rewritten to that many iterations, displayed every <paramref name="display"/>.
    /// </summary>
    public static void CopyTwoLayer(string root, string folder = "two_layer", int? maxIter = null, int display = 100)
    {
        var target = Path.Combine(root, folder);
        Directory.CreateDirectory(target);
        foreach (var name in new[] { "net.prototxt", "data.h5", "data.txt", "solver.prototxt" })
        {
            File.Copy(Fixtures.InRepository("models", "two_layer", name), Path.Combine(target, name));
        }

        if (maxIter is { } iterations)
        {
            var solver = File.ReadAllText(Path.Combine(target, "solver.prototxt"))
                .Replace("max_iter: 2000", $"max_iter: {iterations}", StringComparison.Ordinal)
                .Replace("display: 100", $"display: {display}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(target, "solver.prototxt"), solver);
        }
    }

    /// <summary>A request that changes something, with the header the dashboard asks of it.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add(DashboardServer.RequestHeader, "1");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>GET a JSON answer.</summary>
    public static async Task<T> GetAsync<T>(HttpClient client, string path) =>
        (await client.GetFromJsonAsync<T>(new Uri(path, UriKind.Relative), Json).ConfigureAwait(false))!;

    /// <summary>Reads a JSON answer.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(Json).ConfigureAwait(false))!;

    /// <summary>The run whose log is <paramref name="id"/>, as <c>/api/runs</c> lists it.</summary>
    public static async Task<RunsSummary> RunAsync(HttpClient client, string id)
    {
        var runs = await GetAsync<List<RunsSummary>>(client, "/api/runs").ConfigureAwait(false);
        return runs.Single(run => run.Id == id);
    }

    /// <summary>Waits (up to <paramref name="seconds"/>) until <paramref name="done"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"waited {seconds} s for {what}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
