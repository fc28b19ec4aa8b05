using System.Globalization;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// A layer in a few short lines: the parameters that shape what it computes (num_output, kernel, stride, pad,
/// pooling method, dropout ratio, loss weight, ...), and the names of its learnable blobs.
/// </summary>
internal static class LayerDescription
{
    /// <summary>The key parameters of <paramref name="layer"/>, one short line each; none for a plain layer.</summary>
    public static IReadOnlyList<string> KeyParameters(DrawnLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter;
        var lines = new List<string>();
        switch (layer.Type)
        {
            case "InnerProduct" when p.InnerProductParam is { } ip:
                lines.Add(Join($"num_output {ip.NumOutput}", ip.BiasTerm ? null : "no bias", ip.Axis != 1 ? $"axis {ip.Axis}" : null, ip.Transpose ? "transposed" : null));
                break;
            case "Embed" when p.EmbedParam is { } embed:
                lines.Add(Join($"num_output {embed.NumOutput}", $"input_dim {embed.InputDim}", embed.BiasTerm ? null : "no bias"));
                break;
            case "Convolution" or "Deconvolution" when p.ConvolutionParam is { } conv:
                lines.Add(Join($"num_output {conv.NumOutput}", conv.Group != 1 ? $"group {conv.Group}" : null, conv.BiasTerm ? null : "no bias"));
                lines.Add(Join(
                    $"kernel {Extent([.. conv.KernelSize], conv.HasKernelH, conv.KernelH, conv.KernelW, 0, square: true)}",
                    $"stride {Extent([.. conv.Stride], conv.HasStrideH, conv.StrideH, conv.StrideW, 1)}",
                    $"pad {Extent([.. conv.Pad], conv.HasPadH, conv.PadH, conv.PadW, 0)}",
                    conv.Dilation.Count > 0 && conv.Dilation.Any(d => d != 1) ? $"dilation {string.Join('×', conv.Dilation)}" : null));
                break;
            case "Pooling" when p.PoolingParam is { } pool:
                lines.Add(pool.GlobalPooling
                    ? $"global {Method(pool.Pool)}"
                    : Join(
                        $"{Method(pool.Pool)} {Extent(pool.HasKernelSize ? [pool.KernelSize] : [], pool.HasKernelH, pool.KernelH, pool.KernelW, 0, square: true)}",
                        $"stride {Extent(pool.HasStride ? [pool.Stride] : [], pool.HasStrideH, pool.StrideH, pool.StrideW, 1)}",
                        $"pad {Extent(pool.HasPad ? [pool.Pad] : [], pool.HasPadH, pool.PadH, pool.PadW, 0)}"));
                break;
            case "Pooling":
                lines.Add("MAX");
                break;
            case "LRN":
                var lrn = p.LrnParam ?? new LRNParameter();
                lines.Add(Join($"local_size {lrn.LocalSize}", $"alpha {Number(lrn.Alpha)}", $"beta {Number(lrn.Beta)}"));
                if (lrn.NormRegion == LRNParameter.Types.NormRegion.WithinChannel)
                {
                    lines.Add("within channel");
                }

                break;
            case "Dropout":
                lines.Add($"ratio {Number((p.DropoutParam ?? new DropoutParameter()).DropoutRatio)}");
                break;
            case "ReLU" when p.ReluParam is { NegativeSlope: not 0f } relu:
                lines.Add($"negative_slope {Number(relu.NegativeSlope)}");
                break;
            case "ELU" when p.EluParam is { } elu:
                lines.Add($"alpha {Number(elu.Alpha)}");
                break;
            case "Power" when p.PowerParam is { } power:
                lines.Add($"({Number(power.Shift)} + {Number(power.Scale)} x)^{Number(power.Power)}");
                break;
            case "Eltwise":
                var eltwise = p.EltwiseParam ?? new EltwiseParameter();
                lines.Add(eltwise.Operation.ToString().ToUpperInvariant() + (eltwise.Coeff.Count > 0 ? $" coeff {string.Join(", ", eltwise.Coeff.Select(Number))}" : string.Empty));
                break;
            case "Concat" when p.ConcatParam is { } concat && (concat.HasAxis || concat.HasConcatDim):
                lines.Add($"axis {(concat.HasConcatDim ? (int)concat.ConcatDim : concat.Axis)}");
                break;
            case "Slice" when p.SliceParam is { } slice:
                lines.Add(Join(slice.Axis != 1 ? $"axis {slice.Axis}" : null, slice.SlicePoint.Count > 0 ? $"at {string.Join(", ", slice.SlicePoint)}" : null));
                break;
            case "Softmax" or "SoftmaxWithLoss" when p.SoftmaxParam is { Axis: not 1 } softmax:
                lines.Add($"axis {softmax.Axis}");
                break;
            case "Flatten" when p.FlattenParam is { } flatten && (flatten.Axis != 1 || flatten.EndAxis != -1):
                lines.Add($"axes {flatten.Axis} to {flatten.EndAxis}");
                break;
            case "Reshape" when p.ReshapeParam?.Shape is { } shape:
                lines.Add($"shape {string.Join('×', shape.Dim)}");
                break;
            case "Accuracy" when p.AccuracyParam is { TopK: not 1u } accuracy:
                lines.Add($"top_k {accuracy.TopK}");
                break;
            case "HDF5Data" when p.Hdf5DataParam is { } hdf5:
                lines.Add(Join($"batch {hdf5.BatchSize}", hdf5.Shuffle ? "shuffled" : null));
                lines.Add(Path.GetFileName(hdf5.Source));
                break;
            case "Data" when p.DataParam is { } data:
                lines.Add(Join($"batch {data.BatchSize}", data.Backend.ToString().ToUpperInvariant()));
                lines.Add(Path.GetFileName(data.Source.TrimEnd('/')));
                break;
            case "MemoryData" when p.MemoryDataParam is { } memory:
                lines.Add($"batch {memory.BatchSize}");
                break;
            case "ImageData" when p.ImageDataParam is { } image:
                lines.Add($"batch {image.BatchSize}");
                lines.Add(Path.GetFileName(image.Source));
                break;
        }

        if (p.TransformParam is { } transform && (transform.HasScale || transform.HasCropSize || transform.Mirror || transform.HasMeanFile || transform.MeanValue.Count > 0))
        {
            lines.Add(Join(
                transform.HasScale ? $"scale {Number(transform.Scale)}" : null,
                transform.HasCropSize ? $"crop {transform.CropSize}" : null,
                transform.Mirror ? "mirror" : null,
                transform.HasMeanFile || transform.MeanValue.Count > 0 ? "mean subtracted" : null));
        }

        for (var k = 0; k < layer.LossWeights.Count; k++)
        {
            var weight = layer.LossWeights[k];
            if (weight != 0f)
            {
                lines.Add(layer.LossWeights.Count == 1 ? $"loss_weight {Number(weight)}" : $"loss_weight {Number(weight)} (top {k})");
            }
        }

        if (layer.Learns && p.Param.Count > 0 && p.Param.All(spec => spec.LrMult == 0f))
        {
            lines.Add("frozen (lr_mult 0)");
        }

        lines.RemoveAll(string.IsNullOrEmpty);
        return lines;
    }

