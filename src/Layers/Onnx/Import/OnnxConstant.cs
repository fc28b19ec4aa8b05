using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// A value known before the net runs: an initializer, a Constant node's output, or what a node computes from such
/// values alone (a shape read off a tracked blob, a gathered dimension).
/// </summary>
internal sealed class OnnxConstant
{
    /// <summary>A constant of shape <paramref name="dims"/> holding <paramref name="values"/>; integers are kept exactly too.</summary>
    /// <param name="dims">The shape (empty for a scalar).</param>
    /// <param name="values">The values as floats.</param>
    /// <param name="integers">The values as integers when the tensor's type is an integer (or boolean) type, else null.</param>
    public OnnxConstant(long[] dims, float[] values, long[]? integers)
    {
        Dims = dims;
        Values = values;
        Integers = integers;
    }

    /// <summary>The shape; empty for a scalar.</summary>
    public long[] Dims { get; }

    /// <summary>The values, row-major, as floats.</summary>
    public float[] Values { get; }

    /// <summary>The values as integers, for a tensor of an integer or boolean type; null for a floating-point one.</summary>
    public long[]? Integers { get; }

    /// <summary>True when the tensor holds integers (or booleans).</summary>
    public bool IsInteger => Integers is not null;

    /// <summary>The number of values.</summary>
    public int Count => Values.Length;

    /// <summary>Reads an initializer or a Constant node's tensor.</summary>
    public static OnnxConstant FromTensor(TensorProto tensor)
    {
        var type = (TensorProto.Types.DataType)tensor.DataType;
        var integer = type is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32
            or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool;
        var integers = integer ? OnnxTensors.ToInt64s(tensor) : null;
        var values = integers is null ? OnnxTensors.ToFloats(tensor) : Array.ConvertAll(integers, v => (float)v);
        return new OnnxConstant([.. tensor.Dims], values, integers);
    }

    /// <summary>An integer constant.</summary>
    public static OnnxConstant OfIntegers(long[] dims, long[] integers) => new(dims, Array.ConvertAll(integers, v => (float)v), integers);

    /// <summary>A float constant.</summary>
    public static OnnxConstant OfFloats(long[] dims, float[] values) => new(dims, values, null);

    /// <summary>The same values with another shape.</summary>
    public OnnxConstant WithDims(long[] dims) => new(dims, Values, Integers);

    /// <summary>The values as integers: the integers of an integer tensor, or the floats of a float tensor when all are whole numbers; null otherwise.</summary>
    public long[]? AsIntegers()
    {
        if (Integers is not null)
        {
            return Integers;
        }

        var integers = new long[Values.Length];
        for (var i = 0; i < Values.Length; i++)
        {
            if (Values[i] != MathF.Round(Values[i]))
            {
                return null;
            }

            integers[i] = (long)Values[i];
        }

        return integers;
    }

    /// <summary>The dims as a shape string, "[1, 3, 4]".</summary>
    public string ShapeText => $"[{string.Join(", ", Dims)}]";
}
