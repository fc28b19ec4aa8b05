using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// Caffe's Concat along <c>concat_param.axis</c> for the tests' small nets (the built-in one is not in the package):
/// forward only, which is all the SSD head's priors need.
/// </summary>
internal sealed class TestConcatLayer(LayerParameter parameter)
    : Layer(parameter, BlobArity.AtLeast(1), BlobArity.Exactly(1))
{
    private int _axis;

    public override bool HasBackward => false;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        _axis = bottom[0].CanonicalAxis((Parameter.ConcatParam ?? new ConcatParameter()).Axis);

    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var shape = bottom[0].Shape.ToArray();
        shape[_axis] = bottom.Sum(b => b.Shape[_axis]);
        top[0].Reshape(shape);
    }

    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var outer = bottom[0].CountRange(0, _axis);
        var output = top[0].Data;
        var topInner = top[0].CountFrom(_axis);
        var offset = 0;
        foreach (var blob in bottom)
        {
            var inner = blob.CountFrom(_axis);
            for (var o = 0; o < outer; o++)
            {
                blob.Data.Slice(o * inner, inner).CopyTo(output.Slice((o * topInner) + offset, inner));
            }

            offset += inner;
        }
    }
}
