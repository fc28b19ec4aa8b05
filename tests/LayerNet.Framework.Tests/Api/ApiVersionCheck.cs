using System.Text.Json;
using LayerNet.Plugins;

namespace LayerNet.Framework.Tests.Api;

/// <summary>
/// Semantic Versioning held to the public API file: a line of the last release's API (api/released/M.m) that the
/// current one (api/LayerNet.Framework.txt) no longer has is a removed or changed member, which plugins built
/// against that release may call, so version.json must start a new compatibility line (see
/// <see cref="FrameworkCompatibility"/>). Added lines need nothing: they are a minor change at most.
/// </summary>
internal static class ApiVersionCheck
{
    /// <summary>
    /// What is wrong with releasing <paramref name="current"/> after <paramref name="released"/>, or null when
    /// nothing is.
    /// </summary>
    public static string? Problem(Version released, IReadOnlyCollection<string> releasedApi, Version current, IReadOnlyCollection<string> currentApi)
    {
        if (current < released)
        {
            return $"version.json's version {current} is older than the last release's {released}";
        }

        var removed = releasedApi.Except(currentApi, StringComparer.Ordinal).ToList();
        if (removed.Count == 0 || !FrameworkCompatibility.SameLine(released, current))
        {
            return null;
        }

        var next = released.Major == 0 ? $"0.{released.Minor + 1}" : $"{released.Major + 1}.0";
        return $"""
            {removed.Count} public member(s) of LayerNet.Framework {released} were removed or changed, but version.json still says {current}, the same compatibility line; a plugin built against {released} may call them.
            Either keep them, or set "version": "{next}" in version.json (a breaking release) and say so in CHANGELOG.md.
            Removed or changed:
            {string.Join(Environment.NewLine, removed.Select(l => "  - " + l))}
            """;
    }

    /// <summary>The major.minor of version.json's "version" ("0.1", "1.2-beta", "1.2.3" all read as major.minor).</summary>
    public static Version ReadVersionFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var text = document.RootElement.GetProperty("version").GetString() ?? string.Empty;
        var numbers = text.Split('-', '+')[0].Split('.');
        return new Version(int.Parse(numbers[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(numbers[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
