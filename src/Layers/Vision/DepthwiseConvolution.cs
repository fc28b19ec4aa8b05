using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// A 2-D convolution whose every group is one input channel and one output channel (MobileNet's depthwise 3 x 3):
/// computed directly, plane by plane, instead of as one GEMM of a single row per channel over an im2col buffer nine
/// times the input's size.
/// </summary>
/// <remarks>
/// <para>
/// Each channel's input is laid out once, zero-padded, as the s_h x s_w phases of its stride (phase (r, q) holds
/// the padded plane's rows r, r + s_h, ... and columns q, q + s_w, ...; for stride 1 the one phase is the padded
/// plane). Every phase has the same row length W_q, and the output is computed on rows of that length too, so that
/// a tap (ky, kx) is ONE contiguous y += w x over the whole plane: output element (oy, ox) reads phase element
/// (oy + ky d_h / s_h, ox + kx d_w / s_w). The columns past the output's width are computed and dropped. Taps are
/// added in (ky, kx) order, the order of the GEMM's inner dimension, so values differ from the im2col path by float
/// rounding alone. The gradients use the same layout: the weight gradient of a tap is one dot product with the
/// output's gradient laid out on rows of W_q (zeros past its width), and the input gradient accumulates into the
/// phases, whose every element is one input position.
/// </para>
/// <para>The planes of one item are independent; nothing here depends on threads. Scratch is the caller's.</para>
/// </remarks>
internal static class DepthwiseConvolution
{
    // Kernels of at most this many taps keep their phase offsets on the stack.
    private const int MaxStackTaps = 64;

