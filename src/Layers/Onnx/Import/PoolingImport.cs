using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// MaxPool and AveragePool (Pooling with a pad and a rounding that give ONNX's windows and divisors, see
/// <see cref="PoolingWindow"/>), GlobalAveragePool and GlobalMaxPool (global_pooling), and Pad, which folds into the
/// convolution or pooling that alone reads it.
/// </summary>
internal static class PoolingImport
{
    /// <summary>MaxPool: Pooling MAX. A folded Pad must pad with -inf, or with 0 or less a blob known not to be negative.</summary>
    public static void MaxPool(OnnxGraphImporter importer, OnnxNode node)
    {
        if (importer.IsUsed(node.Output(1)))
        {
            throw node.Error($"its indices output '{node.Output(1)}' is used; Caffe's Pooling gives indices within a plane, not ONNX's");
        }

        Window(importer, node, PoolingParameter.Types.PoolMethod.Max);
    }

    /// <summary>AveragePool: Pooling AVE where Caffe's divisor is ONNX's in every window (count_include_pad, ceil_mode and pads permitting).</summary>
    public static void AveragePool(OnnxGraphImporter importer, OnnxNode node) => Window(importer, node, PoolingParameter.Types.PoolMethod.Ave);

    /// <summary>GlobalMaxPool: Pooling MAX with global_pooling (4-D input).</summary>
    public static void GlobalMaxPool(OnnxGraphImporter importer, OnnxNode node) => Global(importer, node, PoolingParameter.Types.PoolMethod.Max);

    /// <summary>GlobalAveragePool: Pooling AVE with global_pooling (4-D input), or Reduction MEAN and a Reshape for other ranks.</summary>
    public static void GlobalAveragePool(OnnxGraphImporter importer, OnnxNode node) => Global(importer, node, PoolingParameter.Types.PoolMethod.Ave);

    /// <summary>
    /// Pad (constant mode): no layer of its own; the Conv, MaxPool or AveragePool that alone reads its output takes
    /// the padding into its pad. Pads of all zeros alias the input.
    /// </summary>
    public static void Pad(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var mode = node.String("mode", "constant");
        if (mode != "constant")
        {
            throw node.Error($"mode '{mode}': Caffe's convolution and pooling pad with a constant only");
        }

        long[] pads;
        float value;
        long[]? axes = null;
        if (importer.Opset < 11)
        {
            pads = node.Ints("pads") ?? throw node.Error("the pads are not given");
            value = node.Float("value", 0f);
        }
        else
        {
            pads = importer.Constant(node, 1, "the pads").AsIntegers() ?? throw node.Error("the pads are not integers");
            value = importer.TryConstant(node, 2) is { Count: 1 } constant ? constant.Values[0] : node.HasInput(2) ? throw node.Error("the constant value is not one value") : 0f;
            axes = node.HasInput(3) ? importer.Constant(node, 3, "the axes").AsIntegers() : null;
        }

        axes ??= [.. Enumerable.Range(0, input.Rank).Select(i => (long)i)];
        if (pads.Length != 2 * axes.Length)
        {
            throw node.Error($"{pads.Length} pads for {axes.Length} axes");
        }

        var begin = new int[input.Rank];
        var end = new int[input.Rank];
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = ShapeImport.CanonicalAxis(node, axes[i], input);
            if (pads[i] < 0 || pads[axes.Length + i] < 0 || pads[i] > int.MaxValue / 4 || pads[axes.Length + i] > int.MaxValue / 4)
            {
                throw node.Error($"the pads [{string.Join(", ", pads)}] crop (negative) or are too large; Caffe pads only");
            }

            begin[axis] = (int)pads[i];
            end[axis] = (int)pads[axes.Length + i];
        }

        if (begin.All(p => p == 0) && end.All(p => p == 0))
        {
            importer.Alias(node, node.Output(0), input);
            return;
        }

        if (importer.SoleConsumer(node) is not { OpType: "Conv" or "MaxPool" or "AveragePool" } reader || reader.Input(0) != node.Output(0))
        {
            throw node.Error("no Caffe layer pads a blob; LayerNet folds a Pad only into the Conv, MaxPool or AveragePool that alone reads it");
        }

