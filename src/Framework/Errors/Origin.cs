namespace LayerNet.Errors;

/// <summary>
/// Where a definition (a layer, a net) came from: the place of its block in a text model file, when it was read
/// from text, and the folder the relative paths it names resolve against (after the working folder, as Caffe).
/// The net hands each layer its origin as it hands it its phase and random source.
/// </summary>
/// <param name="Position">Where the block begins in its text file; null for a definition read from binary or built in code.</param>
/// <param name="Folder">The folder of the file the definition was read from; null when it came from no file.</param>
public readonly record struct Origin(SourcePosition? Position, string? Folder)
{
    /// <summary>The origin of a definition from the file at <paramref name="path"/>, at <paramref name="position"/> in it.</summary>
    public static Origin InFile(string path, SourcePosition? position = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var folder = path.Length == 0 ? null : Path.GetDirectoryName(Path.GetFullPath(path));
        return new Origin(position, folder);
    }

    /// <summary>The origin of a definition at <paramref name="position"/> in a text file (its folder is that file's).</summary>
    public static Origin At(SourcePosition position) =>
        InFile(position.File, position);

    /// <summary>The same folder, another place in the file (or none).</summary>
    public Origin WithPosition(SourcePosition? position) => this with { Position = position };

    /// <summary>The one way to raise a user's mistake found in this definition: prefixed with the place when known.</summary>
    public LayerNetException Error(string message, Exception? innerException = null) =>
        LayerNetException.At(Position, message, innerException);
}
