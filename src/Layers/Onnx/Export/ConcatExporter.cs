using Caffe;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Exports Concat as Concat(axis) (<c>axis</c>, or the legacy <c>concat_dim</c>); a single bottom is an Identity.</summary>
public sealed class ConcatExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Inputs.Count == 1)
        {
            layer.AddNode("Identity", layer.Inputs[0], layer.Outputs[0]);
            return;
        }

        var p = layer.Parameter.ConcatParam ?? new ConcatParameter();
        var axis = p.HasConcatDim ? (int)p.ConcatDim : ExportSteps.Canonical(p.Axis, layer.InputShape(0).Count);
        layer.AddNode("Concat", layer.Inputs, layer.Outputs).Set("axis", (long)axis);
    }
}
