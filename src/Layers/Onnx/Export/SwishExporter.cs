using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Swish, y = x sigmoid(beta x), as Mul (left out for beta 1), Sigmoid and Mul.</summary>
public sealed class SwishExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var beta = (layer.Parameter.SwishParam ?? new SwishParameter()).Beta;
        var x = layer.Inputs[0];
        var chain = new NodeChain(layer, x);
        chain.MultiplyBy(beta, "beta");
        chain.Then("Sigmoid");
        chain.Then("Mul", x);
        chain.End(layer.Outputs[0]);
    }
}
