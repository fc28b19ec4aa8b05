using Caffe;
using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports ArgMax. The k = 1 largest entry is ArgMax (select_last_index, so that a tie goes to the larger index as in
/// Caffe) for its index and ReduceMax for its value; k &gt; 1 is TopK (sorted, largest first). Indices are cast to
/// float, as Caffe writes them.
/// </summary>
/// <remarks>
/// <para>
/// With <c>axis</c> the top is the bottom's shape with that axis k long, holding the indices, or the values with
/// <c>out_max_val</c>. Without it each item is flattened, searched along axis 1, and the top is N x 1 x k (indices)
/// or N x 2 x k (indices, then values), padded with 1s to the bottom's axis count.
/// </para>
/// <para>
/// TopK puts the smaller index first among equal values, Caffe the larger: with k &gt; 1, tied values may give other
/// indices than Caffe's (the values agree).
/// </para>
/// </remarks>
public sealed class ArgMaxExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ArgmaxParam ?? new ArgMaxParameter();
        var k = (long)p.TopK;
        var rank = layer.InputShape(0).Count;
        if (p.HasAxis)
        {
            var axis = ExportSteps.Canonical(p.Axis, rank);
            Search(layer, layer.Inputs[0], axis, k, p.OutMaxVal ? null : layer.Outputs[0], p.OutMaxVal ? layer.Outputs[0] : null);
            return;
        }

        var items = layer.Inputs[0];
        if (rank != 2)
        {
            items = layer.NewValue("items");
            layer.Reshape(layer.Inputs[0], [0, -1], items);
        }

        var indices = layer.NewValue("indices");
        var values = p.OutMaxVal ? layer.NewValue("values") : null;
        Search(layer, items, 1, k, indices, values);
        var joined = indices;
        if (values is not null)
        {
            joined = layer.NewValue("joined");
            layer.AddNode("Concat", [indices, values], [joined]).Set("axis", 1L);
        }

        var shape = ExportSteps.Dims(layer.OutputShape(0));
        shape[0] = 0;
        layer.Reshape(joined, shape, layer.Outputs[0]);
    }

    // The k largest entries along axis: their indices (as floats) into indices, their values into values (each when given).
    private static void Search(OnnxLayerExport layer, string input, int axis, long k, string? indices, string? values)
    {
        if (k == 1)
        {
            if (values is not null)
            {
                layer.Reduce("ReduceMax", input, [axis], keepDims: true, values);
            }

            if (indices is not null)
            {
                var found = layer.NewValue("argmax");
                layer.AddNode("ArgMax", input, found).Set("axis", (long)axis).Set("keepdims", 1L).Set("select_last_index", 1L);
                layer.Cast(found, TensorProto.Types.DataType.Float, indices);
            }

            return;
        }

        var topIndices = layer.NewValue("top_indices");
        layer.AddNode("TopK", [input, layer.AddInt64s("k", k)], [values ?? layer.NewValue("top_values"), topIndices])
            .Set("axis", (long)axis).Set("largest", 1L).Set("sorted", 1L);
        if (indices is not null)
        {
            layer.Cast(topIndices, TensorProto.Types.DataType.Float, indices);
        }
    }
}
