using LayerNet.Blobs;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// One value a blob holds while the net runs: a blob written in place holds several in turn (<c>h</c> after fc1,
/// then <c>h</c> after sigmoid), and a drawing shows each as its own node, with its own values and gradient.
/// </summary>
internal sealed class BlobVersion(string name, Blob? blob, int blobIndex, int version, int producer, int producerTop)
{
    /// <summary>The blob's name.</summary>
    public string Name { get; } = name;

    /// <summary>The blob, with its shape; null when the net was not built.</summary>
    public Blob? Blob { get; } = blob;

    /// <summary>The blob's index in the net's blobs (in the order the definition first names them, when not built).</summary>
    public int BlobIndex { get; } = blobIndex;

    /// <summary>0 for the first value; 1, 2, ... for each in-place rewrite.</summary>
    public int Version { get; } = version;

    /// <summary>The layer that writes this value, or -1 for a net input (<c>input:</c> in the model file).</summary>
    public int Producer { get; } = producer;

    /// <summary>Which top of the producer this is.</summary>
    public int ProducerTop { get; } = producerTop;

    /// <summary>The layers that read this value, with the bottom index.</summary>
    public List<(int Layer, int Bottom)> Consumers { get; } = [];

    /// <summary>True when an in-place layer wrote this value over the previous one.</summary>
    public bool IsInPlace => Version > 0;

    /// <summary>The node's id in the drawing.</summary>
    public string Id => $"blob {BlobIndex}.{Version}";

    /// <summary>The forward value, when a pass recorded it.</summary>
    public ValueSummary? Data { get; set; }

    /// <summary>The gradient of the loss with respect to this value, when a pass recorded it and one flows here.</summary>
    public ValueSummary? Diff { get; set; }
}
