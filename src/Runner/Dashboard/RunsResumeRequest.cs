namespace LayerNet.Runner.Dashboard;

/// <summary>
/// <c>POST /api/runs/resume</c>: resume from a snapshot's solver state (relative to the root) with a solver file
/// (the run's own when null); <paramref name="Iterations"/> bounds it as <c>--iterations</c> does.
/// </summary>
internal sealed record RunsResumeRequest(string? Snapshot, string? Solver, int? Iterations, string? Name);
