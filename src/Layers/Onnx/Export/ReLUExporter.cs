using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports ReLU: Relu, or LeakyRelu(alpha = negative_slope) when the slope is not 0 (both max(x, 0) + s min(x, 0)).</summary>
public sealed class ReLUExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var slope = (layer.Parameter.ReluParam ?? new ReLUParameter()).NegativeSlope;
        if (slope == 0f)
        {
            layer.AddNode("Relu", layer.Inputs[0], layer.Outputs[0]);
        }
        else
        {
            layer.AddNode("LeakyRelu", layer.Inputs[0], layer.Outputs[0]).Set("alpha", slope);
        }
    }
}
