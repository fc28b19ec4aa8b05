using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>Conv (Convolution) and ConvTranspose (Deconvolution), whose weight layouts are Caffe's.</summary>
/// <remarks>
/// Caffe pads both ends of an axis alike. Pads that differ (or auto_pad SAME_*, or a Pad node folded in) map to the
/// leading pad when the convolution's windows then stay the same: Caffe's output size floor((in + 2 begin - extent) /
/// stride) + 1 equals ONNX's floor((in + begin + end - extent) / stride) + 1, so the trailing padding Caffe adds or
/// lacks is never read.
/// </remarks>
internal static class ConvolutionImport
{
    /// <summary>Conv: Convolution with the same group, strides, dilations and (leading) pads.</summary>
    public static void Conv(OnnxGraphImporter importer, OnnxNode node)
    {
        var (input, padding) = importer.PaddedActivation(node, 0);
        var weight = importer.Constant(node, 1, "the weights");
        var spatial = input.Rank - 2;
        if (spatial < 1 || weight.Dims.Length != input.Rank)
        {
            throw node.Error($"the input {input.ShapeText} and the weights {weight.ShapeText} are not N x C x spatial and O x C/group x kernel");
        }

        var kernel = Kernel(node, weight, spatial);
        var strides = PerAxis(node, "strides", spatial, 1, minimum: 1);
        var dilations = PerAxis(node, "dilations", spatial, 1, minimum: 1);
        var sizes = input.Shape[2..];
        var extents = kernel.Select((k, i) => (int)Math.Min(int.MaxValue / 4, ((long)dilations[i] * (k - 1)) + 1)).ToArray();
        if (padding is not null && (padding.Value != 0f || !padding.SpatialOnly))
        {
            throw node.Error($"it reads {padding.Node.Label}, which pads with {padding.Value} or pads the batch or channel axis; Caffe's Convolution pads spatial axes with zeros only");
        }

        // auto_pad sizes the node's own pads on its input, the Pad node's output.
        var padded = padding is null ? sizes : [.. sizes.Select((size, i) => size + padding.Begin[2 + i] + padding.End[2 + i])];
        var (begin, end) = Pads(node, padded, extents, strides);
        for (var i = 0; i < spatial && padding is not null; i++)
        {
            begin[i] += padding.Begin[2 + i];
            end[i] += padding.End[2 + i];
        }

        for (var i = 0; i < spatial; i++)
        {
            var caffe = ((sizes[i] + (2L * begin[i]) - extents[i]) / strides[i]) + 1;
            var onnx = ((sizes[i] + (long)begin[i] + end[i] - extents[i]) / strides[i]) + 1;
            if (caffe != onnx)
            {
                throw node.Error($"pads {begin[i]} and {end[i]} on spatial axis {i}: Caffe pads both ends alike, and with pad {begin[i]} its output size is {caffe}, ONNX's {onnx}");
            }
        }

        var group = Group(node, input.Shape[1]);
        var outputs = (int)weight.Dims[0];
        var layer = importer.NewLayer(node, "Convolution");
        layer.ConvolutionParam = Parameter(outputs, group, kernel, begin, strides, dilations, node.HasInput(2));
        Produce(importer, node, layer, input, weight, outputs);
    }

    /// <summary>
    /// ConvTranspose: Deconvolution with the same group, strides, dilations and pads, which must be alike at both ends;
    /// output_padding and an output_shape other than the one the pads give are refused.
    /// </summary>
    public static void ConvTranspose(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var weight = importer.Constant(node, 1, "the weights");
        var spatial = input.Rank - 2;
        if (spatial < 1 || weight.Dims.Length != input.Rank)
        {
            throw node.Error($"the input {input.ShapeText} and the weights {weight.ShapeText} are not N x C x spatial and C x O/group x kernel");
        }

        var autoPad = node.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID"))
        {
            throw node.Error($"auto_pad {autoPad} pads each axis to an output size of its own; Caffe's Deconvolution takes explicit pads");
        }

        var kernel = Kernel(node, weight, spatial);
        var strides = PerAxis(node, "strides", spatial, 1, minimum: 1);
        var dilations = PerAxis(node, "dilations", spatial, 1, minimum: 1);
        var pads = autoPad == "VALID" ? new int[2 * spatial] : PerAxis(node, "pads", 2 * spatial, 0);
        if (PerAxis(node, "output_padding", spatial, 0).Any(p => p != 0))
        {
            throw node.Error("output_padding adds rows Caffe's Deconvolution does not compute");
        }

        var expected = new int[spatial];
        for (var i = 0; i < spatial; i++)
        {
            if (pads[i] != pads[spatial + i])
            {
                throw node.Error($"pads {pads[i]} and {pads[spatial + i]} on spatial axis {i}: Caffe's Deconvolution pads both ends alike");
            }

            var size = ((long)strides[i] * (input.Shape[2 + i] - 1)) + ((long)dilations[i] * (kernel[i] - 1)) + 1 - (2L * pads[i]);
            expected[i] = size is > 0 and <= int.MaxValue
                ? (int)size
                : throw node.Error($"its output on spatial axis {i} would have {size} elements; a blob's dimensions are 1 to {int.MaxValue}");
        }

        if (node.Ints("output_shape") is { } outputShape && !outputShape.TakeLast(spatial).Select(d => (int)d).SequenceEqual(expected))
        {
            throw node.Error($"output_shape [{string.Join(", ", outputShape)}] is not the size the pads give ({string.Join(", ", expected)}), the only one Caffe's Deconvolution computes");
        }

        var group = Group(node, input.Shape[1]);
        var outputs = (int)Math.Min(int.MaxValue, weight.Dims[1] * group);
        var layer = importer.NewLayer(node, "Deconvolution");
        layer.ConvolutionParam = Parameter(outputs, group, kernel, pads[..spatial], strides, dilations, node.HasInput(2));
        var value = Produce(importer, node, layer, input, weight, outputs);
        if (!value.Shape.AsSpan(2).SequenceEqual(expected))
        {
            throw node.Error($"Caffe's Deconvolution gives {value.ShapeText}, ONNX spatial sizes {ImportedValue.ShapeOf(expected)}");
        }
    }

