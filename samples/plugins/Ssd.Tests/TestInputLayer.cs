using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// Caffe's Input for the tests' small nets (the built-in one lives in LayerNet.Layers, which is not a package):
/// tops of <c>input_param.shape</c>, written by the test before each forward pass.
/// </summary>
internal sealed class TestInputLayer(LayerParameter parameter)
    : Layer(parameter, BlobArity.Exactly(0), BlobArity.AtLeast(1))
{
    public override bool HasBackward => false;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var shapes = Parameter.InputParam.Shape;
        for (var i = 0; i < top.Count; i++)
        {
            top[i].Reshape(shapes[shapes.Count == 1 ? 0 : i]);
        }
    }

    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }
}
