using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Exp, y = base^(shift + scale x) = base^shift exp(ln(base) scale x) (base -1 meaning e), as Mul, Exp and
/// Mul, the products left out when their factor is 1.
/// </summary>
public sealed class ExpExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ExpParam ?? new ExpParameter();
        var natural = p.Base == -1f;
        var innerScale = (natural ? 1f : MathF.Log(p.Base)) * p.Scale;
        var outerScale = p.Shift == 0f ? 1f : natural ? MathF.Exp(p.Shift) : MathF.Pow(p.Base, p.Shift);
        var chain = new NodeChain(layer, layer.Inputs[0]);
        chain.MultiplyBy(innerScale, "scale");
        chain.Then("Exp");
        chain.MultiplyBy(outerScale, "base_power_shift");
        chain.End(layer.Outputs[0]);
    }
}
