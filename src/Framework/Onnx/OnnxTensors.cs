using System.Buffers.Binary;
using Google.Protobuf;
using LayerNet.Errors;
using Onnx;

namespace LayerNet.Onnx;

/// <summary>Builds ONNX tensors from values and reads their values back, whichever field the writer used.</summary>
public static class OnnxTensors
{
    /// <summary>A float tensor named <paramref name="name"/> of shape <paramref name="dims"/> (rank 0 when empty), values in raw_data.</summary>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        CheckCount(name, values.Length, dims);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        return tensor;
    }

    /// <summary>An int64 tensor named <paramref name="name"/> of shape <paramref name="dims"/> (rank 0 when empty).</summary>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        CheckCount(name, values.Length, dims);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values.ToArray());
        return tensor;
    }

    /// <summary>The number of values a tensor of shape <paramref name="dims"/> holds (1 for rank 0).</summary>
    /// <exception cref="LayerNetException">A dimension is negative, or the product does not fit in 64 bits.</exception>
    public static long CountOf(IEnumerable<long> dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
            {
                throw new LayerNetException($"a tensor dimension is negative ({dim})");
            }

            count = TryMultiply(count, dim) ?? throw new LayerNetException($"a tensor's dimensions [{string.Join(", ", dims)}] multiply past 2^63 values");
        }

        return count;
    }

    /// <summary>The values of a tensor as floats: float, double, float16, bfloat16 and the integer types, from raw_data or the typed field.</summary>
    /// <exception cref="LayerNetException">The tensor's values are in an external file, its type has no float value, or the value count does not match its dims (the message names the tensor).</exception>
    public static float[] ToFloats(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var count = ExpectedCount(tensor);
        var type = (TensorProto.Types.DataType)tensor.DataType;
        var raw = tensor.HasRawData ? tensor.RawData.Span : default;

        // Every branch checks that the values are there before it allocates: dims claim, data proves.
        float[] values;
        switch (type)
        {
            case TensorProto.Types.DataType.Float when tensor.HasRawData:
                ReadRaw(tensor, raw, sizeof(float), count);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
                }

                break;
            case TensorProto.Types.DataType.Float:
                values = CopyTyped(tensor, tensor.FloatData, count, v => v);
                break;
            case TensorProto.Types.DataType.Double when tensor.HasRawData:
                ReadRaw(tensor, raw, sizeof(double), count);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * sizeof(double))..]);
                }

                break;
            case TensorProto.Types.DataType.Double:
                values = CopyTyped(tensor, tensor.DoubleData, count, v => (float)v);
                break;
            case TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 when tensor.HasRawData:
                ReadRaw(tensor, raw, sizeof(ushort), count);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = HalfToFloat(BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * sizeof(ushort))..]), type);
                }

                break;
            case TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16:
                values = CopyTyped(tensor, tensor.Int32Data, count, v => HalfToFloat((ushort)v, type));
                break;
            default:
                var longs = ToInt64s(tensor);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = longs[i];
                }

                break;
        }

        return values;
    }

    /// <summary>The values of an integer (or boolean) tensor as int64, from raw_data or the typed field.</summary>
    /// <exception cref="LayerNetException">The tensor is not of an integer type, is external, or its count does not match its dims.</exception>
    public static long[] ToInt64s(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var count = ExpectedCount(tensor);
        var type = (TensorProto.Types.DataType)tensor.DataType;
        var size = type switch
        {
            TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => 8,
            TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
            TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
            TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
            _ => throw new LayerNetException($"tensor '{tensor.Name}' is of type {type}, where integers were expected"),
        };
        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            ReadRaw(tensor, raw, size, count);
            var values = new long[count];
            for (var i = 0; i < count; i++)
            {
                var at = raw[(i * size)..];
                values[i] = type switch
                {
                    TensorProto.Types.DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(at),
                    TensorProto.Types.DataType.Uint64 => (long)BinaryPrimitives.ReadUInt64LittleEndian(at),
                    TensorProto.Types.DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(at),
                    TensorProto.Types.DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(at),
                    TensorProto.Types.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(at),
                    TensorProto.Types.DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(at),
                    TensorProto.Types.DataType.Int8 => (sbyte)at[0],
                    _ => at[0],
                };
            }

            return values;
        }

        return size == 8
            ? type == TensorProto.Types.DataType.Uint64 ? CopyTyped(tensor, tensor.Uint64Data, count, v => (long)v) : CopyTyped(tensor, tensor.Int64Data, count, v => v)
            : type == TensorProto.Types.DataType.Uint32 ? CopyTyped(tensor, tensor.Uint64Data, count, v => (long)v) : CopyTyped(tensor, tensor.Int32Data, count, v => (long)v);
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        if (CountOf(dims) != count)
        {
            throw new ArgumentException($"tensor '{name}': {count} values for shape [{string.Join(", ", dims)}]");
        }
    }

    // The number of values the tensor's dims claim, refused unless every dim is one a blob can have and the product
    // fits in one array. The values themselves are checked against it before anything is allocated.
    private static int ExpectedCount(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            throw new LayerNetException($"tensor '{tensor.Name}' keeps its values in an external file, which LayerNet does not read; save the model with its data inside (onnx.save_model(..., save_as_external_data=False))");
        }

        long count = 1;
        for (var axis = 0; axis < tensor.Dims.Count; axis++)
        {
            var dim = tensor.Dims[axis];
            if (dim is < 0 or > int.MaxValue)
            {
                throw new LayerNetException($"tensor '{tensor.Name}' has dimension {dim} on axis {axis}; a dimension is 0 to {int.MaxValue}");
            }

            count = TryMultiply(count, dim) ?? throw new LayerNetException($"tensor '{tensor.Name}' has more values than fit in 64 bits (its shape [{string.Join(", ", tensor.Dims)}])");
        }

        return count <= Array.MaxLength ? (int)count : throw new LayerNetException($"tensor '{tensor.Name}' has {count} values, more than LayerNet holds in one blob ({Array.MaxLength})");
    }

    // a * b for non-negative a and b, or null past long.MaxValue.
    private static long? TryMultiply(long a, long b) => b == 0 || a <= long.MaxValue / b ? a * b : null;

    private static void ReadRaw(TensorProto tensor, ReadOnlySpan<byte> raw, int size, int count)
    {
        if (raw.Length != (long)size * count)
        {
            throw new LayerNetException($"tensor '{tensor.Name}': raw_data holds {raw.Length} bytes, its shape [{string.Join(", ", tensor.Dims)}] needs {(long)size * count}");
        }
    }

    // The values of a typed field (float_data, int64_data, ...), converted one by one, after checking their count.
    private static TOut[] CopyTyped<T, TOut>(TensorProto tensor, IList<T> source, int count, Func<T, TOut> convert)
    {
        CheckTyped(tensor, source.Count, count);
        var values = new TOut[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = convert(source[i]);
        }

        return values;
    }

    private static void CheckTyped(TensorProto tensor, int given, int count)
    {
        if (given != count)
        {
            throw new LayerNetException($"tensor '{tensor.Name}' holds {given} values, its shape [{string.Join(", ", tensor.Dims)}] needs {count}");
        }
    }

    private static float HalfToFloat(ushort bits, TensorProto.Types.DataType type) =>
        type == TensorProto.Types.DataType.Bfloat16
            ? BitConverter.Int32BitsToSingle(bits << 16)
            : (float)BitConverter.UInt16BitsToHalf(bits);
}
