namespace LayerNet.Runner.Dashboard;

/// <summary>The Inference page's pickers: net files, snapshots, label files, mean files and images under the root.</summary>
internal sealed record InferenceFileChoices(
    IReadOnlyList<string> Nets, IReadOnlyList<string> Weights, IReadOnlyList<string> Labels, IReadOnlyList<string> Means, IReadOnlyList<string> Images);
