using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Tile as Tile with repeats <c>tiles</c> on <c>axis</c> and 1 elsewhere: both repeat the axes from <c>axis</c> on whole.</summary>
public sealed class TileExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.TileParam ?? new TileParameter();
        var repeats = new long[layer.InputShape(0).Count];
        Array.Fill(repeats, 1L);
        repeats[ExportSteps.Canonical(p.Axis, repeats.Length)] = p.Tiles;
        layer.AddNode("Tile", [layer.Inputs[0], layer.AddInt64s("repeats", repeats)], [layer.Outputs[0]]);
    }
}
