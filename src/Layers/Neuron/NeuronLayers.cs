using LayerNet.Plugins;

namespace LayerNet.Layers.Neuron;

/// <summary>Registration of the element-wise activation layers.</summary>
public static class NeuronLayers
{
    /// <summary>Registers the neuron layers under Caffe's type names.</summary>
    public static LayerNetBuilder AddNeuronLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddLayer<SigmoidLayer>("Sigmoid");
    }
}
