using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Power, y = (shift + scale x)^power, as Mul, Add and Pow, each left out when it changes nothing (scale 1,
/// shift 0, power 1).
/// </summary>
/// <remarks>
/// When scale * power = 0 Caffe ignores the input: y = 1 for power 0, shift^power otherwise, everywhere. That
/// constant is expanded to the input's shape (a product by 0 would turn infinities into NaN).
/// </remarks>
public sealed class PowerExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.PowerParam ?? new PowerParameter();
        if (p.Power * p.Scale == 0f)
        {
            var value = p.Power == 0f ? 1f : MathF.Pow(p.Shift, p.Power);
            var shape = layer.NewValue("shape");
            layer.AddNode("Shape", layer.Inputs[0], shape);
            layer.AddNode("Expand", [layer.AddScalar("value", value), shape], [layer.Outputs[0]]);
            return;
        }

        var chain = new NodeChain(layer, layer.Inputs[0]);
        chain.MultiplyBy(p.Scale, "scale");
        chain.Add(p.Shift, "shift");
        if (p.Power != 1f)
        {
            chain.Then("Pow", layer.AddScalar("power", p.Power));
        }

        chain.End(layer.Outputs[0]);
    }
}
