using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// Computes, during the import, the nodes whose inputs are all known before the net runs: Constant nodes, Shape of a
/// tracked blob, and the small shape arithmetic exporters write around it (Gather, Unsqueeze, Squeeze, Concat,
/// Reshape, Flatten, Slice, Cast, Identity, Add, Sub, Mul, Div, Neg, ConstantOfShape). Their outputs become constants
/// that the mappings read like initializers.
/// </summary>
internal static class ConstantFolding
{
    // The most values a constant computed during the import may hold beyond what its inputs hold: shape arithmetic is
    // small, and a model that asks for more (a ConstantOfShape of 2^30 zeros, a column times a row) asks for the
    // memory, not for a net.
    private const long GrowthLimit = 1 << 24;

    private static readonly HashSet<string> Foldable =
    [
        "Identity", "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten", "Slice",
        "Add", "Sub", "Mul", "Div", "Neg", "ConstantOfShape",
    ];

    /// <summary>True for the operators computed during the import only (Constant, Shape, Gather, ...), which have no layer.</summary>
    public static bool Computes(string opType) => opType is "Constant" or "Shape" || Foldable.Contains(opType);

    /// <summary>Computes the node when it is a Constant, a Shape, or a foldable operator on constants alone; false when the node needs a layer.</summary>
    public static bool TryFold(OnnxGraphImporter importer, OnnxNode node)
    {
        if (node.OpType == "Constant")
        {
            var constant = ConstantOf(node);
            importer.CountRead(constant.Count);
            importer.DefineConstant(node.Output(0), constant);
            return true;
        }

        if (node.OpType == "Shape")
        {
            var dims = importer.TryConstant(node, 0)?.Dims ?? [.. importer.Value(node, 0).Shape.Select(d => (long)d)];
            var start = Clamp(node.Int("start", 0), dims.Length);
            var end = Clamp(node.Int("end", dims.Length), dims.Length);
            importer.DefineConstant(node.Output(0), OnnxConstant.OfIntegers([Math.Max(0, end - start)], dims[start..Math.Max(start, end)]));
            return true;
        }

        if (!Foldable.Contains(node.OpType) || node.InputCount == 0)
        {
            return false;
        }

        var inputs = new List<OnnxConstant?>();
        for (var i = 0; i < node.InputCount; i++)
        {
            if (node.HasInput(i) && !importer.IsConstant(node.Input(i)))
            {
                return false;
            }

            inputs.Add(importer.TryConstant(node, i));
        }

        var result = Fold(importer, node, inputs);
        if (result is null)
        {
            return false;
        }

        importer.DefineConstant(node.Output(0), result);
        return true;
    }

    private static OnnxConstant? Fold(OnnxGraphImporter importer, OnnxNode node, List<OnnxConstant?> inputs)
    {
        var x = inputs[0] ?? throw node.Error("input 0 is missing");
        var second = inputs.Count > 1 ? inputs[1] : null;
        switch (node.OpType)
        {
            case "Identity":
                return x;
            case "Cast":
                importer.ChargeComputed(node, x.Count);
                return Cast(node, x);
            case "Neg":
                importer.ChargeComputed(node, x.Count);
                return x.Integers is { } ints ? OnnxConstant.OfIntegers(x.Dims, [.. ints.Select(v => -v)]) : OnnxConstant.OfFloats(x.Dims, [.. x.Values.Select(v => -v)]);
            case "Add" or "Sub" or "Mul" or "Div":
                return Arithmetic(importer, node, x, second ?? throw node.Error("input 1 is missing"));
            case "Gather":
                return Gather(importer, node, x, second ?? throw node.Error("the indices are missing"));
            case "Concat":
                return Concat(importer, node, inputs);
            case "Reshape":
                return x.WithDims(Reshaped(node, x.Dims, (second ?? throw node.Error("the shape is missing")).AsIntegers() ?? throw node.Error("the shape is not integers")));
            case "Flatten":
            {
                var given = node.Int("axis", 1);
                if (given < -x.Dims.Length || given > x.Dims.Length)
                {
                    throw node.Error($"axis {given} is out of range for the constant {x.ShapeText}");
                }

                var axis = (int)(given < 0 ? given + x.Dims.Length : given);
                var before = x.Dims[..axis].Aggregate(1L, (a, b) => a * b);
                return x.WithDims([before, x.Count / Math.Max(before, 1)]);
            }

            case "Unsqueeze":
            {
                var given = node.Ints("axes") ?? second?.AsIntegers() ?? throw node.Error("the axes are not given");
                var rank = x.Dims.Length + given.Length;
                var axes = new HashSet<long>();
                foreach (var axis in given)
                {
                    if (axis < -rank || axis >= rank || !axes.Add(axis < 0 ? axis + rank : axis))
                    {
                        throw node.Error($"axis {axis} is out of range or repeated for an output of {rank} axes");
                    }
                }

                var dims = new long[rank];
                for (int i = 0, from = 0; i < rank; i++)
                {
                    dims[i] = axes.Contains(i) ? 1 : x.Dims[from++];
                }

                return x.WithDims(dims);
            }

            case "Squeeze":
            {
                var given = node.Ints("axes") ?? second?.AsIntegers();
                var rank = x.Dims.Length;
                foreach (var axis in given ?? [])
                {
                    if (axis < -rank || axis >= rank || x.Dims[axis < 0 ? axis + rank : axis] != 1)
                    {
                        throw node.Error($"axis {axis} is out of range or not of size 1 for the constant {x.ShapeText}");
                    }
                }

                var axes = given?.Select(a => a < 0 ? a + rank : a).ToHashSet();
                return x.WithDims([.. x.Dims.Where((d, i) => axes is null ? d != 1 : !axes.Contains(i))]);
            }

            case "Slice":
                return importer.Opset >= 10 && x.Dims.Length == 1 ? Slice(node, x, inputs) : null;
            default:
                return ConstantOfShape(importer, node, x);
        }
    }

