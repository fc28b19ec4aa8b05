namespace LayerNet.Runner.Dashboard;

/// <summary>
/// One row of the Runs table: a run's id (its log, relative to the root), name, state, progress, speed, last train
/// loss and test outputs, its snapshots, its solver when known, and the queue's job id while it is one.
/// </summary>
internal sealed record RunsSummary(
    string Id,
    string Name,
    string State,
    int? Iteration,
    int? MaxIter,
    double? IterationsPerSecond,
    double? Loss,
    IReadOnlyDictionary<string, double> Tests,
    IReadOnlyList<RunsSnapshot> Snapshots,
    string? Solver,
    string? Job,
    string? Message);
