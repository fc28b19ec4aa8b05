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
    public override void Write(char value) => Guard(inner, value, static (writer, c) => writer.Write(c));

    /// <inheritdoc/>
    public override void Write(string? value) => Guard(inner, value, static (writer, text) => writer.Write(text));

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) =>
        Guard(inner, (buffer, index, count), static (writer, part) => writer.Write(part.buffer, part.index, part.count));

    /// <inheritdoc/>
    public override void WriteLine() => Guard(inner, 0, static (writer, _) => writer.WriteLine());

    /// <inheritdoc/>
    public override void WriteLine(string? value) => Guard(inner, value, static (writer, text) => writer.WriteLine(text));

    /// <inheritdoc/>
    public override void Flush() => Guard(inner, 0, static (writer, _) => writer.Flush());

    // One write onto the inner writer (static lambdas and a value argument: nothing is allocated per write).
    private static void Guard<T>(TextWriter writer, T value, Action<TextWriter, T> write)
    {
        try
        {
            write(writer, value);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A closed descriptor: .NET reports EBADF as access denied, with the system's words in the inner exception.
            throw new StandardOutputException(
                exception is UnauthorizedAccessException { InnerException: IOException inner } ? inner.Message : exception.Message, exception);
        }
    }
}

/// <summary>Standard output could not be written; the message is the system's reason.</summary>
internal sealed class StandardOutputException(string message, Exception inner) : Exception(message, inner);
