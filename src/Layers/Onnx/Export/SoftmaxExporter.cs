using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Softmax as Softmax(axis): from operator set 13 it normalises over that one axis, as Caffe does.</summary>
public sealed class SoftmaxExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var axis = ExportSteps.Canonical((layer.Parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis, layer.InputShape(0).Count);
        layer.AddNode("Softmax", layer.Inputs[0], layer.Outputs[0]).Set("axis", (long)axis);
    }
}
