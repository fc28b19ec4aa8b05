namespace LayerNet.Onnx;

/// <summary>
/// Writes the ONNX nodes of one layer type. Register it next to the layer, as built-in layers do:
/// <c>builder.AddLayer&lt;MyLayer&gt;("My").AddOnnxExporter&lt;MyExporter&gt;("My")</c>. The export driver calls
/// <see cref="Export"/> once per layer of that type, in the net's order, with the names of the values the layer reads
/// and must write; the exporter adds nodes (and initializers for the layer's weights) through the context.
/// </summary>
public interface IOnnxExporter
{
    /// <summary>Adds the nodes that compute the layer's tops from its bottoms.</summary>
    /// <exception cref="Errors.LayerNetException">The layer's settings have no ONNX equivalent: say which, through <see cref="OnnxLayerExport.Unsupported"/>.</exception>
    void Export(OnnxLayerExport layer);
}
