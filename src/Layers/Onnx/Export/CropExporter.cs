using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Crop as Slice: on every axis from <c>axis</c> on, the second bottom's size from the axis's offset (the
/// second bottom is only a shape, read when the net was built). Axes left whole are not written; nothing cropped
/// is an Identity.
/// </summary>
public sealed class CropExporter : IOnnxExporter
{
    /// <inheritdoc/>
    /// <exception cref="Errors.LayerNetException">A dynamic batch, and a crop of the batch axis.</exception>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.CropParam ?? new CropParameter();
        var input = layer.InputShape(0);
        var reference = layer.InputShape(1);
        var start = ExportSteps.Canonical(p.Axis, input.Count);
        List<long> starts = [], ends = [], axes = [];
        for (var k = start; k < input.Count; k++)
        {
            long offset = p.Offset.Count switch
            {
                0 => 0,
                1 => p.Offset[0],
                _ => p.Offset[k - start],
            };
            if (offset == 0 && reference[k] == input[k])
            {
                continue;
            }

            if (k == 0 && layer.DynamicBatch)
            {
                throw layer.Unsupported("it crops the batch axis, which a dynamic batch cannot keep");
            }

            starts.Add(offset);
            ends.Add(offset + reference[k]);
            axes.Add(k);
        }

        if (axes.Count == 0)
        {
            layer.AddNode("Identity", layer.Inputs[0], layer.Outputs[0]);
            return;
        }

        layer.AddNode(
            "Slice",
            [layer.Inputs[0], layer.AddInt64s("starts", [.. starts]), layer.AddInt64s("ends", [.. ends]), layer.AddInt64s("axes", [.. axes])],
            [layer.Outputs[0]]);
    }
}
