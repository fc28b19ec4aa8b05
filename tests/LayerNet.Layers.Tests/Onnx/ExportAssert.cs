using LayerNet.Nets;
using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// What the exporter tests share: nets written as an input shape and layer text, checks that ONNX Runtime gives
/// LayerNet's outputs at the built batch and (dynamic batch) at another, and the operators a model uses.
/// </summary>
internal static class ExportAssert
{
    /// <summary>The text of an Input layer named "data" with top "data" of <paramref name="shape"/>.</summary>
    public static string Input(params int[] shape) => Input("data", shape);

    /// <summary>The text of an Input layer with one top, <paramref name="name"/>, of <paramref name="shape"/>.</summary>
    public static string Input(string name, params int[] shape) =>
        $"layer {{ name: \"{name}\" type: \"Input\" top: \"{name}\" input_param {{ shape {{ {string.Join(' ', shape.Select(d => $"dim: {d}"))} }} }} }}\n";

    /// <summary>Builds (TEST phase, seeded weights) the net of an input "data" of <paramref name="shape"/> followed by <paramref name="layers"/>.</summary>
    public static Net Net(int[] shape, string layers) => OnnxCheck.Build(Input(shape) + layers);

    /// <summary>Exports the net of <paramref name="shape"/> and <paramref name="layers"/> at <paramref name="opset"/> and asserts ONNX Runtime gives LayerNet's outputs.</summary>
    public static ModelProto Same(int[] shape, string layers, int opset = OnnxExportOptions.DefaultOpset) =>
        OnnxCheck.AssertSameOutputs(Net(shape, layers), new OnnxExportOptions { Opset = opset });

    /// <summary>
    /// Asserts ONNX Runtime gives LayerNet's outputs on the inputs <paramref name="fill"/> writes (rather than
    /// <see cref="OnnxCheck.FillInputs"/>'s), for layers whose inputs are indices.
    /// </summary>
    public static ModelProto SameOn(Net net, Action<Net> fill, OnnxExportOptions? options = null)
    {
        fill(net);
        var model = OnnxCheck.Export(net, options);
        var ort = OnnxCheck.Run(model, net);
        net.Forward();
        foreach (var output in net.Outputs)
        {
            OnnxCheck.AssertClose(output.Name, ort[output.Name].Values, ort[output.Name].Shape, output.Data.ToArray(), [.. output.Shape]);
        }

        return model;
    }

    /// <summary>
    /// Exports <paramref name="net"/> (built at batch 1) with a dynamic batch, runs it in ONNX Runtime at
    /// <paramref name="batch"/> copies of the net's input, and asserts every output is the net's output, copy by copy:
    /// axis <paramref name="batchAxis"/> of each output (the batch, or the axis it was merged into) grows
    /// <paramref name="batch"/> times.
    /// </summary>
    public static ModelProto SameAtBatch(Net net, int batch = 3, int opset = OnnxExportOptions.DefaultOpset, int batchAxis = 0)
    {
        Assert.That(net.Inputs.All(i => i.Shape[0] == 1), "the net is built at batch 1");
        OnnxCheck.FillInputs(net);
        var model = OnnxCheck.Export(net, new OnnxExportOptions { Opset = opset, DynamicBatch = true });
        var ort = OnnxCheck.Run(model, net, batch);
        net.Forward();
        foreach (var output in net.Outputs)
        {
            var one = output.Data.ToArray();
            int[] shape = [.. output.Shape];
            shape[batchAxis] *= batch;
            var expected = Enumerable.Range(0, batch).SelectMany(_ => one).ToArray();
            OnnxCheck.AssertClose(output.Name, ort[output.Name].Values, ort[output.Name].Shape, expected, shape);
        }

        return model;
    }

    /// <summary>The operator of every node of <paramref name="model"/>, in order.</summary>
    public static string[] Operators(ModelProto model) => [.. model.Graph.Node.Select(n => n.OpType)];

    /// <summary>The node of <paramref name="model"/> with operator <paramref name="opType"/> (the only one).</summary>
    public static NodeProto Node(ModelProto model, string opType) => model.Graph.Node.Single(n => n.OpType == opType);

    /// <summary>Integer attribute <paramref name="name"/> of <paramref name="node"/>, or null when it is not written.</summary>
    public static long? IntAttribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I;

    /// <summary>Integer-list attribute <paramref name="name"/> of <paramref name="node"/>, or null when it is not written.</summary>
    public static long[]? IntsAttribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
}
