using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Bias as Add: the learned bias, or the second bottom, covers the axes of x from <c>axis</c> on and is
/// given a 1 for each axis after them so that it broadcasts. A bias with no axes is added to everything.
/// </summary>
public sealed class BiasExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.BiasParam ?? new BiasParameter();
        var rank = layer.InputShape(0).Count;
        var learned = layer.Inputs.Count == 1;
        var biasRank = learned ? layer.Layer.Blobs[0].AxisCount : layer.InputShape(1).Count;
        var axis = biasRank == 0 ? 0 : ExportSteps.Canonical(p.Axis, rank);
        var bias = learned
            ? layer.BroadcastInitializer("bias", layer.Layer.Blobs[0], axis, rank)
            : layer.BroadcastFrom(layer.Inputs[1], biasRank, axis, rank);
        layer.AddNode("Add", [layer.Inputs[0], bias], [layer.Outputs[0]]);
    }
}
