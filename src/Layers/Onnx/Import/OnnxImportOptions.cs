namespace LayerNet.Layers.Onnx;

/// <summary>How <see cref="OnnxImport"/> turns an ONNX model into a Caffe net.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// Shapes for graph inputs, by input name: required for an input the model gives no shape, and used instead of the
    /// model's shape where it is given (a batch "N" made 8). A symbolic dimension of an input not named here becomes 1.
    /// </summary>
    public IReadOnlyDictionary<string, int[]> InputShapes { get; init; } = new Dictionary<string, int[]>();

    /// <summary>The Caffe net's name; the graph's name when null.</summary>
    public string? NetName { get; init; }
}
