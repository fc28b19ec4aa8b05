using Caffe;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// The operators that move values without computing: Flatten, Reshape, Squeeze, Unsqueeze (Flatten or Reshape), Tile,
/// Concat, Split and Slice (Slice), and Identity, Dropout and Cast, which alias their input.
/// </summary>
internal static class ShapeImport
{
    /// <summary>Flatten: Caffe's Flatten for axis 1 (N x rest), else a Reshape to ONNX's two dimensions.</summary>
    public static void Flatten(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var given = node.Int("axis", 1);
        if (given < -input.Rank || given > input.Rank)
        {
            throw node.Error($"axis {given} is out of range for the input {input.ShapeText}");
        }

        var axis = (int)(given < 0 ? given + input.Rank : given);

        if (axis == 1 && input.Rank >= 2)
        {
            importer.Produce(node, importer.NewLayer(node, "Flatten"), [input]);
            return;
        }

        var before = 1;
        for (var i = 0; i < axis; i++)
        {
            before *= input.Shape[i];
        }

        ReshapeTo(importer, node, input, [before, Count(input.Shape) / Math.Max(before, 1)], role: null, keepFirst: axis > 0);
    }

    /// <summary>Reshape with a constant shape: Caffe's Reshape, whose 0 (copy) and -1 (infer) mean what ONNX's do.</summary>
    public static void Reshape(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var shape = importer.Constant(node, 1, "the shape").AsIntegers() ?? throw node.Error("the shape is not integers");
        if (node.Int("allowzero", 0) != 0 && Array.IndexOf(shape, 0L) >= 0)
        {
            throw node.Error("with allowzero a 0 in the shape makes an empty tensor, which a Caffe blob cannot be");
        }

        var layer = importer.NewLayer(node, "Reshape");
        layer.ReshapeParam = new ReshapeParameter { Shape = new BlobShape() };
        layer.ReshapeParam.Shape.Dim.AddRange(shape);
        importer.Produce(node, layer, [input]);
    }

    /// <summary>Squeeze: a Reshape without the given axes of size 1 (every axis of size 1 when none are given).</summary>
    public static void Squeeze(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var axes = Axes(importer, node, input.Rank) ?? [.. Enumerable.Range(0, input.Rank).Where(i => input.Shape[i] == 1)];
        foreach (var axis in axes)
        {
            if (input.Shape[axis] != 1)
            {
                throw node.Error($"axis {axis} of the input {input.ShapeText} is not of size 1");
            }
        }

        var shape = Enumerable.Range(0, input.Rank).Where(i => !axes.Contains(i)).Select(i => input.Shape[i]).ToArray();
        ReshapeTo(importer, node, input, shape, role: null, keepFirst: !axes.Contains(0));
    }

    /// <summary>Unsqueeze: a Reshape with axes of size 1 inserted.</summary>
    public static void Unsqueeze(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var given = AxesGiven(importer, node) ?? throw node.Error("the axes are not given");
        var rank = input.Rank + given.Length;
        var axes = new HashSet<int>();
        foreach (var axis in given)
        {
            var canonical = axis < 0 ? axis + rank : axis;
            if (canonical < 0 || canonical >= rank || !axes.Add((int)canonical))
            {
                throw node.Error($"axis {axis} is out of range or repeated for an output of {rank} axes");
            }
        }

        var shape = new int[rank];
        for (int i = 0, from = 0; i < rank; i++)
        {
            shape[i] = axes.Contains(i) ? 1 : input.Shape[from++];
        }

        ReshapeTo(importer, node, input, shape, role: null, keepFirst: !axes.Contains(0));
    }

