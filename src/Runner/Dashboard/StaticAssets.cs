using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LayerNet.Runner.Dashboard;

/// <summary>The dashboard's style sheet and scripts, embedded in the assembly (Dashboard/Static) and served under <c>/static</c>.</summary>
internal static class StaticAssets
{
    private const string Prefix = "LayerNet.Runner.Dashboard.Static.";

    /// <summary>Maps <c>/static/{name}</c> to the embedded files.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var assembly = typeof(StaticAssets).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(name => name[Prefix.Length..], StringComparer.Ordinal);
        app.MapGet("/static/{name}", (string name) =>
        {
            if (!names.TryGetValue(name, out var resource) || ContentType(name) is not { } type)
            {
                return Results.NotFound();
            }

            return Results.Stream(assembly.GetManifestResourceStream(resource)!, type);
        });
    }

    private static string? ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => null,
    };
}
