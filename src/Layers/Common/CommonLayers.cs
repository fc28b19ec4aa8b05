using LayerNet.Plugins;

namespace LayerNet.Layers.Common;

/// <summary>Registration of the structural layers (inner product, element-wise, shape and routing layers).</summary>
public static class CommonLayers
{
    /// <summary>Registers the common layers under Caffe's type names.</summary>
    public static LayerNetBuilder AddCommonLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddLayer<SoftmaxLayer>("Softmax")
            .AddLayer<AccuracyLayer>("Accuracy")
            .AddLayer<ArgMaxLayer>("ArgMax")
            .AddLayer<EmbedLayer>("Embed")
            .AddLayer<InnerProductLayer>("InnerProduct")
            .AddLayer<EltwiseLayer>("Eltwise")
            .AddLayer<SplitLayer>("Split")
            .AddLayer<SilenceLayer>("Silence")
            .AddLayer<BatchNormLayer>("BatchNorm")
            .AddLayer<ScaleLayer>("Scale")
            .AddLayer<BiasLayer>("Bias")
            .AddLayer<FlattenLayer>("Flatten")
            .AddLayer<ReshapeLayer>("Reshape")
            .AddLayer<ConcatLayer>("Concat")
            .AddLayer<SliceLayer>("Slice")
            .AddLayer<ReductionLayer>("Reduction")
            .AddLayer<TileLayer>("Tile")
            .AddLayer<CropLayer>("Crop")
            .AddLayer<ParameterLayer>("Parameter");
    }
}
