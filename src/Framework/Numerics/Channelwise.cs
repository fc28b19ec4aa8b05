using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LayerNet.Numerics;

/// <summary>
/// Kernels over a tensor read as outer x C x inner with one parameter per channel c (Scale, Bias, BatchNorm): each
/// (o, c) slice of inner values is one run, handled by one <see cref="TensorPrimitives"/> call.
/// </summary>
/// <remarks>
/// Every kernel walks o, then c, in order; an accumulating kernel adds each run's reduction to its channel's total in
/// that order, so results do not depend on which layer calls it.
/// </remarks>
public static class Channelwise
{
    /// <summary>y[o, c, i] = x[o, c, i] * a[c]; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    /// <remarks>With outer O = x.Length / (C inner), C = a.Length.</remarks>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="a">One factor per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> a, int inner, Span<float> y)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == a.Length ? 0 : c + 1)
        {
            TensorPrimitives.Multiply(x.Slice(offset, inner), a[c], y.Slice(offset, inner));
        }
    }

    /// <summary>y[o, c, i] = x[o, c, i] + b[c]; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="b">One term per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> b, int inner, Span<float> y)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == b.Length ? 0 : c + 1)
        {
            TensorPrimitives.Add(x.Slice(offset, inner), b[c], y.Slice(offset, inner));
        }
    }

    /// <summary>y[o, c, i] = x[o, c, i] - b[c]; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="b">One term per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> b, int inner, Span<float> y)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == b.Length ? 0 : c + 1)
        {
            TensorPrimitives.Subtract(x.Slice(offset, inner), b[c], y.Slice(offset, inner));
        }
    }

    /// <summary>
    /// y = rectify(x a[c] + b[c]) per channel in one pass, rectify(z) = z where z &gt; 0 and z * <paramref name="slope"/>
    /// elsewhere (Caffe's ReLU with negative_slope): a convolution's output with the BatchNorm, Scale and ReLU after it
    /// folded in (<paramref name="y"/> may be <paramref name="x"/>). The affine part is <see cref="MultiplyAdd"/>'s.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddRectify(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int inner, float slope, Span<float> y) =>
        Affine<Rectified>(x, a, b, inner, slope, y);

    /// <summary>
    /// y[o, c, i] = x[o, c, i] * a[c] + b[c] in one pass (the multiply rounded, then the add: the values of
    /// <see cref="Multiply"/> followed by <see cref="Add"/>); <paramref name="y"/> may be <paramref name="x"/>.
    /// </summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="a">One factor per channel.</param>
    /// <param name="b">One term per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int inner, Span<float> y) =>
        Affine<Plain>(x, a, b, inner, 0f, y);

    // What happens to z = x a + b before it is stored.
    private interface IAffineOutput
    {
        static abstract Vector<float> Finish(Vector<float> z, Vector<float> slope);

        static abstract float Finish(float z, float slope);
    }

    private struct Plain : IAffineOutput
    {
        public static Vector<float> Finish(Vector<float> z, Vector<float> slope) => z;

        public static float Finish(float z, float slope) => z;
    }

    private struct Rectified : IAffineOutput
    {
        public static Vector<float> Finish(Vector<float> z, Vector<float> slope) =>
            Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<float>.Zero), z, z * slope);

        public static float Finish(float z, float slope) => z > 0f ? z : z * slope;
    }

    /// <summary>
    /// The per-channel map of <see cref="MultiplyAdd"/> (or <see cref="MultiplyAddRectify"/>) on one run of
    /// <paramref name="count"/> values in place: the same operations, so the same bits. A product that maps its output
    /// as it writes it (PackedGemm.GemmMapped) calls this on each row of a finished panel.
    /// </summary>
    internal static unsafe void MapRun(float* values, int count, float a, float b, bool rectify, float slope)
    {
        if (rectify)
        {
            Run<Rectified>(ref *values, ref *values, count, a, b, slope);
        }
        else
        {
            Run<Plain>(ref *values, ref *values, count, a, b, slope);
        }
    }

    /// <summary><see cref="MultiplyAdd"/>, or <see cref="MultiplyAddRectify"/> when <paramref name="rectify"/>.</summary>
    internal static void Map(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int inner, bool rectify, float slope, Span<float> y)
    {
        if (rectify)
        {
            Affine<Rectified>(x, a, b, inner, slope, y);
        }
        else
        {
            Affine<Plain>(x, a, b, inner, slope, y);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Affine<TOutput>(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int inner, float slope, Span<float> y)
        where TOutput : struct, IAffineOutput
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(y.Length, x.Length, nameof(y));
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == a.Length ? 0 : c + 1)
        {
            Run<TOutput>(ref Unsafe.Add(ref xs, offset), ref Unsafe.Add(ref ys, offset), inner, a[c], b[c], slope);
        }
    }

    // y[i] = Finish(x[i] a + b) for i < count (y may be x).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run<TOutput>(ref float xs, ref float ys, int count, float a, float b, float slope)
        where TOutput : struct, IAffineOutput
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(a);
            var term = new Vector<float>(b);
            var slopes = new Vector<float>(slope);
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                TOutput.Finish((Vector.LoadUnsafe(ref xs, (nuint)i) * factor) + term, slopes).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < count; i++)
        {
            Unsafe.Add(ref ys, i) = TOutput.Finish((Unsafe.Add(ref xs, i) * a) + b, slope);
        }
    }

    /// <summary>
    /// y[o, c, i] = (x[o, c, i] - m[c]) / d[c] in one pass (the values of <see cref="Subtract"/> followed by
    /// <see cref="Divide"/>), also written to <paramref name="copy"/>; <paramref name="y"/> may be <paramref name="x"/>.
    /// </summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="m">One term per channel.</param>
    /// <param name="d">One divisor per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    /// <param name="copy">A second output, the shape of <paramref name="x"/> (BatchNorm keeps its normalized values).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> m, ReadOnlySpan<float> d, int inner, Span<float> y, Span<float> copy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(y.Length, x.Length, nameof(y));
        ArgumentOutOfRangeException.ThrowIfLessThan(copy.Length, x.Length, nameof(copy));
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        ref var cs = ref MemoryMarshal.GetReference(copy);
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == m.Length ? 0 : c + 1)
        {
            var i = offset;
            var end = offset + inner;
            if (Vector.IsHardwareAccelerated)
            {
                var mean = new Vector<float>(m[c]);
                var divisor = new Vector<float>(d[c]);
                for (; i <= end - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var value = (Vector.LoadUnsafe(ref xs, (nuint)i) - mean) / divisor;
                    value.StoreUnsafe(ref ys, (nuint)i);
                    value.StoreUnsafe(ref cs, (nuint)i);
                }
            }

            for (; i < end; i++)
            {
                var value = (Unsafe.Add(ref xs, i) - m[c]) / d[c];
                Unsafe.Add(ref ys, i) = value;
                Unsafe.Add(ref cs, i) = value;
            }
        }
    }

    /// <summary>y[o, c, i] = x[o, c, i] / d[c]; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="d">One divisor per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="y">The output, the shape of <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> d, int inner, Span<float> y)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == d.Length ? 0 : c + 1)
        {
            TensorPrimitives.Divide(x.Slice(offset, inner), d[c], y.Slice(offset, inner));
        }
    }

    /// <summary>
    /// The gradient of a per-channel normalisation y = (x - mean) / std over m = O x inner values per channel:
    /// dx = (dy - sumDy[c] / m - y sumDyY[c] / m) / std[c]; <paramref name="dx"/> may be <paramref name="dy"/>.
    /// </summary>
    /// <remarks>Computed per run as t = y (-sumDyY[c] / m) + dy, t -= sumDy[c] / m, dx = t / std[c].</remarks>
    /// <param name="dy">The output's gradient, O x C x inner.</param>
    /// <param name="y">The normalised output.</param>
    /// <param name="sumDy">Per channel, the sum of dy.</param>
    /// <param name="sumDyY">Per channel, the sum of dy y.</param>
    /// <param name="std">Per channel, the standard deviation divided by.</param>
    /// <param name="m">The number of values per channel.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="dx">The input's gradient, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeBackward(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> sumDy, ReadOnlySpan<float> sumDyY, ReadOnlySpan<float> std, int m, int inner, Span<float> dx)
    {
        for (int offset = 0, c = 0; offset < dy.Length; offset += inner, c = c + 1 == std.Length ? 0 : c + 1)
        {
            var target = dx.Slice(offset, inner);
            TensorPrimitives.MultiplyAdd(y.Slice(offset, inner), -sumDyY[c] / m, dy.Slice(offset, inner), target);
            TensorPrimitives.Subtract(target, sumDy[c] / m, target);
            TensorPrimitives.Divide(target, std[c], target);
        }
    }

    /// <summary>sums[c] += sum over o of (sum over i of x[o, c, i]), one run's sum added at a time.</summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="sums">One total per channel, added to.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddSums(ReadOnlySpan<float> x, int inner, Span<float> sums)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == sums.Length ? 0 : c + 1)
        {
            sums[c] += TensorPrimitives.Sum(x.Slice(offset, inner));
        }
    }

    /// <summary>sums[c] += sum over o of (sum over i of x[o, c, i]^2), one run's sum added at a time.</summary>
    /// <param name="x">The input, O x C x inner.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="sums">One total per channel, added to.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddSumsOfSquares(ReadOnlySpan<float> x, int inner, Span<float> sums)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == sums.Length ? 0 : c + 1)
        {
            sums[c] += TensorPrimitives.SumOfSquares(x.Slice(offset, inner));
        }
    }

    /// <summary>dots[c] += sum over o of (sum over i of x[o, c, i] z[o, c, i]), one run's dot product added at a time.</summary>
    /// <param name="x">The first input, O x C x inner.</param>
    /// <param name="z">The second input, the shape of <paramref name="x"/>.</param>
    /// <param name="inner">The run length.</param>
    /// <param name="dots">One total per channel, added to.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddDots(ReadOnlySpan<float> x, ReadOnlySpan<float> z, int inner, Span<float> dots)
    {
        for (int offset = 0, c = 0; offset < x.Length; offset += inner, c = c + 1 == dots.Length ? 0 : c + 1)
        {
            dots[c] += TensorPrimitives.Dot(x.Slice(offset, inner), z.Slice(offset, inner));
        }
    }
}
