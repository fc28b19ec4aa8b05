using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Feeds one blob to several consumers (Caffe's Split; the net inserts it where a top feeds more than one
/// bottom). Every top shares the bottom's data; their gradients are summed.
/// </summary>
/// <remarks>
/// <para>Forward: y_i = x for every top i (shared storage, no copy).</para>
/// <para>Backward: dx = sum_i dy_i.</para>
/// </remarks>
public sealed class SplitLayer : Layer
{
    /// <summary>Creates the layer from its definition.</summary>
    public SplitLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.AtLeast(1))
    {
    }

    /// <inheritdoc/>
    public override int TopStorage(int top) => 0;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var i = 0; i < top.Count; i++)
        {
            RequireOutOfPlace(bottom[0], top[i], i);

            top[i].ReshapeLike(bottom[0]);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Shared here rather than in Reshape: the bottom's storage may have been replaced since (Caffe does the same).
        for (var i = 0; i < top.Count; i++)
        {
            top[i].ShareData(bottom[0]);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var diff = bottom[0].Diff;
        if (top.Count == 1)
        {
            top[0].Diff.CopyTo(diff);
            return;
        }

        TensorPrimitives.Add(top[0].Diff, top[1].Diff, diff);
        for (var i = 2; i < top.Count; i++)
        {
            Blas.Axpy(1f, top[i].Diff, diff);
        }
    }
}