    /// <summary>What the learnable blob <paramref name="index"/> of <paramref name="layer"/> is: its ParamSpec name, or the usual name for the layer type.</summary>
    public static string ParameterName(DrawnLayer layer, int index)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (index < layer.Parameter.Param.Count && layer.Parameter.Param[index].Name.Length > 0)
        {
            return layer.Parameter.Param[index].Name;
        }

        string[] names = layer.Type switch
        {
            "InnerProduct" or "Convolution" or "Deconvolution" or "Embed" => ["weights", "bias"],
            "Scale" => ["scale", "bias"],
            "Bias" => ["bias"],
            "PReLU" => ["slopes"],
            "BatchNorm" => ["mean", "variance", "scale factor"],
            _ => [],
        };
        return index < names.Length ? names[index] : $"blobs[{index}]";
    }

    /// <summary>A shape as <c>64×100</c>; a scalar (no axes) as <c>scalar</c>.</summary>
    public static string Shape(Blob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return blob.Shape.Count == 0 ? "scalar" : string.Join('×', blob.Shape);
    }

    private static string Method(PoolingParameter.Types.PoolMethod method) => method.ToString().ToUpperInvariant();

    private static string Extent(uint[] values, bool hasHeightWidth, uint height, uint width, uint absent, bool square = false)
    {
        if (hasHeightWidth)
        {
            return $"{height}×{width}";
        }

        return values.Length switch
        {
            0 => absent.ToString(CultureInfo.InvariantCulture),
            1 => square ? $"{values[0]}×{values[0]}" : $"{values[0]}",
            _ => string.Join('×', values),
        };
    }

    private static string Join(params string?[] parts) => string.Join(", ", parts.Where(part => !string.IsNullOrEmpty(part)));

    private static string Number(float value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
