using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>The window geometry of 2-D pooling: input and output sizes, kernel, stride and padding per axis.</summary>
/// <param name="Height">The input height.</param>
/// <param name="Width">The input width.</param>
/// <param name="PooledHeight">The output height.</param>
/// <param name="PooledWidth">The output width.</param>
/// <param name="KernelH">The window height.</param>
/// <param name="KernelW">The window width.</param>
/// <param name="StrideH">The vertical stride.</param>
/// <param name="StrideW">The horizontal stride.</param>
/// <param name="PadH">The padding above and below.</param>
/// <param name="PadW">The padding left and right.</param>
internal readonly record struct PoolGeometry(
    int Height, int Width, int PooledHeight, int PooledWidth, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW);

/// <summary>
/// Caffe's MAX and AVE pooling over planes of an NCHW blob, forward and backward. MAX takes the first largest value
/// of each window (clipped to the input) and records its index in the plane; AVE divides each window's sum by the
/// window's size clipped to the padded input, as Caffe does.
/// </summary>
/// <remarks>
/// The loops keep the geometry in locals: read from the layer's fields inside the innermost loop, it would be
/// reloaded after every store (the fields may change between stores, as far as the compiler knows).
/// </remarks>
internal static class Pooling
{
    /// <summary>MAX forward: y = the window maxima, argmax = their indices within the plane (-1 for an empty window).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MaxForward(ReadOnlySpan<float> x, int planes, PoolGeometry g, Span<float> y, Span<int> argmax)
    {
        int planeIn = g.Height * g.Width, planeOut = g.PooledHeight * g.PooledWidth, width = g.Width;
        var twoByTwo = g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 } && Avx2.IsSupported;

