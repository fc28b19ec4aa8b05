using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LayerNet.Numerics;

/// <summary>The softmax over the middle axis of an outer x C x inner tensor, and its gradient (the Softmax layer's kernels).</summary>
/// <remarks>
/// <para>
/// Forward: y(c) = exp(x(c) - m) / sum over c' of exp(x(c') - m), with m = max over c of x(c), for every (outer, inner)
/// position. Subtracting the max changes nothing mathematically and keeps exp from overflowing.
/// </para>
/// <para>Backward: dx(c) = (dy(c) - sum over c' of dy(c') y(c')) y(c).</para>
/// </remarks>
public static class Softmax
{
    /// <summary>Replaces <paramref name="output"/> (holding x) by its softmax over the C axis.</summary>
    /// <param name="output">x on entry, y on return: outer x channels x inner values.</param>
    /// <param name="outer">The product of the axes before the softmax axis.</param>
    /// <param name="channels">C, the softmax axis's dimension.</param>
    /// <param name="inner">The product of the axes after it.</param>
    /// <param name="scratch">At least <paramref name="inner"/> values of working space.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Span<float> output, int outer, int channels, int inner, Span<float> scratch)
    {
        var dimension = channels * inner;
        if (inner == 1)
        {
            // A classifier's case (N x C): each row in four calls instead of four per class, same operations and order.
            for (var i = 0; i < outer; i++)
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

        var scale = scratch[..inner];
        for (var i = 0; i < outer; i++)
        {
            // One outer slice is a C x inner matrix; every operation below works on whole rows of it.
            var slice = output.Slice(i * dimension, dimension);
            slice[..inner].CopyTo(scale);
            for (var c = 1; c < channels; c++)
            {
                TensorPrimitives.Max(scale, slice.Slice(c * inner, inner), scale);
            }

            for (var c = 0; c < channels; c++)
            {
                var row = slice.Slice(c * inner, inner);
                TensorPrimitives.Subtract(row, scale, row);
            }

            TensorPrimitives.Exp(slice, slice);
            slice[..inner].CopyTo(scale);
            for (var c = 1; c < channels; c++)
            {
                TensorPrimitives.Add(scale, slice.Slice(c * inner, inner), scale);
            }

            for (var c = 0; c < channels; c++)
            {
                var row = slice.Slice(c * inner, inner);
                TensorPrimitives.Divide(row, scale, row);
            }
        }
    }

    /// <summary>dx = (dy - sum over c of dy(c) y(c)) y, over the C axis; <paramref name="bottomDiff"/> may be <paramref name="topDiff"/>.</summary>
    /// <param name="output">y, the forward output.</param>
    /// <param name="topDiff">dy.</param>
    /// <param name="outer">The product of the axes before the softmax axis.</param>
    /// <param name="channels">C, the softmax axis's dimension.</param>
    /// <param name="inner">The product of the axes after it.</param>
    /// <param name="scratch">At least <paramref name="inner"/> values of working space.</param>
    /// <param name="bottomDiff">dx, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> output, ReadOnlySpan<float> topDiff, int outer, int channels, int inner, Span<float> scratch, Span<float> bottomDiff)
    {
        var dimension = channels * inner;
        var scale = scratch[..inner];
        for (var i = 0; i < outer; i++)
        {
            var offset = i * dimension;

            // scale = sum over c of dy(c) y(c), for every inner position; computed before dx overwrites dy in place.
            scale.Clear();
            for (var c = 0; c < channels; c++)
            {
                var at = offset + (c * inner);
                TensorPrimitives.MultiplyAdd(topDiff.Slice(at, inner), output.Slice(at, inner), scale, scale);
            }

            for (var c = 0; c < channels; c++)
            {
                var at = offset + (c * inner);
                var dx = bottomDiff.Slice(at, inner);
                TensorPrimitives.Subtract(topDiff.Slice(at, inner), scale, dx);
                TensorPrimitives.Multiply(dx, output.Slice(at, inner), dx);
            }
        }
    }
}
