using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Clip as Clip(x, min, max), both bounds as inputs (every operator set LayerNet writes has them so).
/// </summary>
/// <remarks>
/// Caffe computes max(min, min(x, max)), which is min everywhere when min &gt; max; ONNX gives max there, so the
/// upper bound written is max(min, max), which gives Caffe's values in both cases.
/// </remarks>
public sealed class ClipExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ClipParam ?? throw layer.Unsupported("clip_param is required");
        var min = layer.AddScalar("min", p.Min);
        var max = layer.AddScalar("max", MathF.Max(p.Min, p.Max));
        layer.AddNode("Clip", [layer.Inputs[0], min, max], [layer.Outputs[0]]);
    }
}
