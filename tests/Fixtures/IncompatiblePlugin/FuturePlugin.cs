using LayerNet.Plugins;

namespace LayerNet.Fixtures.IncompatiblePlugin;

/// <summary>An entry point against the version-99 contract.</summary>
public sealed class FuturePlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(object builder)
    {
    }
}
