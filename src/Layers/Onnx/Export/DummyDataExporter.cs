using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports DummyData whose tops have constant fillers (the lecture's circuits feed their inputs so) as initializers of
/// the tops' shapes and values, each through an Identity. A top drawn afresh at every pass (gaussian, uniform, ...)
/// has no ONNX form and is refused, naming the filler.
/// </summary>
public sealed class DummyDataExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var fillers = layer.Parameter.DummyDataParam?.DataFiller;
        for (var i = 0; i < layer.Outputs.Count; i++)
        {
            var filler = fillers is null || fillers.Count == 0 ? null : fillers[fillers.Count == 1 ? 0 : i];
            if (filler is not null && filler.Type != "constant")
            {
                throw layer.Unsupported($"top '{layer.Parameter.Top[i]}' is drawn from a '{filler.Type}' filler at every pass; only constant fillers have an ONNX form (use an Input layer for the net's inputs)");
            }

            var shape = layer.OutputShape(i);
            var values = new float[shape.Aggregate(1, (count, dim) => count * dim)];
            Array.Fill(values, filler?.Value ?? 0f);
            var name = layer.AddInitializer($"value{i}", values, [.. shape.Select(d => (long)d)]);
            layer.AddNode("Identity", name, layer.Outputs[i]);
        }
    }
}
