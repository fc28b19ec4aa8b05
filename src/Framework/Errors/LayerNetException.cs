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

    /// <summary>Where in a text file the mistake is, when known.</summary>
    public SourcePosition? Position { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; init; } = string.Empty;
}
