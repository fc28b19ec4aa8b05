using Caffe;
using LayerNet.Layers.Vision;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Convolution as Conv and Deconvolution as ConvTranspose, in any number of spatial dimensions, one node per
/// bottom, all sharing the weight (and bias) initializers.
/// </summary>
/// <remarks>
/// Caffe's weight layouts are ONNX's: C_out x C_in / group x kernel for a convolution, C_in x C_out / group x kernel
/// for a deconvolution. Pads are symmetric per axis. A deconvolution's output, s (in - 1) + d (k - 1) + 1 - 2 p, is
/// ConvTranspose's with those pads and no output_padding.
/// </remarks>
public sealed class ConvolutionExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ConvolutionParam ?? new ConvolutionParameter();
        var rank = layer.InputShape(0).Count;
        var channelAxis = ExportSteps.Canonical(p.Axis, rank);
        var geometry = ConvolutionGeometry.Read(p, rank - channelAxis - 1, layer.Layer);
        var weight = layer.AddInitializer("weight", layer.Layer.Blobs[0]);
        var bias = p.BiasTerm ? layer.AddInitializer("bias", layer.Layer.Blobs[1]) : null;
        var opType = layer.Layer is DeconvolutionLayer ? "ConvTranspose" : "Conv";
        for (var i = 0; i < layer.Inputs.Count; i++)
        {
            ConvolutionNodes.Write(layer, opType, i, weight, bias, geometry, (int)p.Group, channelAxis, layer.Outputs[i]);
        }
    }
}
