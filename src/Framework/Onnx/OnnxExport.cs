using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Nets;
using Onnx;

namespace LayerNet.Onnx;

/// <summary>
/// Writes a net (built in the phase to export, with its weights) as an ONNX model: its inputs become the graph's
/// inputs, each layer becomes the nodes its type's <see cref="IOnnxExporter"/> writes, its learned blobs become
/// initializers, and its outputs (the blobs no layer reads) become the graph's outputs, under the blobs' names.
/// </summary>
public static class OnnxExport
{
    /// <summary>The producer_name written into every model.</summary>
    public const string ProducerName = "LayerNet";

    /// <summary>The ONNX model of <paramref name="net"/>.</summary>
    /// <exception cref="LayerNetException">The operator set is out of range, or a layer has no ONNX form (the message names it).</exception>
    public static ModelProto Export(Net net, OnnxExporterFactory exporters, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(exporters);
        options ??= new OnnxExportOptions();
        if (options.Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
        {
            throw new LayerNetException($"opset {options.Opset}: LayerNet writes operator sets {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset} ({OnnxExportOptions.MinimumOpset} is the first whose Softmax normalises over one axis as Caffe's does)");
        }

        var writer = new OnnxGraphWriter(options);
        var graph = writer.Graph;
        graph.Name = options.GraphName ?? (string.IsNullOrEmpty(net.Name) ? "net" : net.Name);

        var isInput = new HashSet<Blob>(net.Inputs, ReferenceEqualityComparer.Instance);
        var writes = new Dictionary<Blob, int>(ReferenceEqualityComparer.Instance);
        foreach (var step in net.Steps)
        {
            foreach (var top in step.Top)
            {
                writes[top] = writes.GetValueOrDefault(top) + 1;
            }
        }

        // Every blob's own name is reserved for the value that holds its final contents (its input, for an input), so
        // that no intermediate name takes it first.
        foreach (var blob in net.Blobs)
        {
            writer.Claim(blob.Name);
        }

        var current = new Dictionary<Blob, string>(ReferenceEqualityComparer.Instance);
        foreach (var input in net.Inputs)
        {
            current[input] = input.Name;
            graph.Input.Add(ValueInfo(input.Name, input.Shape, options.DynamicBatch));
        }

        foreach (var step in net.Steps)
        {
            if (step.Bottom.Count == 0 && step.Top.Count > 0 && step.Top.All(isInput.Contains))
            {
                continue; // an Input layer: its tops are the graph's inputs (a layer working in place on one reads it)
            }

            var inputs = new string[step.Bottom.Count];
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = current.TryGetValue(step.Bottom[i], out var name)
                    ? name
                    : throw step.Layer.Error($"reads blob '{step.Bottom[i].Name}', which no exported layer writes");
            }

            var outputs = new string[step.Top.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                var top = step.Top[i];
                var remaining = writes[top] -= 1;
                outputs[i] = remaining == 0 && !isInput.Contains(top) ? top.Name : writer.UniqueValue($"{top.Name}/{step.Layer.Name}");
            }

            var exporter = exporters.For(step.Layer);
            var firstNode = graph.Node.Count;
            exporter.Export(new OnnxLayerExport(writer, step.Layer, step.Bottom, step.Top, inputs, outputs));
            CheckWritten(step, graph, firstNode, outputs);
            for (var i = 0; i < outputs.Length; i++)
            {
                current[step.Top[i]] = outputs[i];
            }
        }

        foreach (var output in net.Outputs)
        {
            graph.Output.Add(ValueInfo(current[output], output.Shape, options.DynamicBatch));
        }

        var model = new ModelProto
        {
            IrVersion = IrVersionOf(options.Opset),
            ProducerName = ProducerName,
            ProducerVersion = options.ProducerVersion,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = options.Opset });
        foreach (var (domain, version) in writer.Domains.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return model;
    }

    /// <summary>The IR version that came with operator set <paramref name="opset"/> (the lowest a reader must support).</summary>
    public static long IrVersionOf(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <summary>A float value's name and shape; with <paramref name="dynamicBatch"/>, the first dimension is the symbol "N".</summary>
    public static ValueInfoProto ValueInfo(string name, IReadOnlyList<int> shape, bool dynamicBatch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var tensorShape = new TensorShapeProto();
        for (var axis = 0; axis < shape.Count; axis++)
        {
            tensorShape.Dim.Add(axis == 0 && dynamicBatch
                ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[axis] });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    // An exporter must write every top it was given (a plugin's exporter that forgets one gets its layer named here).
    private static void CheckWritten(NetStep step, GraphProto graph, int firstNode, string[] outputs)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (var n = firstNode; n < graph.Node.Count; n++)
        {
            written.UnionWith(graph.Node[n].Output);
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            if (!written.Contains(outputs[i]))
            {
                throw step.Layer.Error($"its ONNX exporter wrote no node for top '{step.Top[i].Name}' (value '{outputs[i]}')");
            }
        }
    }
}
