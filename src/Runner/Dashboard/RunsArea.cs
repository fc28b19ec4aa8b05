using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LayerNet.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The Runs page (<c>/runs</c>): every training run under the root with its state, progress, speed and last outputs;
/// the curves of the runs chosen (one or several, overlaid), pushed as the logs grow (server-sent events); each run's
/// snapshots, with a resume button that queues <c>train --solver S --snapshot X.solverstate</c>.
/// </summary>
/// <remarks>
/// <c>GET /api/runs</c>: the rows. <c>GET /api/runs/events?run=LOG</c>: an event stream of <see cref="RunsPoints"/>,
/// all points first and then the new ones. <c>POST /api/runs/resume</c>: a <see cref="RunsResumeRequest"/>.
/// </remarks>
internal sealed class RunsArea(DashboardRoot root, JobsQueue jobs) : IDashboardArea
{
    /// <summary>How often an event stream looks at its log.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>JSON as the pages read it; NaN and infinite losses (a diverged run) are written as strings.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private readonly RunsCatalog _catalog = new(root, jobs);

    /// <inheritdoc/>
    public string Title => "Runs";

    /// <inheritdoc/>
    public string Path => "/runs";

    /// <inheritdoc/>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // The areas for the navigation bar, taken once all exist (a constructor asking for them would ask for itself).
        var areas = endpoints.ServiceProvider.GetServices<IDashboardArea>().ToList();
        endpoints.MapGet(Path, () => DashboardPage.Render("Runs", Path, Body(), areas, "/static/runs.js"));
        endpoints.MapGet("/api/runs", () => Results.Json(_catalog.List(), Json));
        endpoints.MapGet("/api/runs/events", (string? run, HttpContext context) => StreamAsync(run, context));
        endpoints.MapPost("/api/runs/resume", (RunsResumeRequest request) => Resume(request));
    }

    private IResult Resume(RunsResumeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Snapshot))
        {
            throw new LayerNetException("resume: name the snapshot (.solverstate) to resume from");
        }

        if (string.IsNullOrEmpty(request.Solver))
        {
            throw new LayerNetException($"resume from '{request.Snapshot}': name the solver file to train with");
        }

        NewRunPrototxt.RequireValidSolver(root, request.Solver);
        var job = jobs.Enqueue(request.Solver, request.Snapshot, request.Iterations, request.Name);
        return Results.Json(job, Json, statusCode: StatusCodes.Status202Accepted);
    }

    // The event stream of one run: every point at first, then each new one as the log grows, with the run's row.
    private async Task StreamAsync(string? run, HttpContext context)
    {
        _catalog.Resolve(run);
        var id = run!;
        var log = new RunsLog(root.Resolve(id));
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var sent = new Dictionary<string, (int Count, int LastKey)>(StringComparer.Ordinal);
        RunsSummary? lastSummary = null;
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        var first = true;
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                var reset = log.Update() || first;
                var summary = _catalog.Summary(id, log);
                var points = Delta(id, log, sent, ref reset, summary);
                if (first || points.Loss.Count > 0 || points.LearningRate.Count > 0 || points.Tests.Count > 0 || !SameRow(summary, lastSummary))
                {
                    await WriteEventAsync(response, points, context.RequestAborted).ConfigureAwait(false);
                    lastSummary = summary;
                    quiet.Restart();
                }
                else if (quiet.Elapsed > KeepAlive)
                {
                    // A comment line keeps proxies and the browser from closing a quiet stream.
                    await response.WriteAsync(": alive\n\n", context.RequestAborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    quiet.Restart();
                }

                first = false;
                await Task.Delay(PollInterval, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private static RunsPoints Delta(string id, RunsLog log, Dictionary<string, (int Count, int LastKey)> sent, ref bool reset, RunsSummary summary)
    {
        var curves = log.Curves;
        var series = new List<(string Name, SortedList<int, double> Values)> { ("loss", curves.TrainLoss), ("lr", curves.LearningRate) };
        series.AddRange(curves.TestOutputs.Select(t => ("test:" + t.Key, t.Value)));
        // Points are appended in iteration order; anything else (a rewritten log) sends the whole curves again.
        foreach (var (name, values) in series)
        {
            if (sent.TryGetValue(name, out var before)
                && (values.Count < before.Count || (before.Count > 0 && values.Keys[before.Count - 1] != before.LastKey)))
            {
                reset = true;
            }
        }

        if (reset)
        {
            sent.Clear();
        }

        IReadOnlyList<double[]> Tail(string name, SortedList<int, double> values)
        {
            var from = sent.TryGetValue(name, out var before) ? before.Count : 0;
            var tail = new List<double[]>(values.Count - from);
            for (var i = from; i < values.Count; i++)
            {
                tail.Add([values.Keys[i], values.Values[i]]);
            }

            if (values.Count > 0)
            {
                sent[name] = (values.Count, values.Keys[^1]);
            }

            return tail;
        }

        var tests = new SortedDictionary<string, IReadOnlyList<double[]>>(StringComparer.Ordinal);
        foreach (var (name, values) in curves.TestOutputs)
        {
            if (Tail("test:" + name, values) is { Count: > 0 } tail)
            {
                tests[name] = tail;
            }
        }

        return new RunsPoints(id, reset, Tail("loss", curves.TrainLoss), Tail("lr", curves.LearningRate), tests, summary);
    }

    private static bool SameRow(RunsSummary row, RunsSummary? before) =>
        before is not null && row.State == before.State && row.Iteration == before.Iteration && row.Snapshots.Count == before.Snapshots.Count;

    private static async Task WriteEventAsync(HttpResponse response, RunsPoints points, CancellationToken cancel)
    {
        var json = JsonSerializer.Serialize(points, Json);
        await response.WriteAsync($"data: {json}\n\n", Encoding.UTF8, cancel).ConfigureAwait(false);
        await response.Body.FlushAsync(cancel).ConfigureAwait(false);
    }

    private static string Body() => """
        <h1>Runs</h1>
        <section id="runs" class="card">
          <table id="run-table"><thead><tr>
            <th title="show in the charts">Show</th><th>Run</th><th>State</th><th>Iteration</th><th>iter/s</th><th>Train loss</th><th>Test outputs</th><th></th>
          </tr></thead><tbody></tbody></table>
          <p id="runs-empty" class="muted" hidden>No training logs under the root yet: start one on <a href="/new">New run</a>,
          or train with <code>layernet train ... &gt; train.log</code> in a folder under the root.</p>
          <p id="runs-error" class="error"></p>
        </section>
        <h2>Curves</h2>
        <div id="charts" class="charts"><p class="muted">Tick one or more runs to see their curves.</p></div>
        <h2>Snapshots</h2>
        <div id="snapshots" class="card"><p class="muted">The snapshots of the runs shown.</p></div>
        """;
}
