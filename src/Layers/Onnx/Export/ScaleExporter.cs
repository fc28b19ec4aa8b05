using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Scale as Mul (then Add with <c>bias_term</c>): the learned scale, or the second bottom, covers the axes of
/// x from <c>axis</c> on and is given a 1 for each axis after them so that it broadcasts (a learned blob as an
/// initializer of that shape, a bottom through Unsqueeze). A scale with no axes multiplies everything.
/// </summary>
public sealed class ScaleExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ScaleParam ?? new ScaleParameter();
        var rank = layer.InputShape(0).Count;
        var blobs = layer.Layer.Blobs;
        var learned = layer.Inputs.Count == 1;
        var scaleRank = learned ? blobs[0].AxisCount : layer.InputShape(1).Count;
        var axis = scaleRank == 0 ? 0 : ExportSteps.Canonical(p.Axis, rank);
        var scale = learned
            ? layer.BroadcastInitializer("scale", blobs[0], axis, rank)
            : layer.BroadcastFrom(layer.Inputs[1], scaleRank, axis, rank);
        var product = p.BiasTerm ? layer.NewValue("scaled") : layer.Outputs[0];
        layer.AddNode("Mul", [layer.Inputs[0], scale], [product]);
        if (p.BiasTerm)
        {
            var bias = layer.BroadcastInitializer("bias", blobs[learned ? 1 : 0], axis, rank);
            layer.AddNode("Add", [product, bias], [layer.Outputs[0]]);
        }
    }
}
