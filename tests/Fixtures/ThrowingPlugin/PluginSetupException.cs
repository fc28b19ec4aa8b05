namespace LayerNet.Fixtures.ThrowingPlugin;

/// <summary>An exception type of the plugin's own, unknown to the runner.</summary>
public sealed class PluginSetupException(string message) : Exception(message);
