using Caffe;
using LayerNet.Layers.Common;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports BatchNorm. With the stored statistics (the TEST phase, or <c>use_global_stats</c>) it is
/// BatchNormalization with mean M / s and variance V / s (s the scale factor blob; both 0 when s is 0), scale 1,
/// bias 0 and Caffe's eps. With the batch's statistics it is written out: mu = mean over every axis but 1,
/// y = (x - mu) / sqrt(mean((x - mu)^2) + eps).
/// </summary>
/// <remarks>A one-axis bottom (Caffe's single channel) gets a channel axis for the node and loses it after.</remarks>
public sealed class BatchNormExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var eps = (layer.Parameter.BatchNormParam ?? new BatchNormParameter()).Eps;
        var rank = layer.InputShape(0).Count;
        if (layer.Layer is BatchNormLayer { UsesGlobalStats: false })
        {
            BatchStatistics(layer, rank, eps);
            return;
        }

        var blobs = layer.Layer.Blobs;
        var factor = blobs[2].Data[0];
        var scale = factor == 0f ? 0f : 1f / factor;
        var channels = blobs[0].Count;
        var mean = new float[channels];
        var variance = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            mean[c] = blobs[0].Data[c] * scale;
            variance[c] = blobs[1].Data[c] * scale;
        }

        var ones = new float[channels];
        Array.Fill(ones, 1f);
        var x = layer.Inputs[0];
        var y = layer.Outputs[0];
        if (rank == 1)
        {
            x = layer.NewValue("channel");
            y = layer.NewValue("normalized");
            layer.Unsqueeze(layer.Inputs[0], [1], x);
        }

        layer.AddNode(
            "BatchNormalization",
            [x, layer.AddInitializer("scale", ones, channels), layer.AddInitializer("bias", new float[channels], channels),
                layer.AddInitializer("mean", mean, channels), layer.AddInitializer("variance", variance, channels)],
            [y]).Set("epsilon", eps);
        if (rank == 1)
        {
            layer.AddNode("Squeeze", [y, layer.AddInt64s("axes", 1)], [layer.Outputs[0]]);
        }
    }

    private static void BatchStatistics(OnnxLayerExport layer, int rank, float eps)
    {
        long[] axes = rank == 1 ? [0] : [0, .. ExportSteps.Axes(2, rank - 2)];
        var x = layer.Inputs[0];
        var mean = layer.NewValue("mean");
        layer.Reduce("ReduceMean", x, axes, keepDims: true, mean);
        var centred = layer.NewValue("centred");
        layer.AddNode("Sub", [x, mean], [centred]);
        var squares = layer.NewValue("squares");
        layer.AddNode("Mul", [centred, centred], [squares]);
        var variance = layer.NewValue("variance");
        layer.Reduce("ReduceMean", squares, axes, keepDims: true, variance);
        if (eps != 0f)
        {
            var shifted = layer.NewValue("variance_eps");
            layer.AddNode("Add", [variance, layer.AddScalar("eps", eps)], [shifted]);
            variance = shifted;
        }

        var std = layer.NewValue("std");
        layer.AddNode("Sqrt", variance, std);
        layer.AddNode("Div", [centred, std], [layer.Outputs[0]]);
    }
}
