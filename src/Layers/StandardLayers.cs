using LayerNet.Layers.Common;
using LayerNet.Layers.Data;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Neuron;
using LayerNet.Plugins;

namespace LayerNet.Layers;

/// <summary>Registers LayerNet's built-in layers, through the same <see cref="LayerNetBuilder"/> path a plugin uses.</summary>
public static class StandardLayers
{
    /// <summary>Registers every built-in layer type under Caffe's type name.</summary>
    public static LayerNetBuilder AddStandardLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var source = builder.CurrentSource;
        builder.CurrentSource = "built in";
        builder
            .AddLayer<InnerProductLayer>("InnerProduct")
            .AddLayer<EltwiseLayer>("Eltwise")
            .AddLayer<SplitLayer>("Split")
            .AddLayer<SilenceLayer>("Silence")
            .AddLayer<ParameterLayer>("Parameter")
            .AddLayer<SigmoidLayer>("Sigmoid")
            .AddLayer<EuclideanLossLayer>("EuclideanLoss")
            .AddLayer<HingeLossLayer>("HingeLoss")
            .AddLayer<InputLayer>("Input")
            .AddLayer<DummyDataLayer>("DummyData")
            .AddLayer<HDF5DataLayer>("HDF5Data");
        builder.CurrentSource = source;
        return builder;
    }
}
