namespace LayerNet.Errors;

/// <summary>
/// A place in a text file: the file's path as the user named it, and a 1-based line and column.
/// Printed as a compiler prints it: <c>net.prototxt(14,3)</c>.
/// </summary>
/// <param name="File">The file's path as given by the user (may be relative); empty when the text had no file.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <summary>Formats the position as <c>file(line,col)</c>, or <c>(line,col)</c> without a file.</summary>
    public override string ToString() =>
        string.IsNullOrEmpty(File) ? $"({Line},{Column})" : $"{File}({Line},{Column})";
}
