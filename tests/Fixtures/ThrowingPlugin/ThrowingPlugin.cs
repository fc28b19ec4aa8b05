using LayerNet.Plugins;

namespace LayerNet.Fixtures.ThrowingPlugin;

/// <summary>A registration that throws the plugin's own exception type: the runner must report it in one line naming the plugin.</summary>
public sealed class ThrowingPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder) => throw new PluginSetupException("the settings file is missing");
}
