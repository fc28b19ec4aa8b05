using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>The softmax over one axis (Caffe's Softmax): every slice along <c>softmax_param.axis</c> becomes a probability distribution.</summary>
/// <remarks>
/// <para>
/// The bottom is read as outer x C x inner: C = the dimension of <c>axis</c> (default 1), outer = the product of
/// the axes before it, inner = the product of the axes after it. The top has the bottom's shape.
/// </para>
/// <para>
/// Forward: y(c) = exp(x(c) - m) / sum over c' of exp(x(c') - m), with m = max over c of x(c), for every
/// (outer, inner) position. Subtracting the max changes nothing mathematically and keeps exp from overflowing.
/// </para>
/// <para>Backward: dx(c) = (dy(c) - sum over c' of dy(c') y(c')) y(c). May run in place.</para>
/// </remarks>
public sealed class SoftmaxLayer : Layer
{
    private readonly int _axis;
    private int _outer;
    private int _channels;
    private int _inner;
    private float[] _scale = [];

    /// <summary>Creates the layer from its definition (<c>softmax_param</c>).</summary>
    public SoftmaxLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        _axis = (parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var axis = CanonicalAxis(_axis, input, "softmax_param.axis");
        _outer = input.CountRange(0, axis);
        _channels = input.Shape[axis];
        _inner = input.CountFrom(axis + 1);
        top[0].ReshapeLike(input);
        if (_scale.Length < _inner)
        {
            _scale = new float[_inner];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var output = top[0].Data;
        bottom[0].Data.CopyTo(output);
        if (_channels == 0 || _inner == 0)
        {
            return;
        }

        Softmax.Forward(output, _outer, _channels, _inner, _scale.AsSpan(0, _inner));
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0] || _channels == 0 || _inner == 0)
        {
            return;
        }

        Softmax.Backward(top[0].Data, top[0].Diff, _outer, _channels, _inner, _scale.AsSpan(0, _inner), bottom[0].Diff);
    }
}
