using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports MVN over each channel of each item (or each item with <c>across_channels</c>): y = x - mean(x), then with
/// <c>normalize_variance</c> y / (sqrt(mean(y^2)) + eps), eps added after the square root as Caffe adds it. The
/// means are ReduceMean over axes 2, 3 (or 1, 2, 3); a bottom of fewer than 4 axes is first reshaped to Caffe's
/// num x channels x height x width, the top's shape.
/// </summary>
public sealed class MVNExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.MvnParam ?? new MVNParameter();
        var x = layer.Inputs[0];
        var rank = layer.InputShape(0).Count;
        if (rank != 4)
        {
            var shape = ExportSteps.Dims(layer.OutputShape(0));
            if (rank > 0)
            {
                shape[0] = 0;
            }

            x = layer.NewValue("nchw");
            layer.Reshape(layer.Inputs[0], shape, x);
        }

        long[] axes = p.AcrossChannels ? [1, 2, 3] : [2, 3];
        var mean = layer.NewValue("mean");
        layer.Reduce("ReduceMean", x, axes, keepDims: true, mean);
        var centred = p.NormalizeVariance ? layer.NewValue("centred") : layer.Outputs[0];
        layer.AddNode("Sub", [x, mean], [centred]);
        if (!p.NormalizeVariance)
        {
            return;
        }

        var squares = layer.NewValue("squares");
        layer.AddNode("Mul", [centred, centred], [squares]);
        var variance = layer.NewValue("variance");
        layer.Reduce("ReduceMean", squares, axes, keepDims: true, variance);
        var std = new NodeChain(layer, variance);
        std.Then("Sqrt");
        std.Add(p.Eps, "eps");
        layer.AddNode("Div", [centred, std.Value], [layer.Outputs[0]]);
    }
}
