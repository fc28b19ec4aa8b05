using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// ReduceSum, ReduceMean, ReduceL1, ReduceSumSquare and ReduceL2 over the trailing axes (Reduction), ArgMax and TopK
/// (ArgMax along an axis).
/// </summary>
/// <remarks>
/// Caffe's ArgMax ranks equal values by index, the larger first, where ONNX takes the smaller first (unless
/// select_last_index): on ties the indices differ, on distinct values they agree.
/// </remarks>
internal static class ReductionImport
{
    /// <summary>ReduceSum: Reduction SUM.</summary>
    public static void ReduceSum(OnnxGraphImporter importer, OnnxNode node) => Reduce(importer, node, ReductionParameter.Types.ReductionOp.Sum, root: false);

    /// <summary>ReduceMean: Reduction MEAN.</summary>
    public static void ReduceMean(OnnxGraphImporter importer, OnnxNode node) => Reduce(importer, node, ReductionParameter.Types.ReductionOp.Mean, root: false);

    /// <summary>ReduceL1: Reduction ASUM.</summary>
    public static void ReduceL1(OnnxGraphImporter importer, OnnxNode node) => Reduce(importer, node, ReductionParameter.Types.ReductionOp.Asum, root: false);

    /// <summary>ReduceSumSquare: Reduction SUMSQ.</summary>
    public static void ReduceSumSquare(OnnxGraphImporter importer, OnnxNode node) => Reduce(importer, node, ReductionParameter.Types.ReductionOp.Sumsq, root: false);

    /// <summary>ReduceL2: Reduction SUMSQ, then Power 0.5.</summary>
    public static void ReduceL2(OnnxGraphImporter importer, OnnxNode node) => Reduce(importer, node, ReductionParameter.Types.ReductionOp.Sumsq, root: true);

    /// <summary>ArgMax along one axis: Caffe's ArgMax with that axis (top_k 1), then a Reshape dropping the axis without keepdims.</summary>
    public static void ArgMax(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var axis = ShapeImport.CanonicalAxis(node, node.Int("axis", 0), input);
        var keep = node.Int("keepdims", 1) != 0;
        var layer = importer.NewLayer(node, "ArgMax");
        layer.ArgmaxParam = new ArgMaxParameter { Axis = axis, TopK = 1 };
        ImportedValue value;
        if (keep)
        {
            value = importer.Produce(node, layer, [input]);
        }
        else
        {
            var indices = importer.AddLayer(node, layer, [input], [importer.IntermediateBlob(node.Output(0), "kept")])[0];
            var shape = input.Shape.Where((_, i) => i != axis).ToArray();
            value = ShapeImport.ReshapeTo(importer, node, indices, shape, role: null, keepFirst: axis != 0);
        }

        importer.Define(node, node.Output(0), value with { Kind = ImportedValueKind.Index, NonNegative = true });
    }

    /// <summary>TopK of the largest values: Caffe's ArgMax along the axis with top_k = k, one layer per output used (values: out_max_val).</summary>
    public static void TopK(OnnxGraphImporter importer, OnnxNode node)
    {
        if (node.Int("largest", 1) == 0)
        {
            throw node.Error("largest is 0: Caffe's ArgMax takes the largest values only");
        }

        var input = importer.Activation(node, 0);
        var k = importer.Opset < 10
            ? node.Int("k", 0)
            : importer.Constant(node, 1, "k") is { Count: 1 } constant ? (long)constant.Values[0] : throw node.Error("k is not one value");
        var axis = ShapeImport.CanonicalAxis(node, node.Int("axis", -1), input);
        if (k < 1 || k > input.Shape[axis])
        {
            throw node.Error($"k = {k} is not between 1 and the size {input.Shape[axis]} of axis {axis}");
        }

        var first = true;
        for (var output = 0; output < 2; output++)
        {
            if (!importer.IsUsed(node.Output(output)))
            {
                continue;
            }

            var values = output == 0;
            var layer = importer.NewLayer(node, "ArgMax", first ? null : "indices");
            layer.ArgmaxParam = new ArgMaxParameter { Axis = axis, TopK = (uint)k, OutMaxVal = values };
            var top = importer.AddLayer(node, layer, [input], [node.Output(output)])[0];
            importer.Define(node, node.Output(output), values ? top : top with { Kind = ImportedValueKind.Index, NonNegative = true });
            first = false;
        }
    }

    private static void Reduce(OnnxGraphImporter importer, OnnxNode node, ReductionParameter.Types.ReductionOp operation, bool root)
    {
        var input = importer.Activation(node, 0);
        var axes = ShapeImport.Axes(importer, node, input.Rank);
        if (axes is null or [])
        {
            if (node.Int("noop_with_empty_axes", 0) != 0)
            {
                importer.Alias(node, node.Output(0), input);
                return;
            }

            axes = [.. Enumerable.Range(0, input.Rank)];
        }

        var first = input.Rank - axes.Length;
        if (axes[0] != first || axes[^1] != input.Rank - 1)
        {
            throw node.Error($"axes [{string.Join(", ", axes)}] of the input {input.ShapeText} are not the trailing axes, which Caffe's Reduction reduces (axis {{a}} to the last)");
        }

        var keep = node.Int("keepdims", 1) != 0;
        var layer = importer.NewLayer(node, "Reduction");
        layer.ReductionParam = new ReductionParameter { Operation = operation, Axis = first };
        var steps = 1 + (root ? 1 : 0) + (keep ? 1 : 0);
        var current = Step(importer, node, layer, input, --steps == 0, "reduced");
        if (root)
        {
            var power = importer.NewLayer(node, "Power", "root");
            power.PowerParam = new PowerParameter { Power = 0.5f };
            current = Step(importer, node, power, current, --steps == 0, "root");
        }

        if (keep)
        {
            int[] shape = [.. input.Shape[..first], .. Enumerable.Repeat(1, axes.Length)];
            ShapeImport.ReshapeTo(importer, node, current, shape, role: null, keepFirst: first > 0);
        }
    }

    private static ImportedValue Step(OnnxGraphImporter importer, OnnxNode node, LayerParameter layer, ImportedValue input, bool last, string role) =>
        last ? importer.Produce(node, layer, [input]) : importer.AddLayer(node, layer, [input], [importer.IntermediateBlob(node.Output(0), role)])[0];
}
