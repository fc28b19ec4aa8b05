using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Parameter as an Identity of its learned blob, written as an initializer.</summary>
public sealed class ParameterExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layer.AddNode("Identity", layer.AddInitializer("parameter", layer.Layer.Blobs[0]), layer.Outputs[0]);
    }
}
