namespace LayerNet.Layers.Onnx;

/// <summary>
/// A Pad node's output, not yet a blob: Caffe has no layer that pads, so the convolution or pooling that alone reads it
/// takes the padding into its own pad.
/// </summary>
/// <param name="Node">The Pad node.</param>
/// <param name="Source">The value it pads.</param>
/// <param name="Begin">The padding before each axis of <paramref name="Source"/>.</param>
/// <param name="End">The padding after each axis.</param>
/// <param name="Value">The constant the padding holds.</param>
internal sealed record PendingPad(OnnxNode Node, ImportedValue Source, int[] Begin, int[] End, float Value)
{
    /// <summary>True when axes 0 and 1 (batch and channels) are not padded.</summary>
    public bool SpatialOnly => Begin.Length >= 2 && Begin[0] == 0 && Begin[1] == 0 && End[0] == 0 && End[1] == 0;
}
