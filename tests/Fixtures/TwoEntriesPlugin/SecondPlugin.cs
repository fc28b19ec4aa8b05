using LayerNet.Plugins;

namespace LayerNet.Fixtures.TwoEntriesPlugin;

/// <summary>The other of two entry points.</summary>
public sealed class SecondPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
    }
}
