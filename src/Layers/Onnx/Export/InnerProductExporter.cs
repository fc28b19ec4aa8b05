using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports InnerProduct, y = x W^T + b over the axes from <c>axis</c> on (x W with <c>transpose</c>). At axis 1 it is
/// Gemm (transB unless <c>transpose</c>), after a Flatten when the bottom has more than two axes. At another axis
/// the bottom is reshaped to keep the axes before it and merge the rest, then MatMul by the K x N weight (stored
/// transposed unless <c>transpose</c>) and Add of the bias: the top keeps the axes before <c>axis</c>, as Caffe's.
/// </summary>
public sealed class InnerProductExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.InnerProductParam ?? new InnerProductParameter();
        var shape = layer.InputShape(0);
        var axis = ExportSteps.Canonical(p.Axis, shape.Count);
        var blobs = layer.Layer.Blobs;
        var x = layer.Inputs[0];
        if (axis == 1)
        {
            if (shape.Count != 2)
            {
                var flat = layer.NewValue("flat");
                layer.AddNode("Flatten", x, flat).Set("axis", 1L);
                x = flat;
            }

            var weight = layer.AddInitializer("weight", blobs[0]);
            string[] inputs = p.BiasTerm ? [x, weight, layer.AddInitializer("bias", blobs[1])] : [x, weight];
            var gemm = layer.AddNode("Gemm", inputs, [layer.Outputs[0]]);
            if (!p.Transpose)
            {
                gemm.Set("transB", 1L);
            }

            return;
        }

        if (shape.Count != axis + 1)
        {
            var merged = layer.NewValue("merged");
            layer.Reshape(x, [.. new long[axis], -1], merged);
            x = merged;
        }

        var product = p.BiasTerm ? layer.NewValue("product") : layer.Outputs[0];
        layer.AddNode("MatMul", [x, MatMulWeight(layer, blobs[0], p.Transpose)], [product]);
        if (p.BiasTerm)
        {
            layer.AddNode("Add", [product, layer.AddInitializer("bias", blobs[1])], [layer.Outputs[0]]);
        }
    }

    // MatMul multiplies by K x N: Caffe's N x K weight transposed, or the K x N weight of transpose: true as it is.
    private static string MatMulWeight(OnnxLayerExport layer, Blobs.Blob weight, bool transposed)
    {
        if (transposed)
        {
            return layer.AddInitializer("weight", weight);
        }

        int outputs = weight.Shape[0], inputs = weight.Shape[1];
        var values = new float[weight.Count];
        ReadOnlySpan<float> data = weight.Data;
        for (var n = 0; n < outputs; n++)
        {
            for (var k = 0; k < inputs; k++)
            {
                values[(k * outputs) + n] = data[(n * inputs) + k];
            }
        }

        return layer.AddInitializer("weight", values, inputs, outputs);
    }
}
