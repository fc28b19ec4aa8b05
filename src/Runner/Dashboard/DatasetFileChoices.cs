namespace LayerNet.Runner.Dashboard;

/// <summary>The Datasets page's pickers: folders, list files (.txt) and mean files under the root.</summary>
internal sealed record DatasetFileChoices(IReadOnlyList<string> Folders, IReadOnlyList<string> Lists, IReadOnlyList<string> Means);
