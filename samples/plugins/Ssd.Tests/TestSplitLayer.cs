using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// Caffe's Split, which the net inserts where a blob feeds several layers (the built-in one is not in the package):
/// every top shares the bottom's data; forward only, which is all the tests' nets need.
/// </summary>
internal sealed class TestSplitLayer(LayerParameter parameter)
    : Layer(parameter, BlobArity.Exactly(1), BlobArity.AtLeast(1))
{
    public override bool HasBackward => false;

    public override int TopStorage(int top) => 0;

    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        foreach (var blob in top)
        {
            blob.ReshapeLike(bottom[0]);
            blob.ShareData(bottom[0]);
        }
    }

    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        foreach (var blob in top)
        {
            blob.ShareData(bottom[0]);
        }
    }
}
