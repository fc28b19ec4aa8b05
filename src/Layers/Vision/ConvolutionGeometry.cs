using Caffe;

namespace LayerNet.Layers.Vision;

/// <summary>
/// The window of a convolution as <c>convolution_param</c> gives it, one value per spatial axis: kernel size, pad,
/// stride and dilation. Read alike by the convolutions and by Im2col (Caffe parses the same fields in both).
/// </summary>
/// <param name="Kernel">The kernel size per spatial axis.</param>
/// <param name="Pad">The zero padding per spatial axis (both sides).</param>
/// <param name="Stride">The stride per spatial axis.</param>
/// <param name="Dilation">The dilation per spatial axis.</param>
internal sealed record ConvolutionGeometry(int[] Kernel, int[] Pad, int[] Stride, int[] Dilation)
{
    /// <summary>
    /// Reads the window for <paramref name="spatialAxes"/> spatial axes: each field given once for every axis or once
    /// per axis, or (2-D only) as <c>_h</c>/<c>_w</c> pairs; pad defaults to 0, stride and dilation to 1.
    /// </summary>
    /// <param name="p">The layer's <c>convolution_param</c>.</param>
    /// <param name="spatialAxes">The number of spatial axes of the bottom.</param>
    /// <param name="layer">The layer whose error a mistake becomes.</param>
    /// <exception cref="Errors.LayerNetException">A field is given a wrong number of times, or a value is out of range.</exception>
    public static ConvolutionGeometry Read(ConvolutionParameter p, int spatialAxes, Layer layer)
    {
        var kernel = PairOrPerAxis(p.HasKernelH || p.HasKernelW, p.KernelH, p.KernelW, p.KernelSize, "kernel_size", "kernel", null, spatialAxes, layer);
        for (var i = 0; i < spatialAxes; i++)
        {
            if (kernel[i] <= 0)
            {
                throw layer.Error($"convolution_param: the kernel size must be positive on every spatial axis, got {kernel[i]} on axis {i}");
            }
        }

        var pad = PairOrPerAxis(p.HasPadH || p.HasPadW, p.PadH, p.PadW, p.Pad, "pad", "pad", 0, spatialAxes, layer);
        var stride = PairOrPerAxis(p.HasStrideH || p.HasStrideW, p.StrideH, p.StrideW, p.Stride, "stride", "stride", 1, spatialAxes, layer);
        var dilation = PerAxis(p.Dilation, "dilation", 1, spatialAxes, layer);
        for (var i = 0; i < spatialAxes; i++)
        {
            if (stride[i] <= 0 || dilation[i] <= 0)
            {
                throw layer.Error($"convolution_param: the stride and dilation must be positive on every spatial axis, got {stride[i]} and {dilation[i]} on axis {i}");
            }

            if (pad[i] < 0)
            {
                throw layer.Error($"convolution_param: the pad {pad[i]} on axis {i} is too large");
            }
        }

        return new ConvolutionGeometry(kernel, pad, stride, dilation);
    }

    /// <summary>The kernel's extent on spatial axis <paramref name="axis"/>: dilation (kernel - 1) + 1.</summary>
    public int Extent(int axis) => (Dilation[axis] * (Kernel[axis] - 1)) + 1;

    // A field given as a 2-D pair (kernel_h and kernel_w) or as a repeated field (kernel_size), never both.
    private static int[] PairOrPerAxis(
        bool pairGiven, uint h, uint w, Google.Protobuf.Collections.RepeatedField<uint> values, string field, string pairPrefix,
        int? defaultValue, int spatialAxes, Layer layer)
    {
        if (!pairGiven)
        {
            return PerAxis(values, field, defaultValue, spatialAxes, layer);
        }

        if (spatialAxes != 2)
        {
            throw layer.Error($"convolution_param.{pairPrefix}_h and {pairPrefix}_w can only be used for 2-D convolution; the bottom has {spatialAxes} spatial axes");
        }

        if (values.Count != 0)
        {
            throw layer.Error($"give convolution_param.{field} or {pairPrefix}_h and {pairPrefix}_w, not both");
        }

        return [(int)h, (int)w];
    }

    /// <summary>Expands a repeated field given once, or once per spatial axis (or not at all, when it has a default).</summary>
    private static int[] PerAxis(Google.Protobuf.Collections.RepeatedField<uint> values, string field, int? defaultValue, int spatialAxes, Layer layer)
    {
        var result = new int[spatialAxes];
        if (values.Count == 0 && defaultValue is { } value)
        {
            Array.Fill(result, value);
            return result;
        }

        if (values.Count != 1 && values.Count != spatialAxes)
        {
            throw layer.Error($"convolution_param.{field} must be given once, or once per spatial axis ({spatialAxes}); it is given {values.Count} times");
        }

        for (var i = 0; i < spatialAxes; i++)
        {
            var given = values[values.Count == 1 ? 0 : i];
            result[i] = given > int.MaxValue / 4 ? -1 : (int)given;
        }

        return result;
    }
}
