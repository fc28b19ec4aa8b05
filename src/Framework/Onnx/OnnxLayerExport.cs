using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using Onnx;

namespace LayerNet.Onnx;

/// <summary>
/// What an <see cref="IOnnxExporter"/> sees of one layer: the layer (its parameters and learned blobs), the names and
/// shapes of the ONNX values it reads (<see cref="Inputs"/>) and must write (<see cref="Outputs"/>), and the means to
/// add nodes and initializers to the graph. Intermediate values and initializers get names derived from the layer's,
/// unique in the graph.
/// </summary>
public sealed class OnnxLayerExport
{
    private readonly OnnxGraphWriter _graph;
    private readonly IReadOnlyList<Blob> _bottom;
    private readonly IReadOnlyList<Blob> _top;
    private int _nodes;

    internal OnnxLayerExport(OnnxGraphWriter graph, Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
    {
        _graph = graph;
        Layer = layer;
        _bottom = bottom;
        _top = top;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The layer, set up in the net: its <see cref="Layers.Layer.Parameter"/> and learned <see cref="Layers.Layer.Blobs"/>.</summary>
    public Layer Layer { get; }

    /// <summary>The layer's definition.</summary>
    public LayerParameter Parameter => Layer.Parameter;

    /// <summary>The standard operator set version the model imports.</summary>
    public int Opset => _graph.Options.Opset;

    /// <summary>True when the first dimension of the inputs is symbolic: a node must not bake the batch size into a shape it writes (use 0 in a Reshape's shape, which copies the input's dimension).</summary>
    public bool DynamicBatch => _graph.Options.DynamicBatch;

    /// <summary>The names of the values the layer reads, one per bottom.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The names of the values the layer must write, one per top.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The shape of bottom <paramref name="index"/> in the net (the batch as the net was built).</summary>
    public IReadOnlyList<int> InputShape(int index) => _bottom[index].Shape;

    /// <summary>The shape of top <paramref name="index"/> in the net (the batch as the net was built).</summary>
    public IReadOnlyList<int> OutputShape(int index) => _top[index].Shape;

    /// <summary>Adds a node of the standard domain; its name is the layer's (with a suffix after the first).</summary>
    public NodeProto AddNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs) => AddNode(opType, string.Empty, inputs, outputs);

    /// <summary>Adds a node with one input and one output.</summary>
    public NodeProto AddNode(string opType, string input, string output) => AddNode(opType, [input], [output]);

    /// <summary>Adds a node of operator set <paramref name="domain"/> (declare its version with <see cref="UseDomain"/>).</summary>
    public NodeProto AddNode(string opType, string domain, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var node = new NodeProto
        {
            OpType = opType,
            Name = _graph.UniqueNode(_nodes++ == 0 ? Layer.Name : $"{Layer.Name}/{opType}"),
        };
        if (domain.Length > 0)
        {
            node.Domain = domain;
        }

        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        _graph.Graph.Node.Add(node);
        return node;
    }

    /// <summary>Declares that the model imports operator set <paramref name="domain"/> at <paramref name="version"/> (for a plugin's own operators).</summary>
    public void UseDomain(string domain, long version) => _graph.UseDomain(domain, version);

    /// <summary>A new intermediate value name, unique in the graph, derived from the layer's name and <paramref name="hint"/>.</summary>
    public string NewValue(string hint) => _graph.UniqueValue($"{Layer.Name}/{hint}");

    /// <summary>Adds a float initializer of shape <paramref name="dims"/> holding <paramref name="values"/>; returns its name.</summary>
    public string AddInitializer(string hint, ReadOnlySpan<float> values, params long[] dims)
    {
        var name = NewValue(hint);
        _graph.Graph.Initializer.Add(OnnxTensors.FromFloats(name, values, dims));
        return name;
    }

    /// <summary>Adds learned blob <paramref name="blob"/> as a float initializer of its own shape (or of <paramref name="dims"/>, same count); returns its name.</summary>
    public string AddInitializer(string hint, Blob blob, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return AddInitializer(hint, blob.Data, dims.Length > 0 ? dims : [.. blob.Shape.Select(d => (long)d)]);
    }

    /// <summary>Adds a float scalar (rank 0) initializer; returns its name.</summary>
    public string AddScalar(string hint, float value) => AddInitializer(hint, [value]);

    /// <summary>Adds a one-dimensional int64 initializer (a shape, axes, repeats, pads); returns its name.</summary>
    public string AddInt64s(string hint, params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var name = NewValue(hint);
        _graph.Graph.Initializer.Add(OnnxTensors.FromInt64s(name, values, values.Length));
        return name;
    }

    /// <summary>An error naming the layer and why it has no ONNX form; throw it.</summary>
    public LayerNetException Unsupported(string why) => Layer.Error($"cannot be exported to ONNX: {why}");
}
