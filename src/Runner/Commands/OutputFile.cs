using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>Checks on a command's output path before anything is written: an output is never one of the inputs.</summary>
internal static class OutputFile
{
    /// <summary>
    /// Refuses an output that is the input itself (the same path, or a link to it): converting or upgrading a file onto
    /// itself would replace the user's file, comments and all.
    /// </summary>
    /// <exception cref="LayerNetException">The output is the input, or an empty path.</exception>
    public static void RequireNotInput(string input, string output)
    {
        RequireName(output, "OUT");
        if (IsSame(input, output))
        {
            throw Refusal($"OUT '{output}' is the input file");
        }
    }

    /// <summary>
    /// Refuses an output (given by <paramref name="option"/>) that is one of the command's inputs (the same path, or a
    /// link to it): <paramref name="role"/> says which, as "the training log".
    /// </summary>
    /// <exception cref="LayerNetException">The output is that input, or an empty path.</exception>
    public static void RequireNotInput(string input, string output, string option, string role)
    {
        RequireName(output, option);
        if (IsSame(input, output))
        {
            throw Refusal($"{option} '{output}' is {role} '{input}'");
        }
    }

    /// <summary>Refuses an output that is the input folder <paramref name="folder"/> (a database) or lies inside it.</summary>
    /// <exception cref="LayerNetException">The output is the folder or inside it.</exception>
    public static void RequireOutside(string folder, string output, string option, string role)
    {
        var inside = Resolved(folder).TrimEnd('/') + "/";
        var target = Resolved(output);
        if (target + "/" == inside)
        {
            throw Refusal($"{option} '{output}' is {role} '{folder}'");
        }

        if (target.StartsWith(inside, StringComparison.Ordinal))
        {
            throw Refusal($"{option} '{output}' is inside {role} '{folder}'");
        }
    }

    /// <summary>The regular file standard output is redirected to, or null (a terminal, a pipe, no /proc).</summary>
    public static string? StandardOutputFile()
    {
        try
        {
            var target = File.ResolveLinkTarget("/proc/self/fd/1", returnFinalTarget: false)?.FullName;
            return target is not null && Path.IsPathRooted(target) && File.Exists(target) ? target : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // An empty output path names no file (and Path.GetFullPath throws on it).
    private static void RequireName(string output, string option)
    {
        if (string.IsNullOrEmpty(output))
        {
            throw new LayerNetException($"{option} '': give the path of a file to write");
        }
    }

    private static bool IsSame(string input, string output) =>
        string.Equals(Resolved(input), Resolved(output), StringComparison.Ordinal);

    private static LayerNetException Refusal(string what) =>
        new($"{what}; write to another file (the input is never replaced)");

    /// <summary>The path a write lands on: links followed one by one, a relative target taken from its link's folder.</summary>
    internal static string Resolved(string path)
    {
        if (path.Length == 0)
        {
            // No file (an empty --model): its reader says so.
            return path;
        }

        var current = Path.GetFullPath(path);
        try
        {
            for (var hops = 0; hops < 40 && new FileInfo(current).LinkTarget is { } next; hops++)
            {
                current = Path.GetFullPath(next, Path.GetDirectoryName(current)!);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // An unreadable link: compare the path as given; the write itself will say what is wrong.
        }

        return current;
    }
}
