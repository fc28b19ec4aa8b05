using System.Globalization;

namespace LayerNet.Layers.Data;

/// <summary>
/// One line of an image list (ImageData's source, convert-imageset's LIST): the path, the integer label after
/// the line's last space (so a path may hold spaces, as Caffe splits it), and the line's number from 1.
/// </summary>
internal readonly record struct ImageListLine(string Path, int Label, int Number)
{
    /// <summary>
    /// Reads a list, skipping blank lines; a bad line throws a <see cref="FormatException"/> whose message
    /// completes "image list 'x' ...": "line N: expected 'path label' ...".
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageListLine[] ReadAll(string path)
    {
        var lines = new List<ImageListLine>();
        var number = 0;
        foreach (var text in LayerNet.Files.MessageFile.ReadAllText(path).Split('\n'))
        {
            number++;
            var line = text.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var split = line.LastIndexOf(' ');
            if (split <= 0 || !int.TryParse(line.AsSpan(split + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label))
            {
                throw new FormatException($"line {number}: expected 'path label' (an integer label after the last space), got '{line}'");
            }

            lines.Add(new ImageListLine(line[..split], label, number));
        }

        return [.. lines];
    }
}
