using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>The images a command that reads images is given: files as named, folders walked for image files.</summary>
internal static class ImageFileList
{
    /// <summary>The file extensions taken from a folder (compared without case).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>The files named, and the image files under the folders named (each folder's sorted by path).</summary>
    /// <exception cref="LayerNetException">A path that names nothing, or a folder with no image files.</exception>
    public static List<string> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(file => Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                files.AddRange(found.Count > 0 ? found : throw new LayerNetException($"folder '{path}' holds no image files ({string.Join(", ", Extensions)})"));
            }
            else
            {
                files.Add(File.Exists(path) ? path : throw new LayerNetException($"image '{path}' not found"));
            }
        }

        return files;
    }
}
