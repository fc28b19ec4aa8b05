namespace LayerNet.Runner.Dashboard;

/// <summary>
/// A solver or net text from the page's editor, with the file it is (or will be) saved as, relative to the root;
/// <paramref name="Kind"/> is <c>solver</c> or <c>net</c> (null: a file name with "solver" in it is a solver).
/// </summary>
internal sealed record NewRunText(string? Path, string? Kind, string? Text);
