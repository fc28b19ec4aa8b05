using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports BatchReindex as Gather along axis 0 at the second bottom's values cast to int64 (truncated, as Caffe reads them).</summary>
public sealed class BatchReindexExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var indices = layer.NewValue("indices");
        layer.Cast(layer.Inputs[1], TensorProto.Types.DataType.Int64, indices);
        layer.AddNode("Gather", [layer.Inputs[0], indices], [layer.Outputs[0]]).Set("axis", 0L);
    }
}
