using ScottPlot;

namespace LayerNet.Runner.Drawing;

/// <summary>A multiplot layout of two rows: the first takes <paramref name="firstShare"/> of the height, the second the rest.</summary>
internal sealed class PlotRows(float firstShare) : IMultiplotLayout
{
    /// <inheritdoc/>
    public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figureRect)
    {
        ArgumentNullException.ThrowIfNull(subplots);
        var split = figureRect.Top + (figureRect.Height * firstShare);
        return
        [
            new PixelRect(figureRect.Left, figureRect.Right, split, figureRect.Top),
            new PixelRect(figureRect.Left, figureRect.Right, figureRect.Bottom, split),
        ];
    }
}
