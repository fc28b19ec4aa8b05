using LayerNet.Plugins;

namespace LayerNet.Fixtures.ClashingPlugin;

/// <summary>Registers "InnerProduct", a name the built-in layers already use.</summary>
public sealed class ClashingPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddLayer<OtherInnerProductLayer>("InnerProduct");
    }
}
