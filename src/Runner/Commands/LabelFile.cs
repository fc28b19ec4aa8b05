using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>A <c>--labels</c> file: class names, one a line, line i naming class i (synset_words.txt, VOC's names).</summary>
internal static class LabelFile
{
    /// <summary>The names, each trimmed; blank lines at the end are dropped.</summary>
    /// <exception cref="LayerNetException">The file cannot be read (missing, a folder, a device without end).</exception>
    public static string[] Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            // The bounded reader: a device without end (/dev/zero) or a folder is one line, not a hang.
            text = Files.MessageFile.ReadAllText(path);
        }
        catch (LayerNetException exception)
        {
            throw new LayerNetException($"--labels: {exception.Message}", exception);
        }

        var lines = text.Split('\n').Select(line => line.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return [.. lines];
    }
}
