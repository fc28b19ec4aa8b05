using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports PReLU as PRelu: the learned slope (C values for axis 1, or one shared value) shaped [C, 1, ...] so that it
/// broadcasts over the channel axis.
/// </summary>
public sealed class PReLUExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var slope = layer.BroadcastInitializer("slope", layer.Layer.Blobs[0], axis: 1, rank: layer.InputShape(0).Count);
        layer.AddNode("PRelu", [layer.Inputs[0], slope], [layer.Outputs[0]]);
    }
}
