using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Caffe's Parameter layer: its single top is a learnable blob of <c>parameter_param.shape</c> (zeros unless
/// the model file gives <c>blobs</c>). The top shares the blob's data and diff, so the gradient reaching the top
/// is the parameter's gradient: forward y = p; backward dL/dp = dL/dy.
/// </summary>
public sealed class ParameterLayer(LayerParameter parameter) : Layer(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.Exactly(1))
{
    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Parameter.ParameterParam?.Shape is not { } shape)
        {
            throw Error("parameter_param { shape { dim: ... } } is required");
        }

        var dims = Blob.ShapeOf(new BlobProto { Shape = shape });
        RequireLearnableBlobCount("parameter");
        LearnableBlob(0, "parameter", dims, null, "parameter");
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].ReshapeLike(Blobs[0]);
        top[0].ShareData(Blobs[0]);
        top[0].ShareDiff(Blobs[0]);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }
}
