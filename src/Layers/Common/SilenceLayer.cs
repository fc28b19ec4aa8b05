using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Consumes blobs that nothing else uses, so the net does not report them as outputs (Caffe's Silence).
/// </summary>
/// <remarks>
/// <para>Forward: nothing.</para>
/// <para>Backward: dx_i = 0 for every bottom i.</para>
/// </remarks>
public sealed class SilenceLayer : Layer
{
    /// <summary>Creates the layer from its definition.</summary>
    public SilenceLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.AtLeast(1), tops: BlobArity.Exactly(0))
    {
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        for (var i = 0; i < bottom.Count; i++)
        {
            if (propagateDown[i])
            {
                bottom[i].Diff.Clear();
            }
        }
    }
}