    /// <summary>Tile with constant repeats: one Tile layer per axis repeated more than once, chained.</summary>
    public static void Tile(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var repeats = importer.Constant(node, 1, "the repeats").AsIntegers() ?? throw node.Error("the repeats are not integers");
        if (repeats.Length != input.Rank || repeats.Any(r => r < 1 || r > int.MaxValue))
        {
            throw node.Error($"the repeats [{string.Join(", ", repeats)}] are not one positive count per axis of the input {input.ShapeText}");
        }

        var tiled = Enumerable.Range(0, repeats.Length).Where(i => repeats[i] > 1).ToList();
        if (tiled.Count == 0)
        {
            importer.Alias(node, node.Output(0), input);
            return;
        }

        var current = input;
        foreach (var axis in tiled)
        {
            var last = axis == tiled[^1];
            var layer = importer.NewLayer(node, "Tile", axis == tiled[0] ? null : $"axis{axis}");
            layer.TileParam = new TileParameter { Axis = axis, Tiles = (int)repeats[axis] };
            current = last
                ? importer.Produce(node, layer, [current])
                : importer.AddLayer(node, layer, [current], [importer.IntermediateBlob(node.Output(0), $"tiled{axis}")])[0];
        }
    }

    /// <summary>Concat: Caffe's Concat on the same axis.</summary>
    public static void Concat(OnnxGraphImporter importer, OnnxNode node)
    {
        var inputs = new List<ImportedValue>();
        for (var i = 0; i < node.InputCount; i++)
        {
            if (node.HasInput(i))
            {
                inputs.Add(importer.Activation(node, i));
            }
        }

        if (inputs.Count == 1)
        {
            importer.Alias(node, node.Output(0), inputs[0]);
            return;
        }

        var layer = importer.NewLayer(node, "Concat");
        var axis = node.Typed("axis", AttributeProto.Types.AttributeType.Int)?.I ?? throw node.Error("the axis is not given");
        _ = CanonicalAxis(node, axis, inputs[0]);
        layer.ConcatParam = new ConcatParameter { Axis = (int)axis };
        var value = importer.Produce(node, layer, inputs);
        if (inputs.TrueForAll(i => i.NonNegative))
        {
            importer.Define(node, node.Output(0), value with { NonNegative = true });
        }
    }

    /// <summary>Split: Caffe's Slice at the cumulative split sizes (an attribute before opset 13, an input since; equal parts when not given).</summary>
    public static void Split(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var axis = CanonicalAxis(node, node.Int("axis", 0), input);
        var dim = input.Shape[axis];
        var sizes = node.Ints("split")
            ?? (node.HasInput(1) ? importer.Constant(node, 1, "the split sizes").AsIntegers() ?? throw node.Error("the split sizes are not integers") : null);
        var parts = node.OutputCount;
        if (parts == 0)
        {
            throw node.Error("it has no outputs");
        }

        if (sizes is null)
        {
            // Equal parts, the last smaller when the axis does not divide (opset 18's num_outputs).
            var chunk = (dim + parts - 1) / parts;
            sizes = [.. Enumerable.Range(0, parts).Select(i => (long)Math.Min(chunk, dim - (i * chunk)))];
        }

        if (sizes.Length != parts || sizes.Any(s => s <= 0 || s > dim) || sizes.Sum() != dim)
        {
            throw node.Error($"the split sizes [{string.Join(", ", sizes)}] are not {parts} positive sizes adding up to axis {axis} of the input {input.ShapeText}");
        }

        if (parts == 1)
        {
            importer.Alias(node, node.Output(0), input);
            return;
        }

        var layer = importer.NewLayer(node, "Slice");
        layer.SliceParam = new SliceParameter { Axis = axis };
        var point = 0L;
        for (var i = 0; i < parts - 1; i++)
        {
            point += sizes[i];
            layer.SliceParam.SlicePoint.Add((uint)point);
        }

        var outputs = Enumerable.Range(0, parts).Select(node.Output).ToArray();
        var values = importer.AddLayer(node, layer, [input], outputs);
        for (var i = 0; i < parts; i++)
        {
            importer.Define(node, outputs[i], values[i] with { NonNegative = input.NonNegative });
        }

        // Parts nothing reads would be outputs of the Caffe net.
        var unused = values.Where((_, i) => !importer.IsUsed(outputs[i])).ToList();
        if (unused.Count > 0)
        {
            importer.AddLayer(node, importer.NewLayer(node, "Silence", "unused"), unused, []);
        }
    }

