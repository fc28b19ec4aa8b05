using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>Checks on a command's output path before anything is written.</summary>
internal static class OutputFile
{
    /// <summary>
    /// Refuses an output that is the input itself (the same path, or a link to it): converting or upgrading a file onto
    /// itself would replace the user's file, comments and all.
    /// </summary>
    /// <exception cref="LayerNetException">The output is the input.</exception>
    public static void RequireNotInput(string input, string output)
    {
        if (string.Equals(Resolved(input), Resolved(output), StringComparison.Ordinal))
        {
            throw new LayerNetException($"OUT '{output}' is the input file; write to another file (the input is never replaced)");
        }
    }

    private static string Resolved(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }
}
