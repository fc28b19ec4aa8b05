using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Slice as Split along <c>axis</c> (or the legacy <c>slice_dim</c>); a single top is an Identity.
/// </summary>
/// <remarks>
/// With slice points the pieces' sizes are Split's <c>split</c> input. Equal pieces need none before operator set
/// 18; from 18 Split must be told either the sizes or <c>num_outputs</c>, and the count is written (it holds for
/// any size of the axis, the batch included).
/// </remarks>
public sealed class SliceExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Outputs.Count == 1)
        {
            layer.AddNode("Identity", layer.Inputs[0], layer.Outputs[0]);
            return;
        }

        var p = layer.Parameter.SliceParam ?? new SliceParameter();
        var axis = p.HasSliceDim ? (int)p.SliceDim : ExportSteps.Canonical(p.Axis, layer.InputShape(0).Count);
        if (p.SlicePoint.Count == 0)
        {
            var equal = layer.AddNode("Split", layer.Inputs, layer.Outputs).Set("axis", (long)axis);
            if (layer.Opset >= 18)
            {
                equal.Set("num_outputs", (long)layer.Outputs.Count);
            }

            return;
        }

        if (axis == 0 && layer.DynamicBatch)
        {
            throw layer.Unsupported("slice_param.slice_point cuts the batch axis at fixed points, which a dynamic batch cannot keep");
        }

        var sizes = new long[layer.Outputs.Count];
        for (var i = 0; i < sizes.Length; i++)
        {
            sizes[i] = layer.OutputShape(i)[axis];
        }

        layer.AddNode("Split", [layer.Inputs[0], layer.AddInt64s("split", sizes)], layer.Outputs).Set("axis", (long)axis);
    }
}