    /// <summary>
    /// Slice with step 1: per axis actually cut, a Caffe Slice at the start and end, the pieces outside silenced;
    /// chained for several axes.
    /// </summary>
    public static void Slice(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (importer.Opset < 10)
        {
            starts = node.Ints("starts") ?? throw node.Error("the starts are not given");
            ends = node.Ints("ends") ?? throw node.Error("the ends are not given");
            axes = node.Ints("axes");
        }
        else
        {
            starts = Integers(importer, node, 1, "the starts");
            ends = Integers(importer, node, 2, "the ends");
            axes = node.HasInput(3) ? Integers(importer, node, 3, "the axes") : null;
            steps = node.HasInput(4) ? Integers(importer, node, 4, "the steps") : null;
        }

        axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        if (starts.Length != ends.Length || axes.Length != starts.Length || (steps is not null && steps.Length != starts.Length))
        {
            throw node.Error("the starts, ends, axes and steps differ in length");
        }

        var cuts = new List<(int Axis, int Start, int End)>();
        for (var i = 0; i < axes.Length; i++)
        {
            if (steps is not null && steps[i] != 1)
            {
                throw node.Error($"step {steps[i]} on axis {axes[i]}: Caffe's Slice takes consecutive elements only (step 1)");
            }

            var axis = CanonicalAxis(node, axes[i], input);
            var dim = input.Shape[axis];
            var start = (int)Math.Clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
            var end = (int)Math.Clamp(ends[i] < 0 ? ends[i] + dim : ends[i], 0, dim);
            if (end <= start)
            {
                throw node.Error($"the slice [{starts[i]}, {ends[i]}) of axis {axis} (size {dim}) is empty, which a Caffe blob cannot be");
            }

            if (start > 0 || end < dim)
            {
                cuts.Add((axis, start, end));
            }
        }

        if (cuts.Count == 0)
        {
            importer.Alias(node, node.Output(0), input);
            return;
        }

        var current = input;
        foreach (var (axis, start, end) in cuts)
        {
            var last = axis == cuts[^1].Axis;
            var layer = importer.NewLayer(node, "Slice", axis == cuts[0].Axis ? null : $"axis{axis}");
            layer.SliceParam = new SliceParameter { Axis = axis };
            var tops = new List<string>();
            var wanted = 0;
            if (start > 0)
            {
                layer.SliceParam.SlicePoint.Add((uint)start);
                tops.Add(importer.IntermediateBlob(node.Output(0), $"before{axis}"));
                wanted = 1;
            }

            tops.Add(last ? node.Output(0) : importer.IntermediateBlob(node.Output(0), $"sliced{axis}"));
            if (end < current.Shape[axis])
            {
                layer.SliceParam.SlicePoint.Add((uint)end);
                tops.Add(importer.IntermediateBlob(node.Output(0), $"after{axis}"));
            }

            var pieces = importer.AddLayer(node, layer, [current], tops);
            var unused = pieces.Where((_, i) => i != wanted).ToList();
            var silence = importer.NewLayer(node, "Silence", $"unused{axis}");
            importer.AddLayer(node, silence, unused, []);
            current = pieces[wanted] with { NonNegative = input.NonNegative };
            if (last)
            {
                importer.Define(node, node.Output(0), current);
            }
        }
    }

    /// <summary>Identity: the output is the input's blob.</summary>
    public static void Identity(OnnxGraphImporter importer, OnnxNode node) => importer.Alias(node, node.Output(0), importer.Value(node, 0));

    /// <summary>Dropout at inference: the identity (its mask output must be unused, training_mode false).</summary>
    public static void Dropout(OnnxGraphImporter importer, OnnxNode node)
    {
        if (importer.IsUsed(node.Output(1)))
        {
            throw node.Error($"its mask '{node.Output(1)}' is used; at inference Caffe's net has no dropout mask");
        }

        if (node.HasInput(2) && importer.Constant(node, 2, "training_mode").Values is [not 0f])
        {
            throw node.Error("training_mode is true; LayerNet imports inference graphs, where Dropout passes its input through");
        }

        importer.Alias(node, node.Output(0), importer.Activation(node, 0));
    }

