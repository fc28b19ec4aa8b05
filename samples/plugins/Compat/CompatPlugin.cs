using LayerNet.Plugins;

namespace LayerNet.Samples.Compat;

/// <summary>
/// The plugin's entry point: registers the fork fields (<c>bn_param</c>, <c>pooling_param.ceil_mode</c>), the "Axpy"
/// and "BN" layer types, and the parameter rule that makes the built-in Pooling layer honour <c>ceil_mode</c>.
/// </summary>
public sealed class CompatPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder
            .AddParameterExtensions(CompatReflection.Descriptor)
            .AddLayer<AxpyLayer>("Axpy")
            .AddLayer<BNLayer>("BN")
            .AddParameterRule("Pooling", CeilModeRule.Apply);
    }
}
