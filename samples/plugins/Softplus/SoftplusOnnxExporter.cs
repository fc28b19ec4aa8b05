using LayerNet.Onnx;

namespace LayerNet.Samples.Softplus;

/// <summary>
/// Writes the Softplus layer as ONNX nodes (<c>layernet export</c>): ONNX's Softplus has no beta and no threshold, so
/// the layer's formula is spelled out, y = Softplus(beta x) / beta where beta x &lt;= threshold and y = x elsewhere:
/// Mul, Softplus, Div, Greater and Where (the Mul and Div left out when beta is 1). Registered next to the layer in
/// <see cref="SoftplusPlugin"/>.
/// </summary>
public sealed class SoftplusOnnxExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var parameter = (SoftplusLayer)layer.Layer; // set up by the net: its beta and threshold are checked and read
        var x = layer.Inputs[0];
        var scaled = x;
        if (parameter.Beta != 1f)
        {
            scaled = layer.NewValue("scaled");
            layer.AddNode("Mul", [x, layer.AddScalar("beta", parameter.Beta)], [scaled]);
        }

        var soft = layer.NewValue("softplus");
        layer.AddNode("Softplus", scaled, soft);
        if (parameter.Beta != 1f)
        {
            var divided = layer.NewValue("divided");
            layer.AddNode("Div", [soft, layer.AddScalar("beta_divisor", parameter.Beta)], [divided]);
            soft = divided;
        }

        var linear = layer.NewValue("linear");
        layer.AddNode("Greater", [scaled, layer.AddScalar("threshold", parameter.Threshold)], [linear]);
        layer.AddNode("Where", [linear, x, soft], [layer.Outputs[0]]);
    }
}
