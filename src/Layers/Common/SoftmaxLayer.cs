using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

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
        : base(parameter)
    {
        _axis = (parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis;
    }

    /// <inheritdoc/>
    protected override BlobArity BottomArity => BlobArity.Exactly(1);

    /// <inheritdoc/>
    protected override BlobArity TopArity => BlobArity.Exactly(1);

    /// <inheritdoc/>
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
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

        var dimension = _channels * _inner;
        if (_inner == 1)
        {
            // A classifier's case (N x C): each row in four calls instead of four per class, same operations and order.
            for (var i = 0; i < _outer; i++)
            {
                var row = output.Slice(i * dimension, dimension);
                var max = row[0];
                for (var c = 1; c < row.Length; c++)
                {
                    max = MathF.Max(max, row[c]);
                }

                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                var sum = row[0];
                for (var c = 1; c < row.Length; c++)
                {
                    sum += row[c];
                }

                TensorPrimitives.Divide(row, sum, row);
            }

            return;
        }

        var scale = _scale.AsSpan(0, _inner);
        for (var i = 0; i < _outer; i++)
        {
            // One outer slice is a C x inner matrix; every operation below works on whole rows of it.
            var slice = output.Slice(i * dimension, dimension);
            slice[.._inner].CopyTo(scale);
            for (var c = 1; c < _channels; c++)
            {
                TensorPrimitives.Max(scale, slice.Slice(c * _inner, _inner), scale);
            }

            for (var c = 0; c < _channels; c++)
            {
                var row = slice.Slice(c * _inner, _inner);
                TensorPrimitives.Subtract(row, scale, row);
            }

            TensorPrimitives.Exp(slice, slice);
            slice[.._inner].CopyTo(scale);
            for (var c = 1; c < _channels; c++)
            {
                TensorPrimitives.Add(scale, slice.Slice(c * _inner, _inner), scale);
            }

            for (var c = 0; c < _channels; c++)
            {
                var row = slice.Slice(c * _inner, _inner);
                TensorPrimitives.Divide(row, scale, row);
            }
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0] || _channels == 0 || _inner == 0)
        {
            return;
        }

        var topDiff = top[0].Diff;
        var output = top[0].Data;
        var bottomDiff = bottom[0].Diff;
        var dimension = _channels * _inner;
        var scale = _scale.AsSpan(0, _inner);
        for (var i = 0; i < _outer; i++)
        {
            var offset = i * dimension;

            // scale = sum over c of dy(c) y(c), for every inner position; computed before dx overwrites dy in place.
            scale.Clear();
            for (var c = 0; c < _channels; c++)
            {
                var at = offset + (c * _inner);
                TensorPrimitives.MultiplyAdd(topDiff.Slice(at, _inner), output.Slice(at, _inner), scale, scale);
            }

            for (var c = 0; c < _channels; c++)
            {
                var at = offset + (c * _inner);
                var dx = bottomDiff.Slice(at, _inner);
                TensorPrimitives.Subtract(topDiff.Slice(at, _inner), scale, dx);
                TensorPrimitives.Multiply(dx, output.Slice(at, _inner), dx);
            }
        }
    }
}