    /// <summary>The geometry of one layer's planes, and the phase layout derived from it.</summary>
    internal readonly record struct Geometry
    {
        /// <summary>Derives the phase layout of a layer's planes.</summary>
        public Geometry(
            int channels, int height, int width, int outHeight, int outWidth,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
        {
            (Channels, Height, Width, OutHeight, OutWidth) = (channels, height, width, outHeight, outWidth);
            (KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW) = (kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
            PhaseRows = (height + (2 * padH) + strideH - 1) / strideH;
            PhaseWidth = (width + (2 * padW) + strideW - 1) / strideW;

            // One spare row per phase: the dropped columns of the last output row read past the phase's end.
            PhaseLength = (PhaseRows + 1) * PhaseWidth;
            WideLength = outHeight * PhaseWidth;
        }

        /// <summary>Channels (groups) of an item.</summary>
        public int Channels { get; }

        /// <summary>Input height.</summary>
        public int Height { get; }

        /// <summary>Input width.</summary>
        public int Width { get; }

        /// <summary>Output height.</summary>
        public int OutHeight { get; }

        /// <summary>Output width.</summary>
        public int OutWidth { get; }

        /// <summary>Kernel height.</summary>
        public int KernelH { get; }

        /// <summary>Kernel width.</summary>
        public int KernelW { get; }

        /// <summary>Vertical stride.</summary>
        public int StrideH { get; }

        /// <summary>Horizontal stride.</summary>
        public int StrideW { get; }

        /// <summary>Rows of zeros above and below.</summary>
        public int PadH { get; }

        /// <summary>Columns of zeros left and right.</summary>
        public int PadW { get; }

        /// <summary>Vertical dilation.</summary>
        public int DilationH { get; }

        /// <summary>Horizontal dilation.</summary>
        public int DilationW { get; }

        /// <summary>Rows of one phase (the padded height over the vertical stride, rounded up).</summary>
        public int PhaseRows { get; }

        /// <summary>Row length of a phase and of the wide output (the padded width over the stride, rounded up).</summary>
        public int PhaseWidth { get; }

        /// <summary>Floats of one phase, its spare row included.</summary>
        public int PhaseLength { get; }

        /// <summary>Floats of the output laid out on rows of <see cref="PhaseWidth"/>.</summary>
        public int WideLength { get; }

        /// <summary>Floats of scratch the kernels need: every phase of one plane, then one wide output plane.</summary>
        public int ScratchLength => (StrideH * StrideW * PhaseLength) + WideLength;

        /// <summary>Where tap (ky, kx) reads: the start of its phase in scratch plus its shift inside the phase.</summary>
        public int TapStart(int ky, int kx)
        {
            var rowInPadded = ky * DilationH;
            var columnInPadded = kx * DilationW;
            var phase = ((rowInPadded % StrideH) * StrideW) + (columnInPadded % StrideW);
            return (phase * PhaseLength) + ((rowInPadded / StrideH) * PhaseWidth) + (columnInPadded / StrideW);
        }
    }

    /// <summary>y = the depthwise convolution of one item's x with w (C x KH x KW); y is overwritten, no bias.</summary>
    public static void Forward(in Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Span<float> scratch) =>
        Forward(g, x, w, y, scratch, 0, g.Channels, default, default, false, 0f);

    /// <summary>
    /// Channels <paramref name="first"/> to <paramref name="last"/> - 1 of <see cref="Forward(in Geometry, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float})"/>,
    /// each output plane then mapped, while in cache, to rectify(y a[c] + b[c]) when <paramref name="scale"/> is given
    /// (a folded bias, BatchNorm, Scale and ReLU; the values of <see cref="Channelwise.Map"/> after the convolution).
    /// Channels are independent: threads may take ranges of them, each with its own scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(
        in Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Span<float> scratch, int first, int last,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, bool rectify, float slope)
    {
        var inPlane = g.Height * g.Width;
        var outPlane = g.OutHeight * g.OutWidth;
        var taps = g.KernelH * g.KernelW;
        if (first >= last)
        {
            return;
        }

        _ = x[(last * inPlane) - 1];
        _ = y[(last * outPlane) - 1];
        _ = w[(last * taps) - 1];
        var phases = scratch[..(g.StrideH * g.StrideW * g.PhaseLength)];
        var wide = scratch.Slice(phases.Length, g.WideLength);
        Span<int> starts = taps <= MaxStackTaps ? stackalloc int[taps] : new int[taps];
        for (var ky = 0; ky < g.KernelH; ky++)
        {
            for (var kx = 0; kx < g.KernelW; kx++)
            {
                starts[(ky * g.KernelW) + kx] = g.TapStart(ky, kx);
            }
        }

        // Every channel writes the same places of the phases (the image's own pixels); the padding and the spare row
        // are zero from here on.
        phases.Clear();
        fixed (float* xs = x)
        fixed (float* ys = y)
        fixed (float* ps = phases)
        fixed (float* wides = wide)
        {
            for (var c = first; c < last; c++)
            {
                FillPhases(g, xs + ((long)c * inPlane), ps);
                SumTaps(phases, starts, w.Slice(c * taps, taps), wide);
                var yc = ys + ((long)c * outPlane);
                for (var oy = 0; oy < g.OutHeight; oy++)
                {
                    Buffer.MemoryCopy(wides + ((long)oy * g.PhaseWidth), yc + ((long)oy * g.OutWidth), g.OutWidth * sizeof(float), g.OutWidth * sizeof(float));
                }

                if (!scale.IsEmpty)
                {
                    Channelwise.MapRun(yc, outPlane, scale[c], shift[c], rectify, slope);
                }
            }
        }
    }

    // Writes one input plane's pixels to their places in the phases (see the remarks); the padding around them is
    // left as it is (zero: Forward clears the phases once for all channels).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FillPhases(in Geometry g, float* plane, float* phases)
    {
        int strideH = g.StrideH, strideW = g.StrideW, width = g.Width, phaseWidth = g.PhaseWidth, phaseLength = g.PhaseLength;
        for (var iy = 0; iy < g.Height; iy++)
        {
            var padded = iy + g.PadH;
            var rowStart = ((padded % strideH) * strideW * phaseLength) + ((padded / strideH) * phaseWidth);
            var source = plane + ((long)iy * width);
            if (strideW == 1)
            {
                Buffer.MemoryCopy(source, phases + rowStart + g.PadW, width * sizeof(float), width * sizeof(float));
                continue;
            }

            if (strideW == 2)
            {
                // Even input columns go to one phase, odd ones to the other: (ix + pad) % 2 picks it, (ix + pad) / 2
                // is the place in its row.
                var evenTarget = phases + rowStart + ((g.PadW % 2) * phaseLength) + (g.PadW / 2);
                var oddTarget = phases + rowStart + (((g.PadW + 1) % 2) * phaseLength) + ((g.PadW + 1) / 2);
                var ix = 0;
                if (Avx2.IsSupported)
                {
                    for (; ix + 16 <= width; ix += 16)
                    {
                        var (even, odd) = Lanes.Deinterleave(source + ix);
                        even.Store(evenTarget + (ix / 2));
                        odd.Store(oddTarget + (ix / 2));
                    }
                }

                for (; ix < width; ix++)
                {
                    ((ix & 1) == 0 ? evenTarget : oddTarget)[ix / 2] = source[ix];
                }

                continue;
            }

            for (var ix = 0; ix < width; ix++)
            {
                var column = ix + g.PadW;
                phases[rowStart + ((column % strideW) * phaseLength) + (column / strideW)] = source[ix];
            }
        }
    }

    /// <summary>dw += the weight gradient of one item (dy the output's gradient, x the input), tap by tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeightGradient(in Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> scratch)
    {
        var inPlane = g.Height * g.Width;
        var outPlane = g.OutHeight * g.OutWidth;
        var taps = g.KernelH * g.KernelW;
        var phases = scratch[..(g.StrideH * g.StrideW * g.PhaseLength)];
        var wide = scratch.Slice(phases.Length, g.WideLength);
        for (var c = 0; c < g.Channels; c++)
        {
            SplitIntoPhases(g, x.Slice(c * inPlane, inPlane), phases);
            Widen(g, dy.Slice(c * outPlane, outPlane), wide);
            for (var ky = 0; ky < g.KernelH; ky++)
            {
                for (var kx = 0; kx < g.KernelW; kx++)
                {
                    dw[(c * taps) + (ky * g.KernelW) + kx] += Dot(phases.Slice(g.TapStart(ky, kx), wide.Length), wide);
                }
            }
        }
    }

    /// <summary>dx = the input gradient of one item (overwritten), from dy and w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(in Geometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Span<float> scratch)
    {
        var inPlane = g.Height * g.Width;
        var outPlane = g.OutHeight * g.OutWidth;
        var taps = g.KernelH * g.KernelW;
        var phases = scratch[..(g.StrideH * g.StrideW * g.PhaseLength)];
        var wide = scratch.Slice(phases.Length, g.WideLength);
        for (var c = 0; c < g.Channels; c++)
        {
            Widen(g, dy.Slice(c * outPlane, outPlane), wide);
            phases.Clear();
            for (var ky = 0; ky < g.KernelH; ky++)
            {
                for (var kx = 0; kx < g.KernelW; kx++)
                {
                    AddScaled(wide, w[(c * taps) + (ky * g.KernelW) + kx], phases.Slice(g.TapStart(ky, kx), wide.Length));
                }
            }

            JoinPhases(g, phases, dx.Slice(c * inPlane, inPlane));
        }
    }

    // Lays one input plane out as its zero-padded phases (see the remarks).
    private static void SplitIntoPhases(in Geometry g, ReadOnlySpan<float> plane, Span<float> phases)
    {
        for (var ry = 0; ry < g.StrideH; ry++)
        {
            for (var rx = 0; rx < g.StrideW; rx++)
            {
                var phase = phases.Slice(((ry * g.StrideW) + rx) * g.PhaseLength, g.PhaseLength);
                for (var i = 0; i < g.PhaseRows + 1; i++)
                {
                    var target = phase.Slice(i * g.PhaseWidth, g.PhaseWidth);
                    var iy = (i * g.StrideH) + ry - g.PadH;
                    if ((uint)iy >= (uint)g.Height)
                    {
                        target.Clear();
                        continue;
                    }

                    var row = plane.Slice(iy * g.Width, g.Width);
                    if (g.StrideW == 1)
                    {
                        // The padded row: pad zeros, the row, zeros to the phase's width.
                        target[..g.PadW].Clear();
                        row.CopyTo(target[g.PadW..]);
                        target[(g.PadW + g.Width)..].Clear();
                        continue;
                    }

                    // Columns j of the phase read input column j s + rx - pad: inside the row for j in [first, end).
                    var first = Math.Min(g.PhaseWidth, (Math.Max(0, g.PadW - rx) + g.StrideW - 1) / g.StrideW);
                    var end = Math.Clamp((g.Width - 1 + g.PadW - rx + g.StrideW) / g.StrideW, first, g.PhaseWidth);
                    target[..first].Clear();
                    var copied = g.StrideW == 2 ? EveryOther(row, (first * 2) + rx - g.PadW, target[first..end]) : 0;
                    for (int j = first + copied, ix = ((first + copied) * g.StrideW) + rx - g.PadW; j < end; j++, ix += g.StrideW)
                    {
                        target[j] = row[ix];
                    }

                    target[end..].Clear();
                }
            }
        }
    }

    // target[j] = row[start + 2 j], 8 at a time while 16 floats from row[start + 2 j] lie inside the row (AVX2: the
    // even lanes of two loads); returns how many it wrote, the caller copies the rest.
    private static unsafe int EveryOther(ReadOnlySpan<float> row, int start, Span<float> target)
    {
        if (!Avx2.IsSupported)
        {
            return 0;
        }

        var j = 0;
        fixed (float* source = row)
        fixed (float* destination = target)
        {
            for (; j + 8 <= target.Length && start + (2 * j) + 16 <= row.Length; j += 8)
            {
                Lanes.Deinterleave(source + start + (2 * j)).Even.Store(destination + j);
            }
        }

        return j;
    }

    // The inverse of SplitIntoPhases for a gradient: each input position takes the one phase element that is it.
    private static void JoinPhases(in Geometry g, ReadOnlySpan<float> phases, Span<float> plane)
    {
        for (var iy = 0; iy < g.Height; iy++)
        {
            var padded = iy + g.PadH;
            var (i, ry) = (padded / g.StrideH, padded % g.StrideH);
            var row = plane.Slice(iy * g.Width, g.Width);
            if (g.StrideW == 1)
            {
                phases.Slice((ry * g.PhaseLength) + (i * g.PhaseWidth) + g.PadW, g.Width).CopyTo(row);
                continue;
            }

            for (var ix = 0; ix < g.Width; ix++)
            {
                var column = ix + g.PadW;
                var phase = (ry * g.StrideW) + (column % g.StrideW);
                row[ix] = phases[(phase * g.PhaseLength) + (i * g.PhaseWidth) + (column / g.StrideW)];
            }
        }
    }

    // Lays an output-sized plane on rows of the phase width, zeros past the output's width.
    private static void Widen(in Geometry g, ReadOnlySpan<float> plane, Span<float> wide)
    {
        for (var oy = 0; oy < g.OutHeight; oy++)
        {
            var target = wide.Slice(oy * g.PhaseWidth, g.PhaseWidth);
            plane.Slice(oy * g.OutWidth, g.OutWidth).CopyTo(target);
            target[g.OutWidth..].Clear();
        }
    }

    // wide[t] = sum over taps k, in order, of w[k] phases[starts[k] + t]: every tap of a vector of outputs added in a
    // register (the same sums, in the same order, as one multiply-add pass per tap), stored once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumTaps(ReadOnlySpan<float> phases, ReadOnlySpan<int> starts, ReadOnlySpan<float> w, Span<float> wide)
    {
        var t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The same sums with 16 lanes: each lane adds w[k] x in the same order as below, so the same bits.
            ref var source = ref MemoryMarshal.GetReference(phases);
            ref var target = ref MemoryMarshal.GetReference(wide);
            const int Width = 16;
            for (; t <= wide.Length - (4 * Width); t += 4 * Width)
            {
                var sum0 = Vector512<float>.Zero;
                var sum1 = Vector512<float>.Zero;
                var sum2 = Vector512<float>.Zero;
                var sum3 = Vector512<float>.Zero;
                for (var k = 0; k < starts.Length; k++)
                {
                    var weight = Vector512.Create(w[k]);
                    var at = (nuint)(starts[k] + t);
                    sum0 += Vector512.LoadUnsafe(ref source, at) * weight;
                    sum1 += Vector512.LoadUnsafe(ref source, at + Width) * weight;
                    sum2 += Vector512.LoadUnsafe(ref source, at + (2 * Width)) * weight;
                    sum3 += Vector512.LoadUnsafe(ref source, at + (3 * Width)) * weight;
                }

                sum0.StoreUnsafe(ref target, (nuint)t);
                sum1.StoreUnsafe(ref target, (nuint)(t + Width));
                sum2.StoreUnsafe(ref target, (nuint)(t + (2 * Width)));
                sum3.StoreUnsafe(ref target, (nuint)(t + (3 * Width)));
            }

            for (; t <= wide.Length - Width; t += Width)
            {
                var sum = Vector512<float>.Zero;
                for (var k = 0; k < starts.Length; k++)
                {
                    sum += Vector512.LoadUnsafe(ref source, (nuint)(starts[k] + t)) * Vector512.Create(w[k]);
                }

                sum.StoreUnsafe(ref target, (nuint)t);
            }
        }

        if (Vector.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(phases);
            ref var target = ref MemoryMarshal.GetReference(wide);
            var width = Vector<float>.Count;

            // Four vectors of outputs at a time: four independent sums hide the latency of the adds, which one sum
            // chained through every tap would wait on (each output's taps are still added in order).
            for (; t <= wide.Length - (4 * width); t += 4 * width)
            {
                var sum0 = Vector<float>.Zero;
                var sum1 = Vector<float>.Zero;
                var sum2 = Vector<float>.Zero;
                var sum3 = Vector<float>.Zero;
                for (var k = 0; k < starts.Length; k++)
                {
                    var weight = new Vector<float>(w[k]);
                    var at = (nuint)(starts[k] + t);
                    sum0 += Vector.LoadUnsafe(ref source, at) * weight;
                    sum1 += Vector.LoadUnsafe(ref source, at + (nuint)width) * weight;
                    sum2 += Vector.LoadUnsafe(ref source, at + (nuint)(2 * width)) * weight;
                    sum3 += Vector.LoadUnsafe(ref source, at + (nuint)(3 * width)) * weight;
                }

                sum0.StoreUnsafe(ref target, (nuint)t);
                sum1.StoreUnsafe(ref target, (nuint)(t + width));
                sum2.StoreUnsafe(ref target, (nuint)(t + (2 * width)));
                sum3.StoreUnsafe(ref target, (nuint)(t + (3 * width)));
            }

            for (; t <= wide.Length - Vector<float>.Count; t += Vector<float>.Count)
            {
                var sum = Vector<float>.Zero;
                for (var k = 0; k < starts.Length; k++)
                {
                    sum += Vector.LoadUnsafe(ref source, (nuint)(starts[k] + t)) * new Vector<float>(w[k]);
                }

                sum.StoreUnsafe(ref target, (nuint)t);
            }
        }

        for (; t < wide.Length; t++)
        {
            var sum = 0f;
            for (var k = 0; k < starts.Length; k++)
            {
                sum += phases[starts[k] + t] * w[k];
            }

            wide[t] = sum;
        }
    }

    // y[i] += a x[i]
    private static void AddScaled(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ref var xs = ref MemoryMarshal.GetReference(x);
            ref var ys = ref MemoryMarshal.GetReference(y);
            var scale = new Vector<float>(a);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var sum = Vector.LoadUnsafe(ref ys, (nuint)i) + (Vector.LoadUnsafe(ref xs, (nuint)i) * scale);
                sum.StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var i = 0;
        var total = 0f;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ref var xs = ref MemoryMarshal.GetReference(x);
            ref var ys = ref MemoryMarshal.GetReference(y);
            var sum = Vector<float>.Zero;
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                sum += Vector.LoadUnsafe(ref xs, (nuint)i) * Vector.LoadUnsafe(ref ys, (nuint)i);
            }

            total = Vector.Sum(sum);
        }

        for (; i < x.Length; i++)
        {
            total += x[i] * y[i];
        }

        return total;
    }
}
