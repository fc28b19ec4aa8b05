using LayerNet.Errors;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The files and folders under the root that the Model, Inference and Datasets pages offer in their pickers, found
/// through the whole tree (not one folder at a time as <c>/api/files</c>), each checked by <see cref="DashboardRoot"/>.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The most paths one search returns.</summary>
    public const int MaxEntries = 1000;

    /// <summary>How deep below the root a search looks.</summary>
    public const int MaxDepth = 8;

    /// <summary>The image file extensions offered (those the image decoder reads).</summary>
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Files under the root ending in one of <paramref name="extensions"/>, relative, sorted.</summary>
    public static IReadOnlyList<string> Find(DashboardRoot root, params string[] extensions)
    {
        ArgumentNullException.ThrowIfNull(root);
        var found = new List<string>();
        Walk(root, root.FullPath, 0, found, folders: false, extensions);
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>Folders under the root (not the root itself), relative, sorted.</summary>
    public static IReadOnlyList<string> Folders(DashboardRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var found = new List<string>();
        Walk(root, root.FullPath, 0, found, folders: true, []);
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>
    /// The absolute path of an existing file under the root named by a client; <paramref name="what"/> names the
    /// field in the error.
    /// </summary>
    /// <exception cref="DashboardPathException">The path leaves the root.</exception>
    /// <exception cref="LayerNetException">No path was given, or no such file exists.</exception>
    public static string ExistingFile(DashboardRoot root, string? relative, string what)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (string.IsNullOrEmpty(relative))
        {
            throw new LayerNetException($"{what}: choose a file");
        }

        var full = root.Resolve(relative);
        return File.Exists(full) ? full : throw new LayerNetException($"{what} '{relative}': no such file under the root");
    }

    // Depth first, folders in order; hidden folders (a conversion's .partial folder, .git) and links out of the root
    // are passed over, and an LMDB's data files are never offered (no extension matches them).
    private static void Walk(DashboardRoot root, string folder, int depth, List<string> found, bool folders, string[] extensions)
    {
        if (depth > MaxDepth || found.Count >= MaxEntries)
        {
            return;
        }

        IEnumerable<string> children;
        try
        {
            children = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).ToList();
            if (!folders)
            {
                foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                {
                    if (found.Count < MaxEntries
                        && extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase))
                        && root.TryResolve(root.Relative(file)) is not null)
                    {
                        found.Add(root.Relative(file));
                    }
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A folder the server may not read is not offered; the others still are.
            return;
        }

        foreach (var child in children)
        {
            if (Path.GetFileName(child).StartsWith('.') || root.TryResolve(root.Relative(child)) is null)
            {
                continue;
            }

            if (folders && found.Count < MaxEntries)
            {
                found.Add(root.Relative(child));
            }

            Walk(root, child, depth + 1, found, folders, extensions);
        }
    }
}
