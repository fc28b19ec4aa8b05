using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports ELU as Elu(alpha): x for x &gt; 0, alpha (exp(x) - 1) otherwise, in both.</summary>
public sealed class ELUExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var alpha = (layer.Parameter.EluParam ?? new ELUParameter()).Alpha;
        layer.AddNode("Elu", layer.Inputs[0], layer.Outputs[0]).Set("alpha", alpha);
    }
}
