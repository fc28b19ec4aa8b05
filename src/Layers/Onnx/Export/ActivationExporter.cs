using LayerNet.Layers.Neuron;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports the element-wise layers that have one ONNX operator of the same formula and no parameter: Sigmoid
/// (Sigmoid), TanH (Tanh), AbsVal (Abs) and BNLL (Softplus, ln(1 + exp(x))).
/// </summary>
public sealed class ActivationExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var opType = layer.Layer switch
        {
            SigmoidLayer => "Sigmoid",
            TanHLayer => "Tanh",
            AbsValLayer => "Abs",
            BNLLLayer => "Softplus",
            _ => throw layer.Unsupported($"{nameof(ActivationExporter)} exports Sigmoid, TanH, AbsVal and BNLL layers, not {layer.Layer.GetType().Name}"),
        };
        layer.AddNode(opType, layer.Inputs[0], layer.Outputs[0]);
    }
}
