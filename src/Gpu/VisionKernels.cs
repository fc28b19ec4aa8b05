using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The device kernels of the vision layers (convolution's im2col and col2im, pooling, LRN), in the C# that ILGPU
/// compiles. Every output element is written by one thread that sums its terms in a fixed order (no atomics): col2im
/// and the pooling gradients gather, per input element, the outputs whose window holds it.
/// </summary>
internal static class VisionKernels
{
    /// <summary>
    /// im2col of one item: columns[(c kh kw + i kw + j) outH outW + oh outW + ow] = x[c, oh sh - ph + i dh, ow sw - pw + j dw],
    /// zero where that falls in the padding (one thread per column element).
    /// </summary>
    public static void ImageToColumns(Index1D index, ArrayView<float> image, ArrayView<float> columns, ColumnShape s)
    {
        int i = index;
        var grid = s.OutputH * s.OutputW;
        var row = i / grid;
        var at = i - (row * grid);
        var oh = at / s.OutputW;
        var ow = at - (oh * s.OutputW);
        var taps = s.KernelH * s.KernelW;
        var c = row / taps;
        var tap = row - (c * taps);
        var ki = tap / s.KernelW;
        var kj = tap - (ki * s.KernelW);
        var h = (oh * s.StrideH) - s.PadH + (ki * s.DilationH);
        var w = (ow * s.StrideW) - s.PadW + (kj * s.DilationW);
        columns[i] = h >= 0 && h < s.Height && w >= 0 && w < s.Width ? image[(((c * s.Height) + h) * s.Width) + w] : 0f;
    }

    /// <summary>
    /// col2im of one item: each image element is the sum of the column entries that im2col would have read from it,
    /// taken in the order of the kernel's taps (as the CPU's col2im adds them), one thread per image element.
    /// </summary>
    public static void ColumnsToImage(Index1D index, ArrayView<float> columns, ArrayView<float> image, ColumnShape s)
    {
        int i = index;
        var plane = s.Height * s.Width;
        var c = i / plane;
        var at = i - (c * plane);
        var h = at / s.Width;
        var w = at - (h * s.Width);
        var grid = s.OutputH * s.OutputW;
        var sum = 0f;
        for (var ki = 0; ki < s.KernelH; ki++)
        {
            var hk = h + s.PadH - (ki * s.DilationH);
            if (hk < 0 || hk % s.StrideH != 0 || hk / s.StrideH >= s.OutputH)
            {
                continue;
            }

            var oh = hk / s.StrideH;
            for (var kj = 0; kj < s.KernelW; kj++)
            {
                var wk = w + s.PadW - (kj * s.DilationW);
                if (wk < 0 || wk % s.StrideW != 0 || wk / s.StrideW >= s.OutputW)
                {
                    continue;
                }

                var row = (((c * s.KernelH) + ki) * s.KernelW) + kj;
                sum += columns[(row * grid) + (oh * s.OutputW) + (wk / s.StrideW)];
            }
        }

        image[i] = sum;
    }

    /// <summary>y[item, c, q] += bias[c]: a channel's bias on its every position (one thread per element).</summary>
    public static void AddChannelBias(Index1D index, ArrayView<float> y, ArrayView<float> bias, int spatial, int channels)
    {
        y[index] += bias[(index / spatial) % channels];
    }

    /// <summary>
    /// db[c] += the spatial sums of dy's channel c, item by item in order (each item's sum added on its own, as the
    /// CPU adds one item's at a time), one thread per channel.
    /// </summary>
    public static void AddChannelSums(Index1D channel, ArrayView<float> dy, ArrayView<float> db, int items, int channels, int spatial)
    {
        var total = db[channel];
        for (var n = 0; n < items; n++)
        {
            var start = ((n * channels) + channel) * spatial;
            var sum = 0f;
            for (var q = 0; q < spatial; q++)
            {
                sum += dy[start + q];
            }

            total += sum;
        }

        db[channel] = total;
    }

    /// <summary>
    /// MAX pooling: y = the first largest value of each window clipped to the input (row by row, left to right,
    /// strictly greater wins), argmax = its index within the plane as a float (-1 for an empty window).
    /// </summary>
    public static void MaxPoolForward(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<float> argmax, PoolShape s)
    {
        int i = index;
        var planeOut = s.PooledH * s.PooledW;
        var plane = i / planeOut;
        var at = i - (plane * planeOut);
        var ph = at / s.PooledW;
        var pw = at - (ph * s.PooledW);
        var hStart = (ph * s.StrideH) - s.PadH;
        var wStart = (pw * s.StrideW) - s.PadW;
        var hEnd = XMath.Min(hStart + s.KernelH, s.Height);
        var wEnd = XMath.Min(wStart + s.KernelW, s.Width);
        hStart = XMath.Max(hStart, 0);
        wStart = XMath.Max(wStart, 0);
        var offset = plane * s.Height * s.Width;
        var best = float.MinValue;
        var bestIndex = -1;
        for (var h = hStart; h < hEnd; h++)
        {
            for (var w = wStart; w < wEnd; w++)
            {
                var value = x[offset + (h * s.Width) + w];
                if (value > best)
                {
                    best = value;
                    bestIndex = (h * s.Width) + w;
                }
            }
        }

        y[i] = best;
        argmax[i] = bestIndex;
    }

    /// <summary>
    /// MAX pooling's gradient: each input element sums the gradients of the outputs whose recorded index is it, in
    /// output order (one thread per input element).
    /// </summary>
    public static void MaxPoolBackward(Index1D index, ArrayView<float> dy, ArrayView<float> argmax, ArrayView<float> dx, PoolShape s)
    {
        int i = index;
        var planeIn = s.Height * s.Width;
        var plane = i / planeIn;
        var at = i - (plane * planeIn);
        var h = at / s.Width;
        var w = at - (h * s.Width);
        var phStart = h + s.PadH < s.KernelH ? 0 : ((h + s.PadH - s.KernelH) / s.StrideH) + 1;
        var phEnd = XMath.Min(((h + s.PadH) / s.StrideH) + 1, s.PooledH);
        var pwStart = w + s.PadW < s.KernelW ? 0 : ((w + s.PadW - s.KernelW) / s.StrideW) + 1;
        var pwEnd = XMath.Min(((w + s.PadW) / s.StrideW) + 1, s.PooledW);
        var offset = plane * s.PooledH * s.PooledW;
        var sum = 0f;
        for (var ph = phStart; ph < phEnd; ph++)
        {
            for (var pw = pwStart; pw < pwEnd; pw++)
            {
                var o = offset + (ph * s.PooledW) + pw;
                if ((int)argmax[o] == at)
                {
                    sum += dy[o];
                }
            }
        }

        dx[i] = sum;
    }

    /// <summary>AVE pooling: each window's sum over the input divided by the window's size clipped to the padded input.</summary>
    public static void AvePoolForward(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolShape s)
    {
        int i = index;
        var planeOut = s.PooledH * s.PooledW;
        var plane = i / planeOut;
        var at = i - (plane * planeOut);
        var ph = at / s.PooledW;
        var pw = at - (ph * s.PooledW);
        var hStart = (ph * s.StrideH) - s.PadH;
        var wStart = (pw * s.StrideW) - s.PadW;
        var hEnd = XMath.Min(hStart + s.KernelH, s.Height + s.PadH);
        var wEnd = XMath.Min(wStart + s.KernelW, s.Width + s.PadW);
        var divisor = (hEnd - hStart) * (wEnd - wStart);
        hStart = XMath.Max(hStart, 0);
        wStart = XMath.Max(wStart, 0);
        hEnd = XMath.Min(hEnd, s.Height);
        wEnd = XMath.Min(wEnd, s.Width);
        var offset = plane * s.Height * s.Width;
        var sum = 0f;
        for (var h = hStart; h < hEnd; h++)
        {
            for (var w = wStart; w < wEnd; w++)
            {
                sum += x[offset + (h * s.Width) + w];
            }
        }

        y[i] = sum / divisor;
    }

    /// <summary>
    /// AVE pooling's gradient: each input element sums dy / (window size) over the outputs whose window holds it, in
    /// output order (one thread per input element).
    /// </summary>
    public static void AvePoolBackward(Index1D index, ArrayView<float> dy, ArrayView<float> dx, PoolShape s)
    {
        int i = index;
        var planeIn = s.Height * s.Width;
        var plane = i / planeIn;
        var at = i - (plane * planeIn);
        var h = at / s.Width;
        var w = at - (h * s.Width);
        var phStart = h + s.PadH < s.KernelH ? 0 : ((h + s.PadH - s.KernelH) / s.StrideH) + 1;
        var phEnd = XMath.Min(((h + s.PadH) / s.StrideH) + 1, s.PooledH);
        var pwStart = w + s.PadW < s.KernelW ? 0 : ((w + s.PadW - s.KernelW) / s.StrideW) + 1;
        var pwEnd = XMath.Min(((w + s.PadW) / s.StrideW) + 1, s.PooledW);
        var offset = plane * s.PooledH * s.PooledW;
        var sum = 0f;
        for (var ph = phStart; ph < phEnd; ph++)
        {
            var hStart = (ph * s.StrideH) - s.PadH;
            var hSize = XMath.Min(hStart + s.KernelH, s.Height + s.PadH) - hStart;
            for (var pw = pwStart; pw < pwEnd; pw++)
            {
                var wStart = (pw * s.StrideW) - s.PadW;
                var wSize = XMath.Min(wStart + s.KernelW, s.Width + s.PadW) - wStart;
                sum += dy[offset + (ph * s.PooledW) + pw] / (hSize * wSize);
            }
        }

        dx[i] = sum;
    }

    /// <summary>
    /// LRN across channels, the scale s for one item's position (one thread per item and position, over its channels
    /// in order): k plus alpha / n times the squares of the window's channels, kept as the CPU keeps it, a running
    /// window that adds the channel entering and subtracts the one leaving.
    /// </summary>
    public static void LrnAcrossScale(Index1D index, ArrayView<float> x, ArrayView<float> scale, LrnShape s)
    {
        int i = index;
        var plane = s.Height * s.Width;
        var n = i / plane;
        var at = i - (n * plane);
        var offset = (n * s.Channels * plane) + at;
        var prePad = (s.Size - 1) / 2;
        var sum = s.K;
        for (var c = 0; c < s.Size; c++)
        {
            sum += s.AlphaOverSize * Square(x, offset, c - prePad, plane, s.Channels);
        }

        scale[offset] = sum;
        for (var c = 1; c < s.Channels; c++)
        {
            sum += s.AlphaOverSize * Square(x, offset, c + s.Size - 1 - prePad, plane, s.Channels);
            sum += -s.AlphaOverSize * Square(x, offset, c - 1 - prePad, plane, s.Channels);
            scale[offset + (c * plane)] = sum;
        }
    }

    /// <summary>
    /// LRN within a channel, the scale s = 1 + alpha (sum of x^2 over the n x n window clipped to the plane) / n^2
    /// (one thread per element).
    /// </summary>
    public static void LrnWithinScale(Index1D index, ArrayView<float> x, ArrayView<float> scale, LrnShape s)
    {
        int i = index;
        var sum = WindowSum(x, i, s, square: true);
        scale[i] = 1f + (s.Alpha * (sum / (s.Size * s.Size)));
    }

    /// <summary>LRN's output y = x s^-beta (x / (sqrt(s) sqrt(sqrt(s))) for beta 0.75, as the CPU computes it).</summary>
    public static void LrnNormalize(Index1D index, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> y, float beta)
    {
        var s = scale[index];
        if (beta == 0.75f)
        {
            var root = XMath.Sqrt(s);
            y[index] = x[index] / (root * XMath.Sqrt(root));
        }
        else
        {
            y[index] = XMath.Pow(s, -beta) * x[index];
        }
    }

    /// <summary>LRN's backward ratio dy y / s (one thread per element).</summary>
    public static void LrnRatio(Index1D index, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> scale, ArrayView<float> ratio)
    {
        ratio[index] = dy[index] * y[index] / scale[index];
    }

    /// <summary>
    /// LRN across channels, the input gradient for one item's position (one thread per item and position, over its
    /// channels in order): dx = dy s^-beta - 2 alpha beta / n x (the running sum of the window's ratios).
    /// </summary>
    public static void LrnAcrossBackward(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> scale, ArrayView<float> ratio, ArrayView<float> dx, LrnShape s)
    {
        int i = index;
        var plane = s.Height * s.Width;
        var n = i / plane;
        var at = i - (n * plane);
        var offset = (n * s.Channels * plane) + at;
        var prePad = s.Size - ((s.Size + 1) / 2);
        var sum = 0f;
        for (var c = 0; c < s.Size - 1; c++)
        {
            sum += Padded(ratio, offset, c - prePad, plane, s.Channels);
        }

        for (var c = 0; c < s.Channels; c++)
        {
            sum += Padded(ratio, offset, c + s.Size - 1 - prePad, plane, s.Channels);
            var e = offset + (c * plane);
            var gradient = XMath.Pow(scale[e], -s.Beta) * dy[e];
            dx[e] = gradient + (-s.CacheRatio * (sum * x[e]));
            sum -= Padded(ratio, offset, c - prePad, plane, s.Channels);
        }
    }

    /// <summary>LRN within a channel, the input gradient dx = dy s^-beta - 2 alpha beta / n^2 x (window sum of the ratios).</summary>
    public static void LrnWithinBackward(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> scale, ArrayView<float> ratio, ArrayView<float> dx, LrnShape s)
    {
        int i = index;
        var sum = WindowSum(ratio, i, s, square: false);
        var gradient = XMath.Pow(scale[i], -s.Beta) * dy[i];
        dx[i] = gradient + (-s.CacheRatio * (sum * x[i]));
    }

    // x[channel c of the item at offset]^2, zero outside the channels.
    private static float Square(ArrayView<float> x, int offset, int c, int plane, int channels)
    {
        if (c < 0 || c >= channels)
        {
            return 0f;
        }

        var v = x[offset + (c * plane)];
        return v * v;
    }

    // values[channel c of the item at offset], zero outside the channels.
    private static float Padded(ArrayView<float> values, int offset, int c, int plane, int channels) =>
        c < 0 || c >= channels ? 0f : values[offset + (c * plane)];

    // The sum over the n x n window centred on element i of its plane (clipped to the plane), row by row, of the
    // values or of their squares.
    private static float WindowSum(ArrayView<float> values, int i, LrnShape s, bool square)
    {
        var plane = s.Height * s.Width;
        var p = i / plane;
        var at = i - (p * plane);
        var h = at / s.Width;
        var w = at - (h * s.Width);
        var prePad = (s.Size - 1) / 2;
        var hStart = XMath.Max(h - prePad, 0);
        var hEnd = XMath.Min(h - prePad + s.Size, s.Height);
        var wStart = XMath.Max(w - prePad, 0);
        var wEnd = XMath.Min(w - prePad + s.Size, s.Width);
        var offset = p * plane;
        var sum = 0f;
        for (var row = hStart; row < hEnd; row++)
        {
            for (var col = wStart; col < wEnd; col++)
            {
                var v = values[offset + (row * s.Width) + col];
                sum += square ? v * v : v;
            }
        }

        return sum;
    }
}
