namespace LayerNet.Testing;

/// <summary>
/// Thrown by <see cref="GradientChecker"/> when a gradient is out of tolerance; the message names the layer, the
/// blob, the element and both gradients. Test frameworks report it as a failure.
/// </summary>
public sealed class GradientCheckException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public GradientCheckException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was out of tolerance.</param>
    public GradientCheckException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was out of tolerance.</param>
    /// <param name="innerException">The cause.</param>
    public GradientCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
