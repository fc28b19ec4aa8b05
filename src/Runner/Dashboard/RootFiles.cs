using Microsoft.AspNetCore.Http;

namespace LayerNet.Runner.Dashboard;

/// <summary><c>/api/files</c>: the files and folders of one folder under the root, for the pages' pickers.</summary>
internal static class RootFiles
{
    /// <summary>The most entries one listing returns.</summary>
    public const int MaxEntries = 2000;

    /// <summary>Lists a folder under the root; <paramref name="extension"/> (such as <c>.prototxt</c>) keeps only those files.</summary>
    public static IResult List(DashboardRoot root, string? path, string? extension)
    {
        ArgumentNullException.ThrowIfNull(root);
        var folder = root.Resolve(path ?? "");
        if (!Directory.Exists(folder))
        {
            return Results.NotFound($"'{path}': no such folder under the root");
        }

        var folders = Directory.EnumerateDirectories(folder)
            .Where(d => root.TryResolve(root.Relative(d)) is not null)
            .Select(d => root.Relative(d))
            .Order(StringComparer.Ordinal)
            .Take(MaxEntries)
            .ToList();
        var files = Directory.EnumerateFiles(folder)
            .Where(f => extension is null || f.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            .Where(f => root.TryResolve(root.Relative(f)) is not null)
            .Select(f => new RootFile(root.Relative(f), new FileInfo(f).Length))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .Take(MaxEntries)
            .ToList();
        return Results.Json(new RootListing(root.Relative(folder), folders, files));
    }
}
