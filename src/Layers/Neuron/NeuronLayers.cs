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
            .AddLayer<SigmoidLayer>("Sigmoid")
            .AddLayer<ReLULayer>("ReLU")
            .AddLayer<PReLULayer>("PReLU")
            .AddLayer<ELULayer>("ELU")
            .AddLayer<TanHLayer>("TanH")
            .AddLayer<AbsValLayer>("AbsVal")
            .AddLayer<PowerLayer>("Power")
            .AddLayer<ExpLayer>("Exp")
            .AddLayer<LogLayer>("Log")
            .AddLayer<BNLLLayer>("BNLL")
            .AddLayer<DropoutLayer>("Dropout");
    }
}
