namespace LayerNet.Plugins;

/// <summary>The entry point as a hypothetical LayerNet.Framework 99 might declare it.</summary>
public interface ILayerPlugin
{
    /// <summary>Adds the plugin's registrations.</summary>
    void Register(object builder);
}
