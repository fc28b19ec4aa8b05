namespace LayerNet.Runner.Dashboard;

/// <summary>A file under the root: its path relative to the root and its size in bytes.</summary>
internal sealed record RootFile(string Path, long Bytes);
