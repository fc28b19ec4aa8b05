using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Flatten (axes <c>axis</c> to <c>end_axis</c> merged into one): ONNX's Flatten(axis 1) for the default
/// 1 to the last axis, which gives the same two axes; otherwise a Reshape to the top's shape, the batch copied (0)
/// when it is kept, inferred (-1) when it is merged.
/// </summary>
public sealed class FlattenExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.FlattenParam ?? new FlattenParameter();
        var rank = layer.InputShape(0).Count;
        var start = ExportSteps.Canonical(p.Axis, rank);
        var end = ExportSteps.Canonical(p.EndAxis, rank);
        if (start == 1 && end == rank - 1)
        {
            layer.AddNode("Flatten", layer.Inputs[0], layer.Outputs[0]).Set("axis", 1L);
            return;
        }

        var shape = layer.KeepingBatch(layer.OutputShape(0));
        if (layer.DynamicBatch && start == 0)
        {
            shape[0] = -1;
        }

        layer.Reshape(layer.Inputs[0], shape, layer.Outputs[0]);
    }
}