        // Other windows of stride 1 or 2 (GoogLeNet's 3 x 3 poolings): the outputs whose window lies inside the row,
        // firstFull to lastFull, 8 at a time. With stride 2 a vector reads one float past its last window, so the
        // last window that ends at the row's end is left to the scalar loop.
        var reach = width - g.KernelW + g.PadW - (g.StrideW == 2 ? 1 : 0);
        var vectorRows = !twoByTwo && Avx2.IsSupported && g.StrideW is (1 or 2) && reach >= 0;
        var firstFull = (g.PadW + g.StrideW - 1) / g.StrideW;
        var lastFull = Math.Min(g.PooledWidth - 1, reach / g.StrideW);
        for (var plane = 0; plane < planes; plane++)
        {
            var input = x.Slice(plane * planeIn, planeIn);
            var output = y.Slice(plane * planeOut, planeOut);
            var indices = argmax.Slice(plane * planeOut, planeOut);
            var at = 0;
            for (var ph = 0; ph < g.PooledHeight; ph++)
            {
                var (hStart, hEnd) = Window(ph, g.StrideH, g.PadH, g.KernelH, g.Height);
                var pw = 0;
                if (twoByTwo && hEnd - hStart == 2)
                {
                    pw = MaxTwoByTwo(input, hStart * width, width, output.Slice(at), indices.Slice(at), width / 2);
                    at += pw;
                }
                else if (vectorRows && lastFull - firstFull >= 7)
                {
                    // The windows before the first full one, then the full ones 8 at a time.
                    for (; pw < firstFull; pw++, at++)
                    {
                        MaxWindow(input, hStart, hEnd, width, pw, g, output, indices, at);
                    }

                    MaxFullWindows(input, hStart, hEnd, width, g.StrideW, g.PadW, g.KernelW, firstFull, lastFull, output.Slice(at - firstFull), indices.Slice(at - firstFull));
                    at += lastFull + 1 - pw;
                    pw = lastFull + 1;
                }

                for (; pw < g.PooledWidth; pw++, at++)
                {
                    MaxWindow(input, hStart, hEnd, width, pw, g, output, indices, at);
                }
            }
        }
    }

    // The 2 x 2, stride 2 windows of one output row whose both columns lie inside the input, 8 at a time: even and
    // odd columns of both input rows deinterleaved into four vectors, compared in Caffe's order (row by row, left
    // to right, strictly greater wins) with selects instead of branches (a data-dependent branch per window is
    // mispredicted about once a window). A row whose count is not a multiple of 8 ends with a step that overlaps
    // the one before (it writes the same values again). Returns how many outputs it wrote; the scalar loop does the
    // rest (windows that run past the input).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe int MaxTwoByTwo(ReadOnlySpan<float> plane, int rowStart, int width, Span<float> output, Span<int> indices, int fullWindows)
    {
        if (fullWindows < 4)
        {
            return 0;
        }

        if (fullWindows < 8)
        {
            return MaxTwoByTwoNarrow(plane, rowStart, width, output, indices, fullWindows);
        }

        fixed (float* p = plane)
        fixed (float* y = output)
        fixed (int* index = indices)
        {
            var row0 = p + rowStart;
            var row1 = row0 + width;
            var even = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14) + Vector256.Create(rowStart);
            for (var step = 0; step < fullWindows; step += 8)
            {
                var pw = Math.Min(step, fullWindows - 8);
                var (a, b) = Lanes.Deinterleave(row0 + (2 * pw));
                var (c, d) = Lanes.Deinterleave(row1 + (2 * pw));
                var i0 = even + Vector256.Create(2 * pw);
                var best = Vector256.Create(float.MinValue);
                var at = Vector256.Create(-1);
                var better = Vector256.GreaterThan(a, best);
                best = Vector256.ConditionalSelect(better, a, best); at = Vector256.ConditionalSelect(better.AsInt32(), i0, at);
                better = Vector256.GreaterThan(b, best);
                best = Vector256.ConditionalSelect(better, b, best); at = Vector256.ConditionalSelect(better.AsInt32(), i0 + Vector256<int>.One, at);
                better = Vector256.GreaterThan(c, best);
                best = Vector256.ConditionalSelect(better, c, best); at = Vector256.ConditionalSelect(better.AsInt32(), i0 + Vector256.Create(width), at);
                better = Vector256.GreaterThan(d, best);
                best = Vector256.ConditionalSelect(better, d, best); at = Vector256.ConditionalSelect(better.AsInt32(), i0 + Vector256.Create(width + 1), at);
                best.Store(y + pw);
                at.Store(index + pw);
            }
        }

        return fullWindows;
    }

    // One window of MaxForward, in Caffe's order. (Selects instead of the branch made 7 x 7 planes slower.)
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void MaxWindow(ReadOnlySpan<float> input, int hStart, int hEnd, int width, int pw, PoolGeometry g, Span<float> output, Span<int> indices, int at)
    {
        var (wStart, wEnd) = Window(pw, g.StrideW, g.PadW, g.KernelW, width);
        var best = float.MinValue;
        var bestIndex = -1;
        for (var h = hStart; h < hEnd; h++)
        {
            var row = h * width;
            for (var w = wStart; w < wEnd; w++)
            {
                var value = input[row + w];
                if (value > best)
                {
                    best = value;
                    bestIndex = row + w;
                }
            }
        }

        output[at] = best;
        indices[at] = bestIndex;
    }

    // Windows first..last of one output row, all inside the row (stride 1 or 2), 8 at a time: every tap of the 8
    // windows compared in Caffe's order (row by row, left to right, strictly greater wins) with selects. A count that
    // is not a multiple of 8 ends with a step that overlaps the one before (it writes the same values again).
    // output[pw] and indices[pw] are window pw's.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxFullWindows(
        ReadOnlySpan<float> plane, int hStart, int hEnd, int width, int stride, int pad, int kernel, int first, int last, Span<float> output, Span<int> indices)
    {
        var count = last + 1 - first;
        var lanes = stride == 1 ? Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) : Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        fixed (float* p = plane)
        fixed (float* y = output)
        fixed (int* index = indices)
        {
            for (var step = 0; step < count; step += 8)
            {
                var pw = first + Math.Min(step, count - 8);
                var best = Vector256.Create(float.MinValue);
                var at = Vector256.Create(-1);
                for (var h = hStart; h < hEnd; h++)
                {
                    var start = (h * width) + (pw * stride) - pad;
                    for (var kw = 0; kw < kernel; kw++)
                    {
                        var value = stride == 1 ? Vector256.Load(p + start + kw) : Lanes.Deinterleave(p + start + kw).Even;
                        var better = Vector256.GreaterThan(value, best);
                        best = Vector256.ConditionalSelect(better, value, best);
                        at = Vector256.ConditionalSelect(better.AsInt32(), lanes + Vector256.Create(start + kw), at);
                    }
                }

                best.Store(y + pw);
                at.Store(index + pw);
            }
        }
    }

    // MaxTwoByTwo for rows of 4 to 7 full windows (LeNet's second pooling: 4), 4 at a time with 128-bit vectors.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe int MaxTwoByTwoNarrow(ReadOnlySpan<float> plane, int rowStart, int width, Span<float> output, Span<int> indices, int fullWindows)
    {
        fixed (float* p = plane)
        fixed (float* y = output)
        fixed (int* index = indices)
        {
            var row0 = p + rowStart;
            var row1 = row0 + width;
            var even = Vector128.Create(0, 2, 4, 6) + Vector128.Create(rowStart);
            for (var step = 0; step < fullWindows; step += 4)
            {
                var pw = Math.Min(step, fullWindows - 4);
                var lo = Vector128.Load(row0 + (2 * pw));
                var hi = Vector128.Load(row0 + (2 * pw) + 4);
                var a = Sse.Shuffle(lo, hi, 0x88);
                var b = Sse.Shuffle(lo, hi, 0xDD);
                lo = Vector128.Load(row1 + (2 * pw));
                hi = Vector128.Load(row1 + (2 * pw) + 4);
                var c = Sse.Shuffle(lo, hi, 0x88);
                var d = Sse.Shuffle(lo, hi, 0xDD);
                var i0 = even + Vector128.Create(2 * pw);
                var best = Vector128.Create(float.MinValue);
                var at = Vector128.Create(-1);
                var better = Vector128.GreaterThan(a, best);
                best = Vector128.ConditionalSelect(better, a, best); at = Vector128.ConditionalSelect(better.AsInt32(), i0, at);
                better = Vector128.GreaterThan(b, best);
                best = Vector128.ConditionalSelect(better, b, best); at = Vector128.ConditionalSelect(better.AsInt32(), i0 + Vector128<int>.One, at);
                better = Vector128.GreaterThan(c, best);
                best = Vector128.ConditionalSelect(better, c, best); at = Vector128.ConditionalSelect(better.AsInt32(), i0 + Vector128.Create(width), at);
                better = Vector128.GreaterThan(d, best);
                best = Vector128.ConditionalSelect(better, d, best); at = Vector128.ConditionalSelect(better.AsInt32(), i0 + Vector128.Create(width + 1), at);
                best.Store(y + pw);
                at.Store(index + pw);
            }
        }

        return fullWindows;
    }

    /// <summary>MAX backward: dx = 0, then each output's gradient added at its recorded index.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, int planes, PoolGeometry g, Span<float> dx)
    {
        int planeIn = g.Height * g.Width, planeOut = g.PooledHeight * g.PooledWidth;
        dx[..(planes * planeIn)].Clear();
        for (var plane = 0; plane < planes; plane++)
        {
            var gradient = dx.Slice(plane * planeIn, planeIn);
            var top = dy.Slice(plane * planeOut, planeOut);
            var indices = argmax.Slice(plane * planeOut, planeOut);
            for (var i = 0; i < top.Length; i++)
            {
                var index = indices[i];
                if (index >= 0)
                {
                    gradient[index] += top[i];
                }
            }
        }
    }

    /// <summary>AVE forward: each window's sum over the input divided by its size clipped to the padded input.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void AverageForward(ReadOnlySpan<float> x, int planes, PoolGeometry g, Span<float> y)
    {
        int planeIn = g.Height * g.Width, planeOut = g.PooledHeight * g.PooledWidth, width = g.Width;
        for (var plane = 0; plane < planes; plane++)
        {
            var input = x.Slice(plane * planeIn, planeIn);
            var output = y.Slice(plane * planeOut, planeOut);
            var at = 0;
            for (var ph = 0; ph < g.PooledHeight; ph++)
            {
                var (hStart, hEnd, hSize) = AverageWindow(ph, g.StrideH, g.PadH, g.KernelH, g.Height);
                for (var pw = 0; pw < g.PooledWidth; pw++, at++)
                {
                    var (wStart, wEnd, wSize) = AverageWindow(pw, g.StrideW, g.PadW, g.KernelW, width);
                    var sum = 0f;
                    for (var h = hStart; h < hEnd; h++)
                    {
                        for (var w = wStart; w < wEnd; w++)
                        {
                            sum += input[(h * width) + w];
                        }
                    }

                    output[at] = sum / (hSize * wSize);
                }
            }
        }
    }

    /// <summary>AVE backward: dx = 0, then each output's gradient shared equally over its window.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(ReadOnlySpan<float> dy, int planes, PoolGeometry g, Span<float> dx)
    {
        int planeIn = g.Height * g.Width, planeOut = g.PooledHeight * g.PooledWidth, width = g.Width;
        dx[..(planes * planeIn)].Clear();
        for (var plane = 0; plane < planes; plane++)
        {
            var top = dy.Slice(plane * planeOut, planeOut);
            var gradient = dx.Slice(plane * planeIn, planeIn);
            var at = 0;
            for (var ph = 0; ph < g.PooledHeight; ph++)
            {
                var (hStart, hEnd, hSize) = AverageWindow(ph, g.StrideH, g.PadH, g.KernelH, g.Height);
                for (var pw = 0; pw < g.PooledWidth; pw++, at++)
                {
                    var (wStart, wEnd, wSize) = AverageWindow(pw, g.StrideW, g.PadW, g.KernelW, width);
                    var share = top[at] / (hSize * wSize);
                    for (var h = hStart; h < hEnd; h++)
                    {
                        for (var w = wStart; w < wEnd; w++)
                        {
                            gradient[(h * width) + w] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The window of one output position on one axis, clipped to the input.</summary>
    private static (int Start, int End) Window(int output, int stride, int pad, int kernel, int size)
    {
        var start = (output * stride) - pad;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    /// <summary>The window on one axis clipped to the input, and its length clipped to the padded input (AVE's divisor).</summary>
    private static (int Start, int End, int Divisor) AverageWindow(int output, int stride, int pad, int kernel, int size)
    {
        var start = (output * stride) - pad;
        var end = Math.Min(start + kernel, size + pad);
        return (Math.Max(start, 0), Math.Min(end, size), end - start);
    }
}
