using System.Text;
using LayerNet.Errors;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// One node of the graph being imported: its inputs, outputs and attributes read with ONNX's defaults, and the
/// errors that name it ("node 'Conv_12' (Conv): ...").
/// </summary>
internal sealed class OnnxNode
{
    /// <summary>Wraps <paramref name="proto"/>, the <paramref name="index"/>th node of its graph.</summary>
    /// <param name="proto">The node.</param>
    /// <param name="index">Its position in the graph.</param>
    /// <param name="layerName">The name its (first) Caffe layer gets.</param>
    public OnnxNode(NodeProto proto, int index, string layerName)
    {
        Proto = proto;
        Index = index;
        LayerName = layerName;
    }

    /// <summary>The node as the model holds it.</summary>
    public NodeProto Proto { get; }

    /// <summary>The node's position in the graph.</summary>
    public int Index { get; }

    /// <summary>The operator, e.g. "Conv".</summary>
    public string OpType => Proto.OpType;

    /// <summary>The name its Caffe layer gets: the node's name when present and unique, else the operator and <see cref="Index"/>.</summary>
    public string LayerName { get; }

    /// <summary>How errors name the node: its name and operator, or its position when it has no name.</summary>
    public string Label => string.IsNullOrEmpty(Proto.Name) ? $"node #{Index} ({OpType})" : $"node '{Proto.Name}' ({OpType})";

    /// <summary>The number of inputs listed, absent optional ones (empty names) included.</summary>
    public int InputCount => Proto.Input.Count;

    /// <summary>The number of outputs listed.</summary>
    public int OutputCount => Proto.Output.Count;

    /// <summary>The name of input <paramref name="index"/>; empty when it is not given.</summary>
    public string Input(int index) => index < Proto.Input.Count ? Proto.Input[index] : string.Empty;

    /// <summary>True when input <paramref name="index"/> is given (listed with a non-empty name).</summary>
    public bool HasInput(int index) => Input(index).Length > 0;

    /// <summary>The name of output <paramref name="index"/>; empty when it is not given.</summary>
    public string Output(int index) => index < Proto.Output.Count ? Proto.Output[index] : string.Empty;

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public AttributeProto? Attribute(string name)
    {
        foreach (var attribute in Proto.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>True when the node has the attribute.</summary>
    public bool Has(string name) => Attribute(name) is not null;

    /// <summary>An integer attribute, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public long Int(string name, long defaultValue) => Typed(name, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : defaultValue;

    /// <summary>A float attribute, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public float Float(string name, float defaultValue) => Typed(name, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : defaultValue;

    /// <summary>A string attribute, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public string String(string name, string defaultValue) => Typed(name, AttributeProto.Types.AttributeType.String) is { } a ? Encoding.UTF8.GetString(a.S.Span) : defaultValue;

    /// <summary>An integer list attribute, or null when absent.</summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public long[]? Ints(string name) => Typed(name, AttributeProto.Types.AttributeType.Ints) is { } a ? [.. a.Ints] : null;

    /// <summary>A float list attribute, or null when absent.</summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public float[]? Floats(string name) => Typed(name, AttributeProto.Types.AttributeType.Floats) is { } a ? [.. a.Floats] : null;

    /// <summary>
    /// The attribute named <paramref name="name"/> when it is of <paramref name="type"/>, or null when absent. An
    /// attribute without a type (written by hand, before IR version 2) is taken as the type asked for.
    /// </summary>
    /// <exception cref="LayerNetException">The attribute is of another type.</exception>
    public AttributeProto? Typed(string name, AttributeProto.Types.AttributeType type)
    {
        var attribute = Attribute(name);
        if (attribute is null || attribute.Type == type || attribute.Type == AttributeProto.Types.AttributeType.Undefined)
        {
            return attribute;
        }

        var given = Enum.IsDefined(attribute.Type) ? $"a {TypeName(attribute.Type)}" : $"of a type ONNX does not define ({(int)attribute.Type})";
        throw Error($"attribute '{name}' is {given}, where ONNX defines {TypeName(type)}");
    }

    /// <summary>An error naming the node: "node 'name' (Op): message".</summary>
    public LayerNetException Error(string message) => new($"{Label}: {message}");

    // ONNX's own spelling of an attribute type: INTS, FLOAT.
    private static string TypeName(AttributeProto.Types.AttributeType type) => type.ToString().ToUpperInvariant();
}
