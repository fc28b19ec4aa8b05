using LayerNet.Layers.Common;
using LayerNet.Layers.Data;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Neuron;
using LayerNet.Layers.Vision;
using LayerNet.Plugins;

namespace LayerNet.Layers;

/// <summary>Registers LayerNet's built-in layers, through the same <see cref="LayerNetBuilder"/> path a plugin uses.</summary>
public static class StandardLayers
{
    /// <summary>Registers every built-in layer type under Caffe's type name (and LayerNet's own data layers).</summary>
    public static LayerNetBuilder AddStandardLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var source = builder.CurrentSource;
        builder.CurrentSource = "built in";
        try
        {
            builder.AddCommonLayers().AddNeuronLayers().AddLossLayers().AddVisionLayers().AddDataLayers();
        }
        finally
        {
            builder.CurrentSource = source;
        }

        return builder;
    }
}
