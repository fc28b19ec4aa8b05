using Caffe;
using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Threshold, y = 1 for x &gt; threshold and 0 otherwise, as Greater then a Cast of the booleans to float.</summary>
public sealed class ThresholdExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var threshold = (layer.Parameter.ThresholdParam ?? new ThresholdParameter()).Threshold;
        var above = layer.NewValue("above");
        layer.AddNode("Greater", [layer.Inputs[0], layer.AddScalar("threshold", threshold)], [above]);
        layer.Cast(above, TensorProto.Types.DataType.Float, layer.Outputs[0]);
    }
}
