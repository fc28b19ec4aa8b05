using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Log, y = log_base(shift + scale x) = ln(shift + scale x) / ln(base) (base -1 meaning e), as Mul, Add, Log
/// and Mul, each product or sum left out when it changes nothing.
/// </summary>
public sealed class LogExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.LogParam ?? new LogParameter();
        var chain = new NodeChain(layer, layer.Inputs[0]);
        chain.MultiplyBy(p.Scale, "scale");
        chain.Add(p.Shift, "shift");
        chain.Then("Log");
        chain.MultiplyBy(p.Base == -1f ? 1f : 1f / MathF.Log(p.Base), "inverse_log_base");
        chain.End(layer.Outputs[0]);
    }
}
