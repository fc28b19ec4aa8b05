using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// A run of nodes, each reading the value the one before wrote, from a layer's input to one of its outputs. Steps
/// that would change nothing (a product by 1, a sum with 0) are left out; <see cref="End"/> makes the last node write
/// the output (an Identity when no step was needed). <see cref="End"/> renames the last node's output, so a chain
/// whose <see cref="Value"/> other nodes read is left without it.
/// </summary>
/// <param name="layer">The layer being exported.</param>
/// <param name="input">The value the chain starts from.</param>
internal sealed class NodeChain(OnnxLayerExport layer, string input)
{
    private NodeProto? _last;

    /// <summary>The value the chain has computed so far.</summary>
    public string Value { get; private set; } = input;

    /// <summary>Adds a node reading <see cref="Value"/> first, then <paramref name="moreInputs"/>; its output becomes the new value.</summary>
    public NodeProto Then(string opType, params string[] moreInputs)
    {
        var output = layer.NewValue(opType);
        _last = layer.AddNode(opType, [Value, .. moreInputs], [output]);
        Value = output;
        return _last;
    }

    /// <summary>Multiplies the value by <paramref name="factor"/> (nothing when it is 1).</summary>
    public void MultiplyBy(float factor, string hint)
    {
        if (factor != 1f)
        {
            Then("Mul", layer.AddScalar(hint, factor));
        }
    }

    /// <summary>Adds <paramref name="shift"/> to the value (nothing when it is 0).</summary>
    public void Add(float shift, string hint)
    {
        if (shift != 0f)
        {
            Then("Add", layer.AddScalar(hint, shift));
        }
    }

    /// <summary>Makes the chain write <paramref name="output"/>.</summary>
    public void End(string output)
    {
        if (_last is null)
        {
            layer.AddNode("Identity", Value, output);
            return;
        }

        _last.Output[0] = output;
        Value = output;
    }
}
