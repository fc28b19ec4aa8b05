namespace LayerNet.Samples.Ssd;

/// <summary>
/// A box in normalised image coordinates (the fork's NormalizedBBox without its extras): corners as the fork stores
/// them, in float.
/// </summary>
/// <param name="XMin">Left edge.</param>
/// <param name="YMin">Top edge.</param>
/// <param name="XMax">Right edge.</param>
/// <param name="YMax">Bottom edge.</param>
internal readonly record struct BoundingBox(float XMin, float YMin, float XMax, float YMax)
{
    /// <summary>The four values starting at <paramref name="offset"/>: xmin, ymin, xmax, ymax.</summary>
    public static BoundingBox Read(ReadOnlySpan<float> values, int offset) =>
        new(values[offset], values[offset + 1], values[offset + 2], values[offset + 3]);

    /// <summary>The fork's BBoxSize for a normalised box: width times height, 0 for an inverted box.</summary>
    public float Size => XMax < XMin || YMax < YMin ? 0f : (XMax - XMin) * (YMax - YMin);

    /// <summary>True when a corner lies outside [0, 1] (the fork's IsCrossBoundaryBBox).</summary>
    public bool CrossesBoundary =>
        XMin < 0f || XMin > 1f || YMin < 0f || YMin > 1f || XMax < 0f || XMax > 1f || YMax < 0f || YMax > 1f;
}
