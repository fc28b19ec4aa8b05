namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The state file of a run started from the dashboard (<c>runs/NAME/run.json</c>): what it trains from and how it
/// ended, so the Runs page knows a stopped run from a failed one after the server is restarted.
/// </summary>
internal sealed record JobsRecord(
    string Name,
    string Solver,
    string? Snapshot,
    int? Iterations,
    string State,
    int? ExitCode,
    string? Message,
    DateTimeOffset Queued,
    DateTimeOffset? Started,
    DateTimeOffset? Ended);
