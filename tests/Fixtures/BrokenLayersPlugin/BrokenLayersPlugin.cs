using LayerNet.Plugins;

namespace LayerNet.Fixtures.BrokenLayersPlugin;

/// <summary>Registers two layers that cannot be created: one whose static constructor throws, one needing a service nobody registers.</summary>
public sealed class BrokenLayersPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddLayer<StaticFaultLayer>("StaticFault").AddLayer<NeedsServiceLayer>("NeedsService");
    }
}
