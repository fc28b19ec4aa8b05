namespace LayerNet.Layers.Onnx;

/// <summary>A value the Caffe net computes: the blob that holds an ONNX value, and its shape.</summary>
/// <param name="Blob">The Caffe blob's name (the ONNX value's own name, or the blob it aliases).</param>
/// <param name="Shape">The blob's shape, as the Caffe layer that makes it computes it.</param>
internal sealed record ImportedValue(string Blob, int[] Shape)
{
    /// <summary>What the floats stand for in the ONNX graph.</summary>
    public ImportedValueKind Kind { get; init; } = ImportedValueKind.Float;

    /// <summary>True when every value is known to be 0 or more (a ReLU's output): zero padding then changes no maximum.</summary>
    public bool NonNegative { get; init; }

    /// <summary>The number of axes.</summary>
    public int Rank => Shape.Length;

    /// <summary>The shape as text, "[1, 3, 8, 8]".</summary>
    public string ShapeText => ShapeOf(Shape);

    /// <summary>A shape as text, "[1, 3, 8, 8]".</summary>
    public static string ShapeOf(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";
}
