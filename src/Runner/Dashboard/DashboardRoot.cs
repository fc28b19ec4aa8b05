using LayerNet.Errors;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The one folder the dashboard may touch. Every path a client names is relative to it and resolved here: a path that
/// leaves the root (<c>..</c>, an absolute path, a link pointing out) is refused, so no page can read or write elsewhere.
/// </summary>
internal sealed class DashboardRoot
{
    /// <summary>Opens a root folder, which must exist.</summary>
    public DashboardRoot(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (folder.Length == 0 || folder.Any(char.IsControl))
        {
            throw new LayerNetException($"--root '{folder}': expected a folder");
        }

        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new LayerNetException($"--root '{folder}': no such folder");
        }

        FullPath = Path.TrimEndingDirectorySeparator(RealPath(full));
    }

    /// <summary>The root's absolute path, links resolved.</summary>
    public string FullPath { get; }

    /// <summary>
    /// The absolute path of <paramref name="relative"/> (forward slashes, relative to the root), or null when it names
    /// anything outside the root, is absolute, or holds a control character.
    /// </summary>
    public string? TryResolve(string? relative)
    {
        if (relative is null || relative.Any(char.IsControl) || Path.IsPathRooted(relative) || relative.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var full = Path.GetFullPath(Path.Combine(FullPath, relative.Length == 0 ? "." : relative));
            return Inside(full) && Inside(RealPath(full)) ? full : null;
        }
        catch (IOException)
        {
            // A loop of links, or a name the file system refuses: not a path the dashboard serves.
            return null;
        }
    }

    /// <summary>Like <see cref="TryResolve"/>, but a refused path is a <see cref="DashboardPathException"/>.</summary>
    public string Resolve(string? relative) =>
        TryResolve(relative) ?? throw new DashboardPathException($"'{relative}' is not a path under the dashboard's root");

    /// <summary>The path of a file or folder under the root, relative to it with forward slashes (for links).</summary>
    public string Relative(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        var relative = Path.GetRelativePath(FullPath, fullPath);
        return relative == "." ? "" : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private bool Inside(string full) =>
        full == FullPath || full.StartsWith(FullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // The path with every link along it followed, as far as it exists; the part that does not exist yet is kept as
    // written (a file about to be created under an existing folder).
    private static string RealPath(string full)
    {
        var existing = full;
        var rest = new Stack<string>();
        while (!File.Exists(existing) && !Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }

            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }

        var resolved = FollowLinks(existing);
        while (rest.Count > 0)
        {
            resolved = Path.Combine(resolved, rest.Pop());
        }

        return resolved;
    }

    private static string FollowLinks(string existing)
    {
        var parent = Path.GetDirectoryName(existing);
        var resolvedParent = parent is null ? existing : FollowLinks(parent);
        var here = parent is null ? existing : Path.Combine(resolvedParent, Path.GetFileName(existing));
        var info = new FileInfo(here);
        if (info.LinkTarget is { } target)
        {
            var final = info.ResolveLinkTarget(returnFinalTarget: true);
            return final is null ? Path.GetFullPath(target, resolvedParent) : FollowLinks(Path.GetFullPath(final.FullName));
        }

        return here;
    }
}
