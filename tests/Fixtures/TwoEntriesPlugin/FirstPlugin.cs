using LayerNet.Plugins;

namespace LayerNet.Fixtures.TwoEntriesPlugin;

/// <summary>One of two entry points: the loader must refuse the assembly.</summary>
public sealed class FirstPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
    }
}
