using LayerNet.Plugins;

namespace LayerNet.Fixtures.FaultyPlugin;

/// <summary>Registers the "Faulty" layer type.</summary>
public sealed class FaultyPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddLayer<FaultyLayer>("Faulty");
    }
}
