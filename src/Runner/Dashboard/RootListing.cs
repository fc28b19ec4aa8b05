namespace LayerNet.Runner.Dashboard;

/// <summary>One folder's listing: its path, its folders and its files, all relative to the root.</summary>
internal sealed record RootListing(string Path, IReadOnlyList<string> Folders, IReadOnlyList<RootFile> Files);
