using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers;

/// <summary>
/// Base of element-wise layers (Sigmoid, ReLU, ...): one bottom, one top of the same shape; the top may be
/// the bottom itself (in place).
/// </summary>
public abstract class NeuronLayer : Layer
{
    /// <summary>Creates the layer from its definition.</summary>
    protected NeuronLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override BlobArity BottomArity => BlobArity.Exactly(1);

    /// <inheritdoc/>
    protected override BlobArity TopArity => BlobArity.Exactly(1);

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].ReshapeLike(bottom[0]);
    }
}
