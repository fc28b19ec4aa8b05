namespace LayerNet.Plugins;

/// <summary>
/// Which LayerNet.Framework versions can run a plugin, by Semantic Versioning over the public API: a breaking change
/// starts a new compatibility line, the major version, or below 1.0 the minor one (0.1 and 0.2 are as far apart as
/// 1 and 2, as NuGet authors and Cargo read 0.y). Within a line members are only added, so a plugin runs on its own
/// version or a later one, never an earlier one, which may lack what it calls. The plugin loader and the API check
/// (a removed member needs a new line) use this one rule; assembly versions carry major.minor (version.json).
/// </summary>
internal static class FrameworkCompatibility
{
    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are on one compatibility line.</summary>
    public static bool SameLine(Version a, Version b) => a.Major == b.Major && (a.Major != 0 || a.Minor == b.Minor);

    /// <summary>The line as a version range a reader knows: "2.x", or "0.3.x" below 1.0.</summary>
    public static string LineName(Version version) => version.Major == 0 ? $"0.{version.Minor}.x" : $"{version.Major}.x";

    /// <summary>
    /// Why a plugin built against <paramref name="plugin"/> cannot run on <paramref name="host"/>, as the end of a
    /// one-line error, or null when it can.
    /// </summary>
    public static string? Refusal(Version plugin, Version host)
    {
        if (!SameLine(plugin, host))
        {
            return $"built against LayerNet.Framework {plugin}, incompatible with this runner's {host}; rebuild the plugin against LayerNet.Framework {LineName(host)}";
        }

        if (plugin.Major == host.Major && plugin.Minor > host.Minor)
        {
            return $"built against LayerNet.Framework {plugin}, newer than this runner's {host}; update layernet, or rebuild the plugin against LayerNet.Framework {host.Major}.{host.Minor}";
        }

        return null;
    }
}
