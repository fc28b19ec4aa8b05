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
            .AddLayer<InnerProductLayer>("InnerProduct")
            .AddLayer<EltwiseLayer>("Eltwise")
            .AddLayer<SplitLayer>("Split")
            .AddLayer<SilenceLayer>("Silence")
            .AddLayer<ParameterLayer>("Parameter");
    }
}