    // The number of values a constant of shape dims computed from inputs holds, refused before it is allocated when a
    // dim is negative, the product overflows, or it holds more than GrowthLimit values and more than its (distinct)
    // inputs together; then charged to the importer's budget for computed values.
    private static int CountFor(OnnxGraphImporter importer, OnnxNode node, long[] dims, params OnnxConstant?[] inputs)
    {
        long count = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
            {
                throw node.Error($"the shape [{string.Join(", ", dims)}] has a negative dimension");
            }

            if (dim != 0 && count > long.MaxValue / dim)
            {
                throw node.Error($"the shape [{string.Join(", ", dims)}] has more values than fit in 64 bits");
            }

            count *= dim;
        }

        var given = inputs.OfType<OnnxConstant>().Distinct().Sum(input => (long)input.Count);
        if (count > Math.Max(GrowthLimit, given))
        {
            throw node.Error($"it would hold {count} values; LayerNet computes constants of up to {GrowthLimit} values (or as many as their inputs hold) during the import");
        }

        importer.ChargeComputed(node, count);
        return (int)count;
    }

    private static OnnxConstant ConstantOf(OnnxNode node)
    {
        if (node.Typed("value", AttributeProto.Types.AttributeType.Tensor) is { T: { } tensor })
        {
            return OnnxConstant.FromTensor(tensor);
        }

        if (node.Typed("value_float", AttributeProto.Types.AttributeType.Float) is { } single)
        {
            return OnnxConstant.OfFloats([], [single.F]);
        }

        if (node.Typed("value_floats", AttributeProto.Types.AttributeType.Floats) is { } floats)
        {
            return OnnxConstant.OfFloats([floats.Floats.Count], [.. floats.Floats]);
        }

        if (node.Typed("value_int", AttributeProto.Types.AttributeType.Int) is { } integer)
        {
            return OnnxConstant.OfIntegers([], [integer.I]);
        }

        if (node.Typed("value_ints", AttributeProto.Types.AttributeType.Ints) is { } integers)
        {
            return OnnxConstant.OfIntegers([integers.Ints.Count], [.. integers.Ints]);
        }

        throw node.Error("it holds no numeric tensor (a sparse or string constant), which LayerNet does not read");
    }

    private static OnnxConstant Cast(OnnxNode node, OnnxConstant x)
    {
        var to = (TensorProto.Types.DataType)node.Int("to", 0);
        switch (to)
        {
            case TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16:
                return OnnxConstant.OfFloats(x.Dims, x.Values);
            case TensorProto.Types.DataType.Bool:
                return OnnxConstant.OfIntegers(x.Dims, [.. x.Values.Select(v => v != 0f ? 1L : 0L)]);
            case TensorProto.Types.DataType.String or TensorProto.Types.DataType.Undefined:
                throw node.Error($"a cast to {to}");
            default:
                return OnnxConstant.OfIntegers(x.Dims, x.Integers ?? [.. x.Values.Select(v => (long)v)]);
        }
    }

    private static OnnxConstant Arithmetic(OnnxGraphImporter importer, OnnxNode node, OnnxConstant a, OnnxConstant b)
    {
        var dims = BroadcastDims(a.Dims, b.Dims) ?? throw node.Error($"the constants of shapes {a.ShapeText} and {b.ShapeText} do not broadcast");
        var count = CountFor(importer, node, dims, a, b);
        var aIndex = BroadcastIndex(a.Dims, dims);
        var bIndex = BroadcastIndex(b.Dims, dims);
        if (a.Integers is { } ai && b.Integers is { } bi)
        {
            var result = new long[count];
            for (var i = 0; i < count; i++)
            {
                long x = ai[aIndex(i)], y = bi[bIndex(i)];
                result[i] = node.OpType switch
                {
                    "Add" => x + y,
                    "Sub" => x - y,
                    "Mul" => x * y,
                    _ => y == 0 ? throw node.Error("an integer division by zero") : x / y,
                };
            }

            return OnnxConstant.OfIntegers(dims, result);
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            float x = a.Values[aIndex(i)], y = b.Values[bIndex(i)];
            values[i] = node.OpType switch
            {
                "Add" => x + y,
                "Sub" => x - y,
                "Mul" => x * y,
                _ => x / y,
            };
        }

        return OnnxConstant.OfFloats(dims, values);
    }

    private static OnnxConstant Gather(OnnxGraphImporter importer, OnnxNode node, OnnxConstant data, OnnxConstant indices)
    {
        var rank = data.Dims.Length;
        var given = node.Int("axis", 0);
        if (given < -rank || given >= rank)
        {
            throw node.Error($"axis {given} is out of range for the data {data.ShapeText}");
        }

        var axis = (int)(given < 0 ? given + rank : given);
        var at = indices.AsIntegers() ?? throw node.Error("the indices are not integers");
        long[] dims = [.. data.Dims[..axis], .. indices.Dims, .. data.Dims[(axis + 1)..]];
        var count = CountFor(importer, node, dims, data, indices);
        var outer = (int)data.Dims[..axis].Aggregate(1L, (x, y) => x * y);
        var inner = (int)data.Dims[(axis + 1)..].Aggregate(1L, (x, y) => x * y);
        var size = data.Dims[axis];
        foreach (var raw in at)
        {
            if (raw < -size || raw >= size)
            {
                throw node.Error($"index {raw} is out of range for axis {axis} of size {size}");
            }
        }

        var floats = new float[count];
        var integers = data.Integers is null ? null : new long[count];
        var o = 0;
        for (var i = 0; i < outer; i++)
        {
            foreach (var raw in at)
            {
                var index = (int)(raw < 0 ? raw + size : raw);
                for (var j = 0; j < inner; j++, o++)
                {
                    var from = (((i * (int)size) + index) * inner) + j;
                    floats[o] = data.Values[from];
                    if (integers is not null)
                    {
                        integers[o] = data.Integers![from];
                    }
                }
            }
        }

        return new OnnxConstant(dims, floats, integers);
    }

    private static OnnxConstant Concat(OnnxGraphImporter importer, OnnxNode node, List<OnnxConstant?> inputs)
    {
        var parts = inputs.Where(c => c is not null && c.Count > 0).Select(c => c!).ToList();
        if (parts.Count == 0)
        {
            return inputs[0]!;
        }

        var rank = parts[0].Dims.Length;
        var given = node.Int("axis", 0);
        var axis = (int)Math.Clamp(given < 0 ? given + rank : given, -1, rank);
        if (axis < 0 || axis >= rank || parts.Exists(p => p.Dims.Length != rank || !p.Dims.Where((_, i) => i != axis).SequenceEqual(parts[0].Dims.Where((_, i) => i != axis))))
        {
            throw node.Error($"the constants of shapes {string.Join(", ", parts.Select(p => p.ShapeText))} do not concatenate on axis {given}");
        }

        var dims = (long[])parts[0].Dims.Clone();
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        var count = CountFor(importer, node, dims, [.. parts]);
        var outer = (int)parts[0].Dims[..axis].Aggregate(1L, (x, y) => x * y);
        var floats = new List<float>(count);
        var integers = parts.TrueForAll(p => p.IsInteger) ? new List<long>() : null;
        for (var i = 0; i < outer; i++)
        {
            foreach (var part in parts)
            {
                var block = part.Count / outer;
                floats.AddRange(part.Values.AsSpan(i * block, block));
                integers?.AddRange(part.Integers.AsSpan(i * block, block));
            }
        }

        return new OnnxConstant(dims, [.. floats], integers?.ToArray());
    }

    // Slice of a 1-D constant (shape arithmetic), with ONNX's clamping: for a positive step starts and ends to
    // [0, size], for a negative one starts to [0, size - 1] and ends to [-1, size - 1].
    private static OnnxConstant Slice(OnnxNode node, OnnxConstant x, List<OnnxConstant?> inputs)
    {
        long One(int input, string what, long? absent)
        {
            var constant = input < inputs.Count ? inputs[input] : null;
            if (constant is null)
            {
                return absent ?? throw node.Error($"{what} are missing");
            }

            return constant.AsIntegers() is [var value] ? value : throw node.Error($"{what} {constant.ShapeText} are not one integer for the 1-D constant");
        }

        var size = x.Dims[0];
        var start = One(1, "the starts", null);
        var end = One(2, "the ends", null);
        var axis = One(3, "the axes", 0);
        var step = One(4, "the steps", 1);
        if (axis is not (0 or -1))
        {
            throw node.Error($"axis {axis} is out of range for the constant {x.ShapeText}");
        }

        if (step == 0)
        {
            throw node.Error("step 0: ONNX's Slice steps by a non-zero amount");
        }

        start = start < 0 ? start + size : start;
        end = end < 0 ? end + size : end;
        (start, end) = step > 0
            ? (Math.Min(Math.Max(start, 0), size), Math.Min(Math.Max(end, 0), size))
            : (Math.Min(Math.Max(start, 0), size - 1), Math.Min(Math.Max(end, -1), size - 1));
        var picked = new List<int>();
        for (var i = start; step > 0 ? i < end : i > end; i += step)
        {
            picked.Add((int)i);

            // The next index would pass the end (and i + step might overflow): stop here.
            if (step > 0 ? end - i - step <= 0 : i - end + step <= 0)
            {
                break;
            }
        }

        return new OnnxConstant([picked.Count], [.. picked.Select(i => x.Values[i])], x.Integers is { } ints ? [.. picked.Select(i => ints[i])] : null);
    }

    private static OnnxConstant? ConstantOfShape(OnnxGraphImporter importer, OnnxNode node, OnnxConstant shape)
    {
        var dims = shape.AsIntegers() ?? throw node.Error("the shape is not integers");
        var count = CountFor(importer, node, dims);
        var value = node.Typed("value", AttributeProto.Types.AttributeType.Tensor) is { T: { } tensor } ? OnnxConstant.FromTensor(tensor) : OnnxConstant.OfFloats([1], [0f]);
        if (value.Count != 1)
        {
            throw node.Error($"the value {value.ShapeText} is not one value");
        }

        return value.Integers is { } ints
            ? OnnxConstant.OfIntegers(dims, [.. Enumerable.Repeat(ints[0], count)])
            : OnnxConstant.OfFloats(dims, [.. Enumerable.Repeat(value.Values[0], count)]);
    }

    private static long[] Reshaped(OnnxNode node, long[] dims, long[] shape)
    {
        var result = new long[shape.Length];
        var count = dims.Aggregate(1L, (x, y) => x * y);
        var known = 1L;
        var inferred = -1;
        for (var i = 0; i < shape.Length; i++)
        {
            result[i] = shape[i] == 0 && i < dims.Length ? dims[i] : shape[i];
            if (result[i] < -1)
            {
                throw node.Error($"the shape [{string.Join(", ", shape)}] has a dimension below -1");
            }

            if (result[i] == -1)
            {
                inferred = inferred < 0 ? i : throw node.Error($"the shape [{string.Join(", ", shape)}] has more than one -1");
            }
            else
            {
                // Past the count, the product can only differ from it (and must not overflow on the way).
                known = result[i] != 0 && known > count / result[i] ? count + 1 : known * result[i];
            }
        }

        if (inferred >= 0)
        {
            result[inferred] = known == 0 ? 0 : count / known;
            known *= result[inferred];
        }

        return known == count
            ? result
            : throw node.Error($"the shape [{string.Join(", ", shape)}] does not hold the {count} values of the constant");
    }

    private static int Clamp(long index, int rank) => (int)Math.Clamp(index < 0 ? index + rank : index, 0, rank);

    private static long[]? BroadcastDims(long[] a, long[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var dims = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var x = i - (rank - a.Length) is var ia && ia >= 0 ? a[ia] : 1;
            var y = i - (rank - b.Length) is var ib && ib >= 0 ? b[ib] : 1;
            if (x != y && x != 1 && y != 1)
            {
                return null;
            }

            dims[i] = x == 1 ? y : x;
        }

        return dims;
    }

    // Maps a flat index of the broadcast result to the flat index of an operand of shape dims.
    private static Func<int, int> BroadcastIndex(long[] dims, long[] result)
    {
        var offset = result.Length - dims.Length;
        return index =>
        {
            var from = 0;
            var stride = 1;
            for (var axis = result.Length - 1; axis >= offset; axis--)
            {
                var position = (int)(index % result[axis]);
                index = (int)(index / result[axis]);
                var dim = (int)dims[axis - offset];
                from += (dim == 1 ? 0 : position) * stride;
                stride *= dim;
            }

            return from;
        };
    }
}
