namespace LayerNet.Runner.Dashboard;

/// <summary>A prototxt file under the root as the editor loads it; for a solver, <paramref name="Net"/> is its net file (relative to the root) when found.</summary>
internal sealed record NewRunFile(string Path, string Kind, string Text, string? Net);
