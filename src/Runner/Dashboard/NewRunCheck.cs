namespace LayerNet.Runner.Dashboard;

/// <summary>
/// What the prototxt reader (and the checks of the files a solver names) said of a text: fine, or the one-line error
/// with its line and column (1-based) when it has a place.
/// </summary>
internal sealed record NewRunCheck(bool Ok, string Kind, string? Message, int? Line, int? Column);
