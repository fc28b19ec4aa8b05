using Caffe;
using LayerNet.Layers.Vision;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Im2col as a Conv whose weights pick each kernel tap: group C, and output channel c K + j (K kernel taps)
/// has weight 1 at tap j of its one input channel, 0 elsewhere, so it reads x[c] at tap j of each window, zeros in
/// the padding, in the order of Caffe's column matrix.
/// </summary>
public sealed class Im2colExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ConvolutionParam ?? new ConvolutionParameter();
        var shape = layer.InputShape(0);
        var channelAxis = ExportSteps.Canonical(p.Axis, shape.Count);
        var geometry = ConvolutionGeometry.Read(p, shape.Count - channelAxis - 1, layer.Layer);
        var channels = shape[channelAxis];
        var taps = 1;
        foreach (var k in geometry.Kernel)
        {
            taps *= k;
        }

        var picks = new float[channels * taps * taps];
        for (var c = 0; c < channels; c++)
        {
            for (var j = 0; j < taps; j++)
            {
                picks[(((c * taps) + j) * taps) + j] = 1f;
            }
        }

        var weight = layer.AddInitializer("taps", picks, [channels * taps, 1, .. ExportSteps.Dims(geometry.Kernel)]);
        ConvolutionNodes.Write(layer, "Conv", 0, weight, bias: null, geometry, channels, channelAxis, layer.Outputs[0]);
    }
}
