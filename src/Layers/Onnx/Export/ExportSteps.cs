using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Nodes the built-in exporters write alike, in the form the model's operator set asks for (axes as an attribute or
/// as an input), and the shape arithmetic they share.
/// </summary>
internal static class ExportSteps
{
    /// <summary>Caffe's canonical axis: a negative axis counts from the end.</summary>
    public static int Canonical(int axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary><paramref name="shape"/> as int64 dimensions.</summary>
    public static long[] Dims(IEnumerable<int> shape) => [.. shape.Select(d => (long)d)];

    /// <summary>
    /// The shape a Reshape writes for a value whose first axis is the batch, kept at position 0: the static
    /// <paramref name="shape"/>, with 0 (copy the input's) at position 0 when the batch is dynamic.
    /// </summary>
    public static long[] KeepingBatch(this OnnxLayerExport layer, IReadOnlyList<int> shape)
    {
        var dims = Dims(shape);
        if (layer.DynamicBatch && dims.Length > 0)
        {
            dims[0] = 0;
        }

        return dims;
    }

    /// <summary>The integers 0 .. <paramref name="count"/> - 1 shifted by <paramref name="start"/>: the axes <paramref name="start"/> onwards.</summary>
    public static long[] Axes(int start, int count) => [.. Enumerable.Range(start, count).Select(a => (long)a)];

    /// <summary>Adds a Reshape of <paramref name="input"/> to <paramref name="shape"/> (0 copies the input's dimension, -1 is inferred).</summary>
    public static NodeProto Reshape(this OnnxLayerExport layer, string input, long[] shape, string output) =>
        layer.AddNode("Reshape", [input, layer.AddInt64s("shape", shape)], [output]);

    /// <summary>Adds an Unsqueeze of <paramref name="input"/> inserting axes <paramref name="axes"/> (of the output).</summary>
    public static NodeProto Unsqueeze(this OnnxLayerExport layer, string input, long[] axes, string output) =>
        layer.AddNode("Unsqueeze", [input, layer.AddInt64s("axes", axes)], [output]);

    /// <summary>
    /// Adds a reduction (ReduceSum, ReduceMean, ReduceMax, ...) over <paramref name="axes"/>: the axes are an input of
    /// ReduceSum from operator set 13 and of the others from 18, an attribute before.
    /// </summary>
    public static NodeProto Reduce(this OnnxLayerExport layer, string opType, string input, long[] axes, bool keepDims, string output)
    {
        var axesAsInput = opType == "ReduceSum" || layer.Opset >= 18;
        var node = axesAsInput
            ? layer.AddNode(opType, [input, layer.AddInt64s("axes", axes)], [output])
            : layer.AddNode(opType, input, output).SetInts("axes", axes);
        return node.Set("keepdims", keepDims ? 1L : 0L);
    }

    /// <summary>Adds a Cast of <paramref name="input"/> to element type <paramref name="to"/>.</summary>
    public static NodeProto Cast(this OnnxLayerExport layer, string input, TensorProto.Types.DataType to, string output) =>
        layer.AddNode("Cast", input, output).Set("to", (long)to);

    /// <summary>
    /// A learned blob as an initializer shaped to broadcast over a value of rank <paramref name="rank"/> from axis
    /// <paramref name="axis"/> on: the blob's own axes, then a 1 for every axis after those it covers.
    /// </summary>
    public static string BroadcastInitializer(this OnnxLayerExport layer, string hint, Blobs.Blob blob, int axis, int rank)
    {
        var dims = new long[rank - axis];
        Array.Fill(dims, 1L);
        for (var i = 0; i < blob.AxisCount; i++)
        {
            dims[i] = blob.Shape[i];
        }

        return layer.AddInitializer(hint, blob, dims);
    }

    /// <summary>
    /// <paramref name="input"/> (of <paramref name="inputRank"/> axes, matching a value of rank <paramref name="rank"/>
    /// from axis <paramref name="axis"/> on) with a 1 appended for every axis after those it covers, so that it
    /// broadcasts; the input itself when it covers the last axis, or is a scalar.
    /// </summary>
    public static string BroadcastFrom(this OnnxLayerExport layer, string input, int inputRank, int axis, int rank)
    {
        var trailing = rank - axis - inputRank;
        if (trailing <= 0 || inputRank == 0)
        {
            return input;
        }

        var output = layer.NewValue("broadcast");
        layer.Unsqueeze(input, Axes(inputRank, trailing), output);
        return output;
    }
}
