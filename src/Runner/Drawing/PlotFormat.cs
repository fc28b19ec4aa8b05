namespace LayerNet.Runner.Drawing;

/// <summary>
/// The picture formats <c>plot</c> and <c>train --plot</c> write. Kept apart from <see cref="TrainingPlot"/> so that
/// checking an option does not load the plotting library (a training run without --plot never loads it).
/// </summary>
internal static class PlotFormat
{
    /// <summary>"png" or "svg" by the path's extension, or null for anything else.</summary>
    public static string? Of(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "png",
        ".svg" => "svg",
        _ => null,
    };
}
