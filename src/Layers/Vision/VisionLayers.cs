using LayerNet.Plugins;

namespace LayerNet.Layers.Vision;

/// <summary>Registration of the spatial layers (convolution, pooling, normalisation).</summary>
public static class VisionLayers
{
    /// <summary>Registers the vision layers under Caffe's type names.</summary>
    public static LayerNetBuilder AddVisionLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddLayer<ConvolutionLayer>("Convolution")
            .AddLayer<DeconvolutionLayer>("Deconvolution")
            .AddLayer<PoolingLayer>("Pooling")
            .AddLayer<LRNLayer>("LRN");
    }
}
