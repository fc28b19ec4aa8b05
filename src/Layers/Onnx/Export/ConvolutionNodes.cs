using LayerNet.Layers.Vision;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Writes a Conv or ConvTranspose with Caffe's window (kernel, symmetric pads, strides, dilations, group) for a
/// bottom whose channel axis is <c>convolution_param.axis</c>: ONNX wants N x C x spatial, so a bottom with several
/// item axes (or none) is reshaped to one item axis first and back after.
/// </summary>
internal static class ConvolutionNodes
{
    /// <summary>Adds the nodes computing <paramref name="output"/> (top <paramref name="index"/>) from bottom <paramref name="index"/>.</summary>
    public static void Write(
        OnnxLayerExport layer, string opType, int index, string weight, string? bias, ConvolutionGeometry geometry, int group, int channelAxis, string output)
    {
        var inputShape = layer.InputShape(index);
        var outputShape = layer.OutputShape(index);
        var input = layer.Inputs[index];
        var itemsFirst = channelAxis != 1;
        if (itemsFirst)
        {
            // One item axis: N x C x spatial (the product of the item axes, 1 when there are none).
            var reshaped = layer.NewValue("items");
            layer.Reshape(input, [-1, .. ExportSteps.Dims(inputShape.Skip(channelAxis))], reshaped);
            input = reshaped;
        }

        var result = itemsFirst ? layer.NewValue(opType) : output;
        var node = layer.AddNode(opType, bias is null ? [input, weight] : [input, weight, bias], [result]);
        node.SetInts("kernel_shape", ExportSteps.Dims(geometry.Kernel))
            .SetInts("strides", ExportSteps.Dims(geometry.Stride))
            .SetInts("dilations", ExportSteps.Dims(geometry.Dilation));
        if (geometry.Pad.Any(p => p != 0))
        {
            node.SetInts("pads", ExportSteps.Dims([.. geometry.Pad, .. geometry.Pad]));
        }

        if (group != 1)
        {
            node.Set("group", (long)group);
        }

        if (itemsFirst)
        {
            var shape = ExportSteps.Dims(outputShape);
            if (layer.DynamicBatch && channelAxis > 0)
            {
                shape[0] = -1;
            }

            layer.Reshape(result, shape, output);
        }
    }
}
