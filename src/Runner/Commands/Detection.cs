namespace LayerNet.Runner.Commands;

/// <summary>
/// One box <c>layernet detect</c> keeps: the class, its name when the labels file gives one, the confidence, and the
/// corners in the original image's pixels (continuous coordinates: 0 is the left or top edge of the first pixel,
/// the width or height the far edge of the last), clipped to the image.
/// </summary>
/// <param name="Label">The class number, as the net's output gives it.</param>
/// <param name="Name">The class's line in <c>--labels</c>, or null.</param>
/// <param name="Confidence">The score the net gives the box, 0 to 1.</param>
/// <param name="XMin">The left edge, 0 to the image's width.</param>
/// <param name="YMin">The top edge, 0 to the image's height.</param>
/// <param name="XMax">The right edge, 0 to the image's width.</param>
/// <param name="YMax">The bottom edge, 0 to the image's height.</param>
internal sealed record Detection(int Label, string? Name, float Confidence, double XMin, double YMin, double XMax, double YMax)
{
    /// <summary>The name, or the label number when the class has no name.</summary>
    public string DisplayName => Name ?? Label.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
