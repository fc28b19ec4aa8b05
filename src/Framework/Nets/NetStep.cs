using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Nets;

/// <summary>
/// One layer in its place in a net: the blobs it reads and writes, and what backward does there. The net runs its
/// steps in order forward and in reverse backward, and hands each to a <see cref="NetObserver"/>.
/// </summary>
public sealed class NetStep
{
    internal NetStep(int index, Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, bool needsBackward)
    {
        Index = index;
        Layer = layer;
        Bottom = bottom;
        Top = top;
        PropagateDown = propagateDown;
        NeedsBackward = needsBackward;
    }

    /// <summary>The layer's index in <see cref="Net.Layers"/> (its execution order).</summary>
    public int Index { get; }

    /// <summary>The layer.</summary>
    public Layer Layer { get; }

    /// <summary>The blobs the layer reads.</summary>
    public IReadOnlyList<Blob> Bottom { get; }

    /// <summary>The blobs the layer writes (an in-place top is its bottom).</summary>
    public IReadOnlyList<Blob> Top { get; }

    /// <summary>Whether backward computes the gradient of each bottom.</summary>
    public IReadOnlyList<bool> PropagateDown { get; }

    /// <summary>Whether the layer runs in backward at all (it feeds a loss and something below it needs a gradient).</summary>
    public bool NeedsBackward { get; }
}
