using System.Text;
using Google.Protobuf;
using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Builds small ONNX models by hand for the import tests: float inputs and outputs, seeded random initializers, nodes
/// with attributes, and the forms of the operators whose attributes became inputs in later operator sets.
/// </summary>
internal sealed class ImportModelBuilder
{
    private readonly GraphProto _graph = new() { Name = "imported" };
    private readonly Random _random;
    private int _constants;

    /// <summary>Starts a model importing standard operator set <paramref name="opset"/>.</summary>
    public ImportModelBuilder(int opset, int seed = 7)
    {
        Opset = opset;
        _random = new Random(seed);
    }

    /// <summary>The operator set the model imports.</summary>
    public int Opset { get; }

    /// <summary>Extra operator set imports (a custom domain).</summary>
    public List<OperatorSetIdProto> ExtraOpsets { get; } = [];

    /// <summary>Adds a float graph input of a fixed shape.</summary>
    public ImportModelBuilder Input(string name, params long[] dims) => Input(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a graph input of <paramref name="type"/> and a fixed shape.</summary>
    public ImportModelBuilder Input(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        _graph.Input.Add(Info(name, type, dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d })));
        return this;
    }

    /// <summary>Adds a float graph input whose dimensions are numbers or symbols ("N").</summary>
    public ImportModelBuilder SymbolicInput(string name, params object[] dims)
    {
        _graph.Input.Add(Info(name, TensorProto.Types.DataType.Float, dims.Select(d => d is string symbol
            ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
            : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) })));
        return this;
    }

    /// <summary>Adds a float graph input without a shape.</summary>
    public ImportModelBuilder UnshapedInput(string name)
    {
        _graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        return this;
    }

    /// <summary>Declares a graph output (its shape left for the runtime to infer).</summary>
    public ImportModelBuilder Output(string name, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } } });
        return this;
    }

    /// <summary>Adds a float initializer with the given values.</summary>
    public ImportModelBuilder Initializer(string name, float[] values, params long[] dims)
    {
        _graph.Initializer.Add(OnnxTensors.FromFloats(name, values, dims));
        return this;
    }

    /// <summary>Adds a float initializer of seeded values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public ImportModelBuilder Random(string name, long[] dims, float low = -1f, float high = 1f)
    {
        var values = new float[OnnxTensors.CountOf(dims)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = low + ((high - low) * (float)_random.NextDouble());
        }

        return Initializer(name, values, dims);
    }

    /// <summary>Adds a 1-D int64 initializer.</summary>
    public ImportModelBuilder Ints(string name, params long[] values)
    {
        _graph.Initializer.Add(OnnxTensors.FromInt64s(name, values, values.Length));
        return this;
    }

    /// <summary>Adds a node.</summary>
    public ImportModelBuilder Node(string op, string[] inputs, string[] outputs, string? name = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name ?? $"{op}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a node with one input and one output.</summary>
    public ImportModelBuilder Node(string op, string input, string output, params AttributeProto[] attributes) =>
        Node(op, [input], [output], null, attributes);

    /// <summary>
    /// Adds a node whose integer list moved from attribute <paramref name="attribute"/> to an int64 input in operator set
    /// <paramref name="sinceOpset"/> (Squeeze's axes, Split's split, ReduceSum's axes): written in the form the model's opset takes.
    /// </summary>
    public ImportModelBuilder NodeWithList(string op, string[] inputs, string[] outputs, string attribute, long[]? values, int sinceOpset, params AttributeProto[] attributes)
    {
        if (values is null)
        {
            return Node(op, inputs, outputs, null, attributes);
        }

        if (Opset < sinceOpset)
        {
            return Node(op, inputs, outputs, null, [.. attributes, Attr(attribute, values)]);
        }

        var constant = $"{op}_{attribute}_{_constants++}";
        Ints(constant, values);
        return Node(op, [.. inputs, constant], outputs, null, attributes);
    }

    /// <summary>Adds a Constant node holding a float tensor.</summary>
    public ImportModelBuilder ConstantNode(string output, float[] values, params long[] dims) =>
        Node("Constant", [], [output], null, Attr("value", OnnxTensors.FromFloats(output, values, dims)));

    /// <summary>The model.</summary>
    public ModelProto Build()
    {
        var model = new ModelProto { IrVersion = Opset <= 12 ? 7 : Opset <= 15 ? 8 : Opset <= 20 ? 9 : 10, ProducerName = "LayerNet.Layers.Tests", Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        model.OpsetImport.AddRange(ExtraOpsets);
        return model;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute.</summary>
    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) };

    /// <summary>An integer list attribute.</summary>
    public static AttributeProto Attr(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A tensor attribute.</summary>
    public static AttributeProto Attr(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    private static ValueInfoProto Info(string name, TensorProto.Types.DataType type, IEnumerable<TensorShapeProto.Types.Dimension> dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
