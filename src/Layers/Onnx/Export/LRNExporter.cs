using Caffe;
using LayerNet.Onnx;
using NormRegion = Caffe.LRNParameter.Types.NormRegion;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports LRN. ACROSS_CHANNELS is ONNX's LRN(size, alpha, beta, bias = k): both compute
/// x / (k + alpha / n sum of x^2 over the n channels centred on x)^beta. WITHIN_CHANNEL, which ONNX lacks, is written
/// as Caffe composes it: x (1 + alpha avgpool(x^2))^-beta, the average over the n x n window centred on x with pad
/// (n - 1) / 2, every window dividing by n^2 (count_include_pad).
/// </summary>
public sealed class LRNExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.LrnParam ?? new LRNParameter();
        var x = layer.Inputs[0];
        if (p.NormRegion == NormRegion.AcrossChannels)
        {
            layer.AddNode("LRN", x, layer.Outputs[0])
                .Set("size", (long)p.LocalSize).Set("alpha", p.Alpha).Set("beta", p.Beta).Set("bias", p.K);
            return;
        }

        var size = (long)p.LocalSize;
        var pad = (size - 1) / 2;
        var chain = new NodeChain(layer, x);
        chain.Then("Mul", x);
        chain.Then("AveragePool")
            .SetInts("kernel_shape", [size, size]).SetInts("pads", [pad, pad, pad, pad]).Set("count_include_pad", 1L);
        chain.MultiplyBy(p.Alpha, "alpha");
        chain.Add(1f, "one");
        chain.Then("Pow", layer.AddScalar("minus_beta", -p.Beta));
        chain.Then("Mul", x);
        chain.End(layer.Outputs[0]);
    }
}