    /// <summary>
    /// The pads before and after each spatial axis: the <c>pads</c> attribute, or what auto_pad SAME_UPPER or
    /// SAME_LOWER computes (the extra one after, or before), or none for VALID.
    /// </summary>
    internal static (int[] Begin, int[] End) Pads(OnnxNode node, int[] sizes, int[] extents, int[] strides)
    {
        var spatial = sizes.Length;
        var autoPad = node.String("auto_pad", "NOTSET");
        var begin = new int[spatial];
        var end = new int[spatial];
        switch (autoPad)
        {
            case "NOTSET":
                var pads = PerAxis(node, "pads", 2 * spatial, 0);
                pads[..spatial].CopyTo(begin, 0);
                pads[spatial..].CopyTo(end, 0);
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (var i = 0; i < spatial; i++)
                {
                    var output = (sizes[i] + strides[i] - 1) / strides[i];
                    var total = Math.Max(0, ((output - 1) * strides[i]) + extents[i] - sizes[i]);
                    begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                    end[i] = total - begin[i];
                }

                break;
            default:
                throw node.Error($"auto_pad '{autoPad}' is not one ONNX defines");
        }

        if (begin.Any(p => p < 0) || end.Any(p => p < 0))
        {
            throw node.Error("a pad is negative");
        }

        return (begin, end);
    }

    /// <summary>
    /// An integer list attribute of <paramref name="count"/> values, each at least <paramref name="minimum"/> (0 for
    /// pads, 1 for strides, dilations and kernel sizes), or <paramref name="defaultValue"/> for each when absent.
    /// </summary>
    internal static int[] PerAxis(OnnxNode node, string name, int count, int defaultValue, int minimum = 0)
    {
        var given = node.Ints(name);
        if (given is null)
        {
            return [.. Enumerable.Repeat(defaultValue, count)];
        }

        return given.Length == count && given.All(v => v >= minimum && v <= int.MaxValue / 4)
            ? [.. given.Select(v => (int)v)]
            : throw node.Error($"{name} [{string.Join(", ", given)}] are not {count} {(minimum > 0 ? "positive" : "non-negative")} values");
    }

    /// <summary>The group attribute, which must divide the input's <paramref name="channels"/>.</summary>
    internal static int Group(OnnxNode node, int channels)
    {
        var group = node.Int("group", 1);
        return group >= 1 && group <= channels && channels % group == 0
            ? (int)group
            : throw node.Error($"group {group} is not a positive divisor of the input's {channels} channels");
    }

    private static int[] Kernel(OnnxNode node, OnnxConstant weight, int spatial)
    {
        if (node.Ints("kernel_shape") is { } declared && !declared.AsSpan().SequenceEqual(weight.Dims.AsSpan(2)))
        {
            throw node.Error($"kernel_shape [{string.Join(", ", declared)}] is not the weights' {weight.ShapeText}");
        }

        if (weight.Dims.Length - 2 != spatial)
        {
            throw node.Error($"the weights {weight.ShapeText} do not have {spatial} spatial axes");
        }

        // A constant's dims are at most int.MaxValue (OnnxTensors refuses more).
        var kernel = weight.Dims[2..].Select(d => (int)d).ToArray();
        return kernel.All(k => k > 0) ? kernel : throw node.Error($"the weights {weight.ShapeText} have an empty kernel; a kernel size is 1 or more");
    }

    private static ConvolutionParameter Parameter(int outputs, int group, int[] kernel, int[] pads, int[] strides, int[] dilations, bool bias)
    {
        var p = new ConvolutionParameter { NumOutput = (uint)outputs, Group = (uint)group, BiasTerm = bias };
        p.KernelSize.AddRange(OnceOrPerAxis(kernel));
        if (pads.Any(v => v != 0))
        {
            p.Pad.AddRange(OnceOrPerAxis(pads));
        }

        if (strides.Any(v => v != 1))
        {
            p.Stride.AddRange(OnceOrPerAxis(strides));
        }

        if (dilations.Any(v => v != 1))
        {
            p.Dilation.AddRange(OnceOrPerAxis(dilations));
        }

        return p;
    }

    private static uint[] OnceOrPerAxis(int[] values) =>
        values.All(v => v == values[0]) ? [(uint)values[0]] : [.. values.Select(v => (uint)v)];

    private static ImportedValue Produce(OnnxGraphImporter importer, OnnxNode node, LayerParameter layer, ImportedValue input, OnnxConstant weight, int outputs)
    {
        var shape = weight.Dims.Select(d => (int)d).ToArray();
        if (!node.HasInput(2))
        {
            return importer.Produce(node, layer, [input], OnnxGraphImporter.BlobOf(shape, weight.Values));
        }

        var bias = importer.Constant(node, 2, "the bias");
        return bias.Count == outputs
            ? importer.Produce(node, layer, [input], OnnxGraphImporter.BlobOf(shape, weight.Values), OnnxGraphImporter.BlobOf([outputs], bias.Values))
            : throw node.Error($"the bias {bias.ShapeText} is not one value per output channel ({outputs})");
    }
}
