namespace LayerNet.Onnx;

/// <summary>How <see cref="OnnxExport"/> writes a model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest operator set LayerNet writes: the first whose Softmax normalises over one axis, as Caffe's does.</summary>
    public const int MinimumOpset = 13;

    /// <summary>The highest operator set LayerNet writes.</summary>
    public const int MaximumOpset = 21;

    /// <summary>The operator set written when none is asked for (PyTorch's default export).</summary>
    public const int DefaultOpset = 17;

    /// <summary>The standard operator set version the model imports (<see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>).</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>When true, the first dimension of every input and output is the symbol "N" (any batch size).</summary>
    public bool DynamicBatch { get; init; }

    /// <summary>The graph's name (the net's name when null).</summary>
    public string? GraphName { get; init; }

    /// <summary>The producer_version written into the model.</summary>
    public string ProducerVersion { get; init; } = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0";
}
