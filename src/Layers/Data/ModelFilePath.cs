namespace LayerNet.Layers.Data;

/// <summary>
/// Resolves a path a model file names (a data source, a mean file) as Caffe does, relative to the working
/// directory first, then relative to the folder of the model file, so a model runs from its own folder or
/// from anywhere else.
/// </summary>
internal static class ModelFilePath
{
    /// <summary>
    /// The full path of <paramref name="path"/>, which must exist (a file, or a folder when
    /// <paramref name="folderAllowed"/>); otherwise an error of <paramref name="layer"/> naming the places tried.
    /// </summary>
    public static string Resolve(Layer layer, string path, string description, bool folderAllowed = false)
    {
        var fromWorkingDirectory = Path.GetFullPath(path);
        if (Exists(fromWorkingDirectory, folderAllowed))
        {
            return fromWorkingDirectory;
        }

        var modelFolder = layer.Origin.Folder;
        if (Path.IsPathRooted(path) || modelFolder is null)
        {
            throw layer.Error($"{description} not found (tried '{fromWorkingDirectory}')");
        }

        var fromModelFolder = Path.GetFullPath(Path.Combine(modelFolder, path));
        if (Exists(fromModelFolder, folderAllowed))
        {
            return fromModelFolder;
        }

        throw layer.Error($"{description} not found (tried '{fromWorkingDirectory}' and '{fromModelFolder}')");
    }

    private static bool Exists(string path, bool folderAllowed) => File.Exists(path) || (folderAllowed && Directory.Exists(path));
}
