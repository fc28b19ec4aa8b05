namespace LayerNet.Runner.Dashboard;

/// <summary>The Model page's pickers: the net files and the snapshots under the root.</summary>
internal sealed record ModelFileChoices(IReadOnlyList<string> Nets, IReadOnlyList<string> Weights);
