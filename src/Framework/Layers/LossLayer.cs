using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers;

/// <summary>
/// Base of loss layers: two bottoms (predictions, then targets or labels) with the same outer dimension,
/// and one scalar top whose loss weight defaults to 1. The second bottom gets no gradient unless the layer
/// says otherwise (labels cannot be trained).
/// </summary>
public abstract class LossLayer : Layer
{
    /// <summary>Creates the layer from its definition.</summary>
    protected LossLayer(LayerParameter parameter)
        : this(parameter, BlobArity.Exactly(1))
    {
    }

    /// <summary>Creates the layer from its definition, for a loss that also offers other tops (e.g. the probabilities).</summary>
    /// <param name="parameter">The layer's definition.</param>
    /// <param name="tops">How many tops: the loss first.</param>
    protected LossLayer(LayerParameter parameter, BlobArity tops)
        : base(parameter, BlobArity.Exactly(2), tops)
    {
    }

    /// <inheritdoc/>
    protected override bool IsLoss => true;

    /// <inheritdoc/>
    public override bool AutoTopBlobs => true;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 1;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].AxisCount == 0 || bottom[1].AxisCount == 0 || bottom[0].Shape[0] != bottom[1].Shape[0])
        {
            throw Error($"bottoms '{bottom[0].Name}' ({bottom[0].ShapeString}) and '{bottom[1].Name}' ({bottom[1].ShapeString}) must have the same number of items (first axis)");
        }

        top[0].Reshape([]);
    }
}
