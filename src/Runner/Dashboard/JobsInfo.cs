namespace LayerNet.Runner.Dashboard;

/// <summary>
/// A job as the pages see it: its id, run name, state, the solver (and snapshot) it trains from, the iteration bound
/// and the run's log, all paths relative to the root; <paramref name="Message"/> says why it failed.
/// </summary>
internal sealed record JobsInfo(
    string Id,
    string Name,
    string State,
    string Solver,
    string? Snapshot,
    int? Iterations,
    string Log,
    int? ExitCode,
    string? Message);
