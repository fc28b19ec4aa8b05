using Caffe;
using LayerNet.Layers.Neuron;
using LayerNet.Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports the layers whose every top is a copy of their bottom: Caffe's Split (an Identity per top) and Dropout
/// outside the TRAIN phase (Caffe scales at training time, so at test time the layer is the identity).
/// </summary>
public sealed class IdentityExporter : IOnnxExporter
{
    /// <inheritdoc/>
    /// <exception cref="Errors.LayerNetException">A Dropout layer built for the TRAIN phase, which drops values at random.</exception>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Layer is DropoutLayer && layer.Layer.Phase == Phase.Train)
        {
            throw layer.Unsupported("in the TRAIN phase Dropout zeroes values at random; export the net in the TEST phase, where it is the identity");
        }

        foreach (var output in layer.Outputs)
        {
            layer.AddNode("Identity", layer.Inputs[0], output);
        }
    }
}
