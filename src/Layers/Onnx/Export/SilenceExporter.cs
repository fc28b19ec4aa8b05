using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Silence as nothing: it has no tops, and ONNX leaves a value no node reads alone.</summary>
public sealed class SilenceExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer) => ArgumentNullException.ThrowIfNull(layer);
}
