using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Reshape as a Reshape to the top's full shape, computed by Caffe's rules (<c>axis</c>, <c>num_axes</c>, 0 to
/// copy, -1 to infer) when the net was built.
/// </summary>
/// <remarks>
/// With a dynamic batch the batch's dimension must follow the input: it is 0 (copy) when it stays first, or -1 when it
/// moves or is merged into an inferred dimension. A shape that gives the batch axis a fixed size cannot follow it and
/// is refused.
/// </remarks>
public sealed class ReshapeExporter : IOnnxExporter
{
    /// <inheritdoc/>
    /// <exception cref="Errors.LayerNetException">A dynamic batch, and a shape that fixes the batch's size.</exception>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var shape = ExportSteps.Dims(layer.OutputShape(0));
        if (layer.DynamicBatch)
        {
            FollowBatch(layer, shape);
        }

        layer.Reshape(layer.Inputs[0], shape, layer.Outputs[0]);
    }

    // Makes the dimensions that hold the batch follow it: 0 where it stays in place alone (ONNX copies the input's
    // dimension at the same position, as Caffe's 0 does), -1 where it moves or is merged into the inferred dimension.
    private static void FollowBatch(OnnxLayerExport layer, long[] shape)
    {
        var p = layer.Parameter.ReshapeParam ?? new ReshapeParameter();
        var rank = layer.InputShape(0).Count;
        var start = p.Axis >= 0 ? p.Axis : rank + p.Axis + 1;
        var end = p.NumAxes == -1 ? rank : start + p.NumAxes;
        var dims = p.Shape?.Dim ?? [];
        if (start > 0 || (dims.Count > 0 && dims[0] == 0))
        {
            shape[0] = 0;
        }

        if (end == 0)
        {
            // New axes inserted before the batch, which follows them.
            shape[dims.Count] = -1;
            return;
        }

        if (shape[0] == 0)
        {
            return;
        }

        var inferred = dims.IndexOf(-1);
        if (inferred < 0)
        {
            throw layer.Unsupported($"reshape_param.shape gives the batch axis a fixed size ({shape[0]}), which a dynamic batch cannot keep; use 0 to copy it or -1 to infer it");
        }

        shape[inferred] = -1;
    }
}
