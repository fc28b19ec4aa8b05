namespace LayerNet.Errors;

/// <summary>
/// The one exception type for a user's mistake: bad model file, bad shape, missing file, bad plugin.
/// Its message reads like a compiler's (<c>net.prototxt(14,3): layer 'ip1' (InnerProduct): expected 1
/// bottom blob, got 2</c>); the runner prints it as it is, without a stack trace, and exits non-zero.
/// </summary>
public class LayerNetException : Exception
{
    /// <summary>Creates an error with no source position (the message names the layer, blob or file).</summary>
    public LayerNetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an error with no source position that wraps the exception that revealed it.</summary>
    public LayerNetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an error at a place in a text file; the message is prefixed with the place.</summary>
    public LayerNetException(SourcePosition position, string message)
        : base($"{position}: {message}")
    {
        Position = position;
        Detail = message;
    }

    /// <summary>Creates an error at a place in a text file, wrapping the exception that revealed it.</summary>
    public LayerNetException(SourcePosition position, string message, Exception innerException)
        : base($"{position}: {message}", innerException)
    {
        Position = position;
        Detail = message;
    }

    /// <summary>
    /// An error at <paramref name="position"/> when it is known (the message then starts with the place), or an
    /// error that names its subject in the message alone.
    /// </summary>
    public static LayerNetException At(SourcePosition? position, string message, Exception? innerException = null) =>
        (position, innerException) switch
        {
            ({ } p, null) => new LayerNetException(p, message),
            ({ } p, { } inner) => new LayerNetException(p, message, inner),
            (null, null) => new LayerNetException(message),
            (null, { } inner) => new LayerNetException(message, inner),
        };

    /// <summary>The name of the layer the error is about, when a layer raised it (see <c>Layer.Error</c>).</summary>
    public string? Layer { get; internal set; }

    /// <summary>Where in a text file the mistake is, when known.</summary>
    public SourcePosition? Position { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; init; } = string.Empty;
}
