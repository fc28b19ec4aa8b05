using LayerNet.Plugins;

namespace LayerNet.Layers.Loss;

/// <summary>Registration of the loss layers.</summary>
public static class LossLayers
{
    /// <summary>Registers the loss layers under Caffe's type names.</summary>
    public static LayerNetBuilder AddLossLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddLayer<EuclideanLossLayer>("EuclideanLoss")
            .AddLayer<HingeLossLayer>("HingeLoss")
            .AddLayer<MultinomialLogisticLossLayer>("MultinomialLogisticLoss")
            .AddLayer<SigmoidCrossEntropyLossLayer>("SigmoidCrossEntropyLoss")
            .AddLayer<SoftmaxWithLossLayer>("SoftmaxWithLoss");
    }
}
