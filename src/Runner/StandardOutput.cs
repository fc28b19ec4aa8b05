using System.Text;

namespace LayerNet.Runner;

/// <summary>
/// Standard output as the commands write it: every write goes to the process's standard output, and a write that
/// fails (a full device, a closed descriptor, a reader gone) becomes a <see cref="StandardOutputException"/>, which
/// the command line reports as one line and exit code 1 instead of a crash.
/// </summary>
internal sealed class StandardOutput(TextWriter inner) : TextWriter
{
    /// <inheritdoc/>
    public override Encoding Encoding => inner.Encoding;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        try
        {
            inner.Write(value);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        try
        {
            inner.Write(value);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count)
    {
        try
        {
            inner.Write(buffer, index, count);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<char> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void WriteLine()
    {
        try
        {
            inner.WriteLine();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        try
        {
            inner.WriteLine(value);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        try
        {
            inner.WriteLine(buffer);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(exception);
        }
    }

    // A closed descriptor: .NET reports EBADF as access denied, with the system's words in the inner exception.
    private static StandardOutputException Failure(Exception exception) =>
        new(exception is UnauthorizedAccessException { InnerException: IOException inner } ? inner.Message : exception.Message, exception);
}

/// <summary>Standard output could not be written; the message is the system's reason.</summary>
internal sealed class StandardOutputException(string message, Exception inner) : Exception(message, inner);
