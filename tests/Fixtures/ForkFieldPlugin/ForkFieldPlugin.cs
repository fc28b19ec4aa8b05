using LayerNet.Plugins;

namespace LayerNet.Fixtures.ForkFieldPlugin;

/// <summary>Declares pooling_param's ceil_mode as an extension, as the Compat sample does: loaded together, they clash.</summary>
public sealed class ForkFieldPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddParameterExtensions(ForkFieldReflection.Descriptor);
    }
}
