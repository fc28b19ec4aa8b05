using LayerNet.Layers.Vision;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// One spatial axis of an ONNX pooling (with the zeros of a Pad node folded in) against Caffe's Pooling with one pad at
/// both ends: whether the two have the same windows and, for averages, the same divisor in every window.
/// </summary>
/// <remarks>
/// <para>
/// Coordinates are the input's: the Pad node's zeros occupy [-zeroBegin, 0) and [size, size + zeroEnd), the pooling's
/// own pads lie beyond. Caffe's pad is the whole leading padding, zeroBegin + padBegin, so the windows start where
/// ONNX's do, at o stride - pad; then the output counts must agree.
/// </para>
/// <para>
/// ONNX's divisor (ONNX Runtime's): with count_include_pad, the window clipped at the end of the padded input,
/// min(start + kernel, size + zeroEnd + padEnd) - start; without, the elements of the Pad node's output in the window,
/// min(start + kernel, size + zeroEnd) - max(start, -zeroBegin). Caffe's: min(start + kernel, size + pad) - start.
/// </para>
/// </remarks>
/// <param name="Size">The input's size on the axis.</param>
/// <param name="Kernel">The window's size.</param>
/// <param name="Stride">The stride.</param>
/// <param name="ZeroBegin">Zeros a folded Pad node adds before the input.</param>
/// <param name="ZeroEnd">Zeros a folded Pad node adds after the input.</param>
/// <param name="PadBegin">The pooling's own pad before.</param>
/// <param name="PadEnd">The pooling's own pad after.</param>
internal readonly record struct PoolingWindow(int Size, int Kernel, int Stride, int ZeroBegin, int ZeroEnd, int PadBegin, int PadEnd)
{
    /// <summary>The pad Caffe's Pooling takes: all the padding before the input.</summary>
    public int CaffePad => ZeroBegin + PadBegin;

    /// <summary>
    /// ONNX's output size: floor (or ceil with ceil_mode) of (padded size - kernel) / stride, plus 1; with ceil_mode a
    /// last window that would start in the trailing pad is dropped.
    /// </summary>
    public int OnnxOutputSize(bool ceil)
    {
        var padded = Size + ZeroBegin + ZeroEnd;
        var span = padded + PadBegin + PadEnd - Kernel;
        if (span < 0)
        {
            return 0;
        }

        var output = (ceil ? (span + Stride - 1) / Stride : span / Stride) + 1;
        if (ceil && (output - 1) * Stride >= padded + PadBegin)
        {
            output--;
        }

        return output;
    }

    /// <summary>Caffe's output size with <see cref="CaffePad"/>, rounding up (CEIL) or down (FLOOR).</summary>
    public int CaffeOutputSize(bool floor) => PoolingLayer.PooledSize(Size, Kernel, CaffePad, Stride, floor);

    /// <summary>True when every one of <paramref name="outputs"/> windows has the same divisor in ONNX (count_include_pad as given) and Caffe.</summary>
    public bool SameDivisors(int outputs, bool countIncludePad)
    {
        for (var o = 0; o < outputs; o++)
        {
            var start = (o * Stride) - CaffePad;
            var caffe = Math.Min(start + Kernel, Size + CaffePad) - start;
            var onnx = countIncludePad
                ? Math.Min(start + Kernel, Size + ZeroEnd + PadEnd) - start
                : Math.Min(start + Kernel, Size + ZeroEnd) - Math.Max(start, -ZeroBegin);
            if (caffe != onnx)
            {
                return false;
            }
        }

        return true;
    }
}
