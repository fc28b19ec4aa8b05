using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LayerNet.Numerics;

/// <summary>Caffe's local response normalization over N x C x H x W blobs, and its gradient (the LRN layer's kernels).</summary>
/// <remarks>
/// <para>Forward: y = x s^-beta, with a scale s per element from the squares of x in a window of n elements around it:</para>
/// <para>across channels, s = k + alpha / n * (sum of x^2 over the n channels centred on c, zero-padded);</para>
/// <para>within a channel, s = 1 + alpha / n^2 * (sum of x^2 over the n x n window centred there, clipped to the plane).</para>
/// <para>
/// Backward: dx = dy s^-beta - 2 alpha beta / |window| * x * (sum over the windows holding x of dy y / s). The
/// operations and their order are Caffe's, so the results match its to the last bit where the fixtures check.
/// </para>
/// </remarks>
public static class LocalResponseNormalization
{
    /// <summary>The forward pass across channels; <paramref name="scale"/> keeps s for the backward pass.</summary>
    /// <param name="x">The input, num x channels x plane values.</param>
    /// <param name="y">The output, as many values.</param>
    /// <param name="scale">s, written: as many values.</param>
    /// <param name="num">N, the items.</param>
    /// <param name="channels">C.</param>
    /// <param name="plane">H x W.</param>
    /// <param name="size">n, the window (odd).</param>
    /// <param name="alpha">The scaling parameter.</param>
    /// <param name="beta">The exponent.</param>
    /// <param name="k">The constant added to the window term.</param>
    /// <param name="padded">Working space of (channels + size - 1) x plane values.</param>
    public static void AcrossChannelsForward(
        ReadOnlySpan<float> x, Span<float> y, Span<float> scale, int num, int channels, int plane, int size, float alpha, float beta, float k, Span<float> padded)
    {
        var itemSize = channels * plane;
        var prePad = (size - 1) / 2;
        var alphaOverSize = alpha / size;
        padded = padded[..((channels + size - 1) * plane)];
        scale.Fill(k);
        for (var n = 0; n < num; n++)
        {
            var item = x.Slice(n * itemSize, itemSize);
            var s = scale.Slice(n * itemSize, itemSize);
            padded.Clear();
            TensorPrimitives.Multiply(item, item, padded.Slice(prePad * plane, itemSize));
            var first = s[..plane];
            for (var c = 0; c < size; c++)
            {
                Blas.Axpy(alphaOverSize, padded.Slice(c * plane, plane), first);
            }

            // A running window: the next channel's sum is the previous one's, plus the channel entering, minus the one leaving.
            for (var c = 1; c < channels; c++)
            {
                var current = s.Slice(c * plane, plane);
                s.Slice((c - 1) * plane, plane).CopyTo(current);
                Blas.Axpy(alphaOverSize, padded.Slice((c + size - 1) * plane, plane), current);
                Blas.Axpy(-alphaOverSize, padded.Slice((c - 1) * plane, plane), current);
            }
        }

        Normalize(x, scale, beta, y);
    }

