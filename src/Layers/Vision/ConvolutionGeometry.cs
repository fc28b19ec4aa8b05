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
        int[] kernel;
        if (p.HasKernelH || p.HasKernelW)
        {
            RequireTwoDimensional("kernel_h and kernel_w", spatialAxes, layer);
            if (p.KernelSize.Count != 0)
            {
                throw layer.Error("give convolution_param.kernel_size or kernel_h and kernel_w, not both");
            }

            kernel = [(int)p.KernelH, (int)p.KernelW];
        }
        else
        {
            kernel = PerAxis(p.KernelSize, "kernel_size", null, spatialAxes, layer);
        }

        for (var i = 0; i < spatialAxes; i++)
        {
            if (kernel[i] <= 0)
            {
                throw layer.Error($"convolution_param: the kernel size must be positive on every spatial axis, got {kernel[i]} on axis {i}");
            }
        }

        int[] pad;
        if (p.HasPadH || p.HasPadW)
        {
            RequireTwoDimensional("pad_h and pad_w", spatialAxes, layer);
            if (p.Pad.Count != 0)
            {
                throw layer.Error("give convolution_param.pad or pad_h and pad_w, not both");
            }

            pad = [(int)p.PadH, (int)p.PadW];
        }
        else
        {
            pad = PerAxis(p.Pad, "pad", 0, spatialAxes, layer);
        }

        int[] stride;
        if (p.HasStrideH || p.HasStrideW)
        {
            RequireTwoDimensional("stride_h and stride_w", spatialAxes, layer);
            if (p.Stride.Count != 0)
            {
                throw layer.Error("give convolution_param.stride or stride_h and stride_w, not both");
            }

            stride = [(int)p.StrideH, (int)p.StrideW];
        }
        else
        {
            stride = PerAxis(p.Stride, "stride", 1, spatialAxes, layer);
        }

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

    private static void RequireTwoDimensional(string fields, int spatialAxes, Layer layer)
    {
        if (spatialAxes != 2)
        {
            throw layer.Error($"convolution_param.{fields} can only be used for 2-D convolution; the bottom has {spatialAxes} spatial axes");
        }
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