        importer.DeferPad(node, new PendingPad(node, input, begin, end, value));
    }

    private static void Window(OnnxGraphImporter importer, OnnxNode node, PoolingParameter.Types.PoolMethod method)
    {
        var (input, padding) = importer.PaddedActivation(node, 0);
        if (input.Rank != 4)
        {
            throw node.Error($"the input {input.ShapeText} is not N x C x H x W; Caffe's Pooling is 2-D");
        }

        var kernel = node.Has("kernel_shape") ? ConvolutionImport.PerAxis(node, "kernel_shape", 2, 0, minimum: 1) : throw node.Error("kernel_shape is not given");
        var strides = ConvolutionImport.PerAxis(node, "strides", 2, 1, minimum: 1);
        if (ConvolutionImport.PerAxis(node, "dilations", 2, 1, minimum: 1).Any(d => d != 1))
        {
            throw node.Error("dilations other than 1: Caffe's Pooling windows are dense");
        }

        var zeroBegin = new int[2];
        var zeroEnd = new int[2];
        if (padding is not null)
        {
            CheckPadding(node, padding, input, method);
            zeroBegin = padding.Begin[2..];
            zeroEnd = padding.End[2..];
        }

        var padded = new[] { input.Shape[2] + zeroBegin[0] + zeroEnd[0], input.Shape[3] + zeroBegin[1] + zeroEnd[1] };
        var (begin, end) = ConvolutionImport.Pads(node, padded, kernel, strides);
        var ceil = node.Int("ceil_mode", 0) != 0;
        var countIncludePad = node.Int("count_include_pad", 0) != 0;
        var windows = new PoolingWindow[2];
        for (var i = 0; i < 2; i++)
        {
            windows[i] = new PoolingWindow(input.Shape[2 + i], kernel[i], strides[i], zeroBegin[i], zeroEnd[i], begin[i], end[i]);
        }

        var floor = Rounding(node, windows, ceil, method == PoolingParameter.Types.PoolMethod.Ave ? countIncludePad : null);
        var p = new PoolingParameter { Pool = method };
        if (kernel[0] == kernel[1])
        {
            p.KernelSize = (uint)kernel[0];
        }
        else
        {
            (p.KernelH, p.KernelW) = ((uint)kernel[0], (uint)kernel[1]);
        }

        if (strides[0] == strides[1])
        {
            p.Stride = (uint)strides[0];
        }
        else
        {
            (p.StrideH, p.StrideW) = ((uint)strides[0], (uint)strides[1]);
        }

        if (windows[0].CaffePad == windows[1].CaffePad)
        {
            p.Pad = (uint)windows[0].CaffePad;
        }
        else
        {
            (p.PadH, p.PadW) = ((uint)windows[0].CaffePad, (uint)windows[1].CaffePad);
        }

        if (floor)
        {
            p.RoundMode = PoolingParameter.Types.RoundMode.Floor;
        }

        var layer = importer.NewLayer(node, "Pooling");
        layer.PoolingParam = p;
        var value = importer.Produce(node, layer, [input]);
        importer.Define(node, node.Output(0), value with { NonNegative = input.NonNegative });
    }

    // Caffe's rounding (false: CEIL, its default; true: FLOOR) under which its windows, and for averages its divisors,
    // are ONNX's on both axes; refused when neither gives them.
    private static bool Rounding(OnnxNode node, PoolingWindow[] windows, bool ceil, bool? countIncludePad)
    {
        string? reason = null;
        foreach (var floor in new[] { false, true })
        {
            reason = null;
            for (var i = 0; i < windows.Length && reason is null; i++)
            {
                var window = windows[i];
                var onnx = window.OnnxOutputSize(ceil);
                var caffe = window.CaffeOutputSize(floor);
                if (onnx != caffe)
                {
                    reason = $"on spatial axis {i} Caffe's Pooling with pad {window.CaffePad} gives {caffe} outputs ({(floor ? "FLOOR" : "CEIL")}), ONNX {onnx} (pads {window.PadBegin} and {window.PadEnd}{(window.ZeroBegin + window.ZeroEnd > 0 ? $" after a Pad of {window.ZeroBegin} and {window.ZeroEnd}" : string.Empty)}, ceil_mode {(ceil ? 1 : 0)})";
                }
                else if (countIncludePad is { } include && !window.SameDivisors(onnx, include))
                {
                    reason = $"on spatial axis {i} Caffe's average divides by the window clipped to the input padded by {window.CaffePad} at both ends, which is not ONNX's divisor (count_include_pad {(include ? 1 : 0)}, pads {window.PadBegin} and {window.PadEnd}{(window.ZeroBegin + window.ZeroEnd > 0 ? $" after a Pad of {window.ZeroBegin} and {window.ZeroEnd}" : string.Empty)}, ceil_mode {(ceil ? 1 : 0)})";
                }
            }

            if (reason is null)
            {
                return floor;
            }
        }

        throw node.Error(reason!);
    }

    private static void CheckPadding(OnnxNode node, PendingPad padding, ImportedValue input, PoolingParameter.Types.PoolMethod method)
    {
        if (!padding.SpatialOnly)
        {
            throw node.Error($"it reads {padding.Node.Label}, which pads the batch or channel axis");
        }

        if (method == PoolingParameter.Types.PoolMethod.Ave && padding.Value != 0f)
        {
            throw node.Error($"it reads {padding.Node.Label}, which pads with {padding.Value}; Caffe's average counts zeros as padding");
        }

        // A maximum ignores padding no larger than every window's largest input: -inf always, 0 or less over a blob that is never negative.
        if (method == PoolingParameter.Types.PoolMethod.Max && !float.IsNegativeInfinity(padding.Value) && !(padding.Value <= 0f && input.NonNegative))
        {
            throw node.Error($"it reads {padding.Node.Label}, which pads with {padding.Value}, a value that may be a window's maximum; Caffe's maximum ignores padding");
        }
    }

    private static void Global(OnnxGraphImporter importer, OnnxNode node, PoolingParameter.Types.PoolMethod method)
    {
        var input = importer.Activation(node, 0);
        if (input.Rank == 4)
        {
            var layer = importer.NewLayer(node, "Pooling");
            layer.PoolingParam = new PoolingParameter { Pool = method, GlobalPooling = true };
            var value = importer.Produce(node, layer, [input]);
            importer.Define(node, node.Output(0), value with { NonNegative = input.NonNegative });
            return;
        }

        if (method == PoolingParameter.Types.PoolMethod.Max || input.Rank < 3)
        {
            throw node.Error($"the input {input.ShapeText} is not N x C x H x W, the only form Caffe's global pooling takes");
        }

        var mean = importer.NewLayer(node, "Reduction");
        mean.ReductionParam = new ReductionParameter { Operation = ReductionParameter.Types.ReductionOp.Mean, Axis = 2 };
        var reduced = importer.AddLayer(node, mean, [input], [importer.IntermediateBlob(node.Output(0), "mean")])[0];
        ShapeImport.ReshapeTo(importer, node, reduced, [.. input.Shape[..2], .. Enumerable.Repeat(1, input.Rank - 2)], role: null, keepFirst: true);
    }
}
