namespace LayerNet.Runner.Dashboard;

/// <summary><c>POST /api/new/jobs</c>: train with this solver file (relative to the root), up to <paramref name="Iterations"/> when given, as the run <paramref name="Name"/> when given.</summary>
internal sealed record NewRunStartRequest(string? Solver, int? Iterations, string? Name);
