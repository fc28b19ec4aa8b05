namespace LayerNet.Runner.Dashboard;

/// <summary>A run's snapshot at one iteration: its weights and solver state, relative to the root (null where missing).</summary>
internal sealed record RunsSnapshot(int Iteration, string? Weights, string? State);
