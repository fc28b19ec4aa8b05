using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Base of the layers whose top is the bottom under another shape (Flatten, Reshape): the top shares the bottom's
/// data and diff storage, so forward and backward copy nothing, and the layer cannot work in place. A view layer
/// writes only <see cref="TopShape"/>.
/// </summary>
/// <remarks>Forward: y = x; backward: dx = dy (the top's diff is the bottom's).</remarks>
public abstract class ViewLayer : Layer
{
    /// <summary>Creates the layer from its definition: one bottom, one top.</summary>
    /// <param name="parameter">The layer's definition.</param>
    protected ViewLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
    }

    /// <summary>The top's shape for <paramref name="input"/>'s; a shape the parameters do not allow is an <see cref="Layer.Error(string)"/>.</summary>
    /// <param name="input">The bottom.</param>
    /// <returns>The top's shape, with the bottom's count.</returns>
    protected abstract int[] TopShape(Blob input);

    /// <inheritdoc/>
    public sealed override int TopStorage(int top) => 0;

    /// <inheritdoc/>
    protected sealed override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireOutOfPlace(bottom[0], top[0]);
        top[0].Reshape(TopShape(bottom[0]));
        Share(bottom[0], top[0]);
    }

    /// <inheritdoc/>
    protected sealed override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Shared again: the bottom's storage may have been replaced since Reshape (Caffe reshapes before every forward).
        Share(bottom[0], top[0]);
    }

    private static void Share(Blob bottom, Blob top)
    {
        top.ShareData(bottom);
        top.ShareDiff(bottom);
    }
}