    /// <summary>Cast to float: the input's blob already holds floats (indices and booleans included); a cast to any other type is refused.</summary>
    public static void Cast(OnnxGraphImporter importer, OnnxNode node)
    {
        var to = (TensorProto.Types.DataType)node.Int("to", 0);
        if (to != TensorProto.Types.DataType.Float)
        {
            throw node.Error($"a cast to {to}: a Caffe blob holds float32 only");
        }

        importer.Alias(node, node.Output(0), importer.Value(node, 0) with { Kind = ImportedValueKind.Float });
    }

    /// <summary>
    /// Adds a Reshape of <paramref name="input"/> to <paramref name="shape"/>: writing the node's first output when
    /// <paramref name="role"/> is null, else an intermediate blob. With <paramref name="keepFirst"/> the first
    /// dimension is written 0 (copied), so the net still reshapes to another batch size.
    /// </summary>
    internal static ImportedValue ReshapeTo(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, int[] shape, string? role, bool keepFirst = false)
    {
        var layer = importer.NewLayer(node, "Reshape", role);
        layer.ReshapeParam = new ReshapeParameter { Shape = new BlobShape() };
        for (var i = 0; i < shape.Length; i++)
        {
            layer.ReshapeParam.Shape.Dim.Add(i == 0 && keepFirst && input.Rank > 0 && input.Shape[0] == shape[0] ? 0 : shape[i]);
        }

        var value = role is null
            ? importer.Produce(node, layer, [input])
            : importer.AddLayer(node, layer, [input], [importer.IntermediateBlob(node.Output(0), role)])[0];
        if (!value.Shape.AsSpan().SequenceEqual(shape))
        {
            throw node.Error($"Caffe's Reshape gives {value.ShapeText} where ONNX gives {ImportedValue.ShapeOf(shape)}");
        }

        return value;
    }

    /// <summary>An axis attribute or input made non-negative for <paramref name="input"/>.</summary>
    internal static int CanonicalAxis(OnnxNode node, long axis, ImportedValue input)
    {
        var canonical = axis < 0 ? axis + input.Rank : axis;
        return canonical >= 0 && canonical < input.Rank
            ? (int)canonical
            : throw node.Error($"axis {axis} is out of range for the input {input.ShapeText}");
    }

    /// <summary>
    /// The axes a node names, made non-negative and distinct: the attribute <c>axes</c> (older opsets) or the constant
    /// input 1 (newer ones); null when neither is given.
    /// </summary>
    internal static int[]? Axes(OnnxGraphImporter importer, OnnxNode node, int rank)
    {
        var given = AxesGiven(importer, node);
        if (given is null)
        {
            return null;
        }

        var axes = new List<int>();
        foreach (var axis in given)
        {
            var canonical = axis < 0 ? axis + rank : axis;
            if (canonical < 0 || canonical >= rank || axes.Contains((int)canonical))
            {
                throw node.Error($"axis {axis} is out of range or repeated for an input of {rank} axes");
            }

            axes.Add((int)canonical);
        }

        axes.Sort();
        return [.. axes];
    }

    private static long[]? AxesGiven(OnnxGraphImporter importer, OnnxNode node) =>
        node.Ints("axes") ?? (node.HasInput(1) ? Integers(importer, node, 1, "the axes") : null);

    private static long[] Integers(OnnxGraphImporter importer, OnnxNode node, int input, string what) =>
        importer.Constant(node, input, what).AsIntegers() ?? throw node.Error($"{what} '{node.Input(input)}' are not integers");

    private static int Count(int[] shape)
    {
        var count = 1;
        foreach (var dim in shape)
        {
            count *= dim;
        }

        return count;
    }
}