    /// <summary>The backward pass across channels.</summary>
    /// <param name="x">The input of the forward pass.</param>
    /// <param name="y">Its output.</param>
    /// <param name="dy">The output's gradient.</param>
    /// <param name="scale">s, as the forward pass left it.</param>
    /// <param name="dx">The input's gradient, overwritten.</param>
    /// <param name="num">N, the items.</param>
    /// <param name="channels">C.</param>
    /// <param name="plane">H x W.</param>
    /// <param name="size">n, the window (odd).</param>
    /// <param name="alpha">The scaling parameter.</param>
    /// <param name="beta">The exponent.</param>
    /// <param name="padded">Working space of (channels + size - 1) x plane values.</param>
    /// <param name="accumulator">Working space of plane values.</param>
    /// <param name="product">Working space of plane values.</param>
    public static void AcrossChannelsBackward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> scale, Span<float> dx,
        int num, int channels, int plane, int size, float alpha, float beta,
        Span<float> padded, Span<float> accumulator, Span<float> product)
    {
        ScaleGradient(dy, scale, beta, dx);
        var itemSize = channels * plane;
        padded = padded[..((channels + size - 1) * plane)];
        accumulator = accumulator[..plane];
        product = product[..plane];
        var cacheRatio = 2f * alpha * beta / size;
        var inversePrePad = size - ((size + 1) / 2);
        for (var n = 0; n < num; n++)
        {
            var offset = n * itemSize;

            // ratio = dy y / s, zero-padded across channels.
            padded.Clear();
            var ratio = padded.Slice(inversePrePad * plane, itemSize);
            TensorPrimitives.Multiply(dy.Slice(offset, itemSize), y.Slice(offset, itemSize), ratio);
            TensorPrimitives.Divide(ratio, scale.Slice(offset, itemSize), ratio);
            accumulator.Clear();
            for (var c = 0; c < size - 1; c++)
            {
                TensorPrimitives.Add(accumulator, padded.Slice(c * plane, plane), accumulator);
            }

            for (var c = 0; c < channels; c++)
            {
                TensorPrimitives.Add(accumulator, padded.Slice((c + size - 1) * plane, plane), accumulator);
                TensorPrimitives.Multiply(accumulator, x.Slice(offset + (c * plane), plane), product);
                Blas.Axpy(-cacheRatio, product, dx.Slice(offset + (c * plane), plane));
                TensorPrimitives.Subtract(accumulator, padded.Slice(c * plane, plane), accumulator);
            }
        }
    }

    /// <summary>The forward pass within each channel; <paramref name="scale"/> keeps s for the backward pass.</summary>
    /// <param name="x">The input, planes x height x width values.</param>
    /// <param name="y">The output, as many values.</param>
    /// <param name="scale">s, written: as many values.</param>
    /// <param name="planes">N x C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="size">n, the window's side (odd).</param>
    /// <param name="alpha">The scaling parameter.</param>
    /// <param name="beta">The exponent.</param>
    /// <param name="squares">Working space of height x width values.</param>
    public static void WithinChannelForward(
        ReadOnlySpan<float> x, Span<float> y, Span<float> scale, int planes, int height, int width, int size, float alpha, float beta, Span<float> squares)
    {
        var plane = height * width;
        squares = squares[..plane];
        var poolSize = (float)(size * size);
        for (var i = 0; i < planes; i++)
        {
            TensorPrimitives.Multiply(x.Slice(i * plane, plane), x.Slice(i * plane, plane), squares);
            var s = scale.Slice(i * plane, plane);
            WindowSums(squares, s, height, width, size);
            for (var j = 0; j < plane; j++)
            {
                s[j] = 1f + (alpha * (s[j] / poolSize));
            }
        }

        Normalize(x, scale, beta, y);
    }

    /// <summary>The backward pass within each channel.</summary>
    /// <param name="x">The input of the forward pass.</param>
    /// <param name="y">Its output.</param>
    /// <param name="dy">The output's gradient.</param>
    /// <param name="scale">s, as the forward pass left it.</param>
    /// <param name="dx">The input's gradient, overwritten.</param>
    /// <param name="planes">N x C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="size">n, the window's side (odd).</param>
    /// <param name="alpha">The scaling parameter.</param>
    /// <param name="beta">The exponent.</param>
    /// <param name="ratio">Working space of height x width values.</param>
    /// <param name="sums">Working space of height x width values.</param>
    /// <param name="product">Working space of height x width values.</param>
    public static void WithinChannelBackward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> scale, Span<float> dx,
        int planes, int height, int width, int size, float alpha, float beta,
        Span<float> ratio, Span<float> sums, Span<float> product)
    {
        ScaleGradient(dy, scale, beta, dx);
        var plane = height * width;
        ratio = ratio[..plane];
        sums = sums[..plane];
        product = product[..plane];
        var cacheRatio = 2f * alpha * beta / (size * size);
        for (var i = 0; i < planes; i++)
        {
            var at = i * plane;
            TensorPrimitives.Multiply(dy.Slice(at, plane), y.Slice(at, plane), ratio);
            TensorPrimitives.Divide(ratio, scale.Slice(at, plane), ratio);

            // The windows are symmetric, so the outputs whose window holds x are those in x's own window.
            WindowSums(ratio, sums, height, width, size);
            TensorPrimitives.Multiply(sums, x.Slice(at, plane), product);
            Blas.Axpy(-cacheRatio, product, dx.Slice(at, plane));
        }
    }

    // y = x s^-beta. The usual exponent, 0.75 (AlexNet's, GoogLeNet's, Caffe's default), is x / (sqrt(s) sqrt(sqrt(s)))
    // in one pass of square roots (correctly rounded each) instead of a power per value: about a fifth of the time,
    // within a few ulps of the power.
    private static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, float beta, Span<float> y)
    {
        scale = scale[..x.Length];
        if (beta == 0.75f)
        {
            ThreeQuarterPower(x, scale, y);
            return;
        }

        TensorPrimitives.Pow(scale, -beta, y);
        TensorPrimitives.Multiply(y, x, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeQuarterPower(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, Span<float> y)
    {
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ss = ref MemoryMarshal.GetReference(scale);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var root = Vector.SquareRoot(Vector.LoadUnsafe(ref ss, (nuint)i));
                (Vector.LoadUnsafe(ref xs, (nuint)i) / (root * Vector.SquareRoot(root))).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            var root = MathF.Sqrt(Unsafe.Add(ref ss, i));
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref xs, i) / (root * MathF.Sqrt(root));
        }
    }

    // dx = dy s^-beta; the window term is subtracted after.
    private static void ScaleGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> scale, float beta, Span<float> dx)
    {
        scale = scale[..dx.Length];
        TensorPrimitives.Pow(scale, -beta, dx);
        TensorPrimitives.Multiply(dx, dy, dx);
    }

    /// <summary>For every position of a height x width plane, the sum of the values in the n x n window centred there, clipped to the plane.</summary>
    private static void WindowSums(ReadOnlySpan<float> values, Span<float> sums, int height, int width, int size)
    {
        var prePad = (size - 1) / 2;
        for (var h = 0; h < height; h++)
        {
            var hStart = Math.Max(h - prePad, 0);
            var hEnd = Math.Min(h - prePad + size, height);
            for (var w = 0; w < width; w++)
            {
                var wStart = Math.Max(w - prePad, 0);
                var wEnd = Math.Min(w - prePad + size, width);
                var sum = 0f;
                for (var row = hStart; row < hEnd; row++)
                {
                    sum += TensorPrimitives.Sum(values.Slice((row * width) + wStart, wEnd - wStart));
                }

                sums[(h * width) + w] = sum;
            }
        }
    }
}
