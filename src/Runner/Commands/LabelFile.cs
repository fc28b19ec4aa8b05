using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>A <c>--labels</c> file: class names, one a line, line i naming class i (synset_words.txt, VOC's names).</summary>
internal static class LabelFile
{
    /// <summary>The names, each trimmed; blank lines at the end are dropped.</summary>
    /// <exception cref="LayerNetException">The file cannot be read.</exception>
    public static string[] Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var lines = File.ReadAllLines(path).ToList();
            while (lines.Count > 0 && lines[^1].Trim().Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            return [.. lines.Select(line => line.Trim())];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"--labels: cannot read '{path}': {exception.Message}", exception);
        }
    }
}
