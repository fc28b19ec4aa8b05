using LayerNet.Fixtures.NoEntryPlugin;
using LayerNet.Plugins;

namespace LayerNet.Fixtures.HostilePlugin;

/// <summary>
/// Registers layers that misbehave in ways no exception handler sees: "Spin" (Forward never returns), "Recurse"
/// (Forward recurses until the stack overflows), "Greedy" (set-up throws OutOfMemoryException) and "Lonely" from the plugin's
/// own dependency (BrokenLayersPlugin has a layer whose static constructor throws). With LAYERNET_HOSTILE_REGISTRATION
/// set, the registration itself throws, with a line break in its message.
/// </summary>
public sealed class HostilePlugin : ILayerPlugin
{
    /// <summary>The variable that makes the registration throw.</summary>
    public const string ThrowVariable = "LAYERNET_HOSTILE_REGISTRATION";

    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Environment.GetEnvironmentVariable(ThrowVariable) is { Length: > 0 } value)
        {
            throw new InvalidOperationException($"the registry is broken:\n{value}");
        }

        builder
            .AddLayer<SpinLayer>("Spin")
            .AddLayer<RecurseLayer>("Recurse")
            .AddLayer<GreedyLayer>("Greedy")
            .AddLayer<LonelyLayer>("Lonely");
    }
}
