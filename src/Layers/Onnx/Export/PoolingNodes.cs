using LayerNet.Onnx;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Writes Caffe's MAX or AVE pooling of an N x C x H x W value as MaxPool or AveragePool with explicit pads, so
/// that ONNX's floor rounding gives exactly Caffe's output size (Pooling and SPP use it).
/// </summary>
/// <remarks>
/// <para>
/// The end pad is enlarged (or cut to 0) until floor rounding keeps every window Caffe keeps: windows start at
/// q stride - pad in both. MAX ignores pads. Caffe's AVE divides by the window clipped to [-pad, size + pad), and sums
/// only the values inside the input: with no pad that is ONNX's count_include_pad 0; with a pad and no window
/// reaching past size + pad it is count_include_pad 1; otherwise the pad is written as an explicit Pad of zeros,
/// pooled with count_include_pad 0 and only the extra end pad.
/// </para>
/// <para>
/// Without a pad and with a stride larger than the kernel, Caffe's rounding up can give a last window that starts
/// after the input: it sees nothing (MAX gives the lowest float and index -1, AVE 0). Those outputs are pooled
/// by no window here but padded onto the result with Caffe's values.
/// </para>
/// </remarks>
internal static class PoolingNodes
{
    /// <summary>
    /// Adds the nodes pooling <paramref name="input"/> into <paramref name="output"/>, and for MAX the index of each
    /// maximum within its plane (h W + w, as a float) into <paramref name="mask"/> when it is given.
    /// </summary>
    public static void Write(OnnxLayerExport layer, string input, string output, string? mask, bool max, PoolWindow h, PoolWindow w)
    {
        var empty = h.Filled < h.Pooled || w.Filled < w.Pooled;
        var pooled = empty ? layer.NewValue("pooled") : output;
        var pooledMask = mask is null ? null : empty ? layer.NewValue("mask") : mask;
        if (max)
        {
            var indices = pooledMask is null ? null : layer.NewValue("indices");
            var node = layer.AddNode("MaxPool", [input], indices is null ? [pooled] : [pooled, indices]);
            Window(node, h, w, h.Pad, w.Pad);
            if (indices is not null)
            {
                // ONNX indexes the whole tensor, Caffe the plane.
                var inPlane = layer.NewValue("plane_index");
                layer.AddNode("Mod", [indices, layer.AddInt64s("plane_size", (long)h.Size * w.Size)], [inPlane]);
                layer.Cast(inPlane, TensorProto.Types.DataType.Float, pooledMask!);
            }
        }
        else
        {
            Average(layer, input, pooled, h, w);
        }

        if (empty)
        {
            long[] pads = [0, 0, 0, 0, 0, 0, h.Pooled - h.Filled, w.Pooled - w.Filled];
            layer.AddNode("Pad", [pooled, layer.AddInt64s("empty_windows", pads), layer.AddScalar("empty_value", max ? float.MinValue : 0f)], [output]);
            if (mask is not null)
            {
                layer.AddNode("Pad", [pooledMask!, layer.AddInt64s("empty_windows", pads), layer.AddScalar("empty_index", -1f)], [mask]);
            }
        }
    }

    private static void Average(OnnxLayerExport layer, string input, string output, PoolWindow h, PoolWindow w)
    {
        if (h.Pad == 0 && w.Pad == 0)
        {
            Window(layer.AddNode("AveragePool", input, output), h, w, 0, 0);
            return;
        }

        if (InsidePadding(h) && InsidePadding(w))
        {
            Window(layer.AddNode("AveragePool", input, output), h, w, h.Pad, w.Pad).Set("count_include_pad", 1L);
            return;
        }

        var padded = layer.NewValue("padded");
        long[] pads = [0, 0, h.Pad, w.Pad, 0, 0, h.Pad, w.Pad];
        layer.AddNode("Pad", [input, layer.AddInt64s("pads", pads)], [padded]);
        var shifted = new PoolWindow(h.Size + (2 * h.Pad), h.Kernel, 0, h.Stride, h.Pooled);
        var shiftedW = new PoolWindow(w.Size + (2 * w.Pad), w.Kernel, 0, w.Stride, w.Pooled);
        Window(layer.AddNode("AveragePool", padded, output), shifted, shiftedW, 0, 0);
    }

    // Every window within [-pad, size + pad): Caffe's divisor is then the whole kernel, as count_include_pad's.
    private static bool InsidePadding(PoolWindow axis) => axis.EndPad(axis.Pad) <= axis.Pad;

    private static NodeProto Window(NodeProto node, PoolWindow h, PoolWindow w, int padH, int padW)
    {
        node.SetInts("kernel_shape", [h.Kernel, w.Kernel]).SetInts("strides", [h.Stride, w.Stride]);
        long[] pads = [padH, padW, h.EndPad(padH), w.EndPad(padW)];
        return pads.Any(p => p != 0) ? node.SetInts("pads", pads) : node;
    }
}
