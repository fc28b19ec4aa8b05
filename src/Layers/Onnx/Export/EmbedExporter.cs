using Caffe;
using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Embed as Gather of the K x N weight's rows at the bottom's values cast to int64 (the indices, integers in
/// [0, K)), then Add of the bias with <c>bias_term</c>: the top is the bottom's shape with N appended.
/// </summary>
public sealed class EmbedExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var biasTerm = (layer.Parameter.EmbedParam ?? new EmbedParameter()).BiasTerm;
        var indices = layer.NewValue("indices");
        layer.Cast(layer.Inputs[0], TensorProto.Types.DataType.Int64, indices);
        var rows = biasTerm ? layer.NewValue("rows") : layer.Outputs[0];
        layer.AddNode("Gather", [layer.AddInitializer("weight", layer.Layer.Blobs[0]), indices], [rows]).Set("axis", 0L);
        if (biasTerm)
        {
            layer.AddNode("Add", [rows, layer.AddInitializer("bias", layer.Layer.Blobs[1])], [layer.Outputs[0]]);
        }
    }
}
