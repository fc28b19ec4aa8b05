using Caffe;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Errors;
using LayerNet.Plugins;
using LayerNet.Solvers;
using LayerNet.Text;

namespace LayerNet.Files;

/// <summary>
/// Reads and writes protobuf messages as files: prototxt (text) or binary, chosen by extension, with
/// errors that name the file. Binary writes are atomic: a temporary file beside the target, then a rename,
/// so a crash mid-write never leaves a truncated file where a good one was.
/// </summary>
public static class MessageFile
{
    private static readonly string[] TextExtensions = [".prototxt", ".pbtxt", ".txt", ".textproto"];

    /// <summary>True when the path's extension means text (.prototxt, .pbtxt, .txt, .textproto).</summary>
    public static bool IsText(string path) =>
        TextExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads a message from a text or binary file (by extension), with the schema's extensions.</summary>
    /// <exception cref="LayerNetException">The file cannot be read or is not a valid <typeparamref name="T"/>.</exception>
    public static T Read<T>(string path, ParameterExtensions schema)
        where T : IMessage<T>, new() =>
        IsText(path) ? ReadDocument<T>(path, schema).Message : ReadBinary<T>(path, schema);

    /// <summary>Reads a message of any type from a text or binary file (by extension), with the schema's extensions.</summary>
    /// <exception cref="LayerNetException">The file cannot be read or is not a valid message of that type.</exception>
    public static IMessage Read(MessageDescriptor descriptor, string path, ParameterExtensions schema)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(schema);
        if (IsText(path))
        {
            return schema.Reader.ParseDocument(descriptor, ReadAllText(path), path).Message;
        }

        var bytes = ReadAllBytes(path);
        try
        {
            return descriptor.Parser.WithExtensionRegistry(schema.BinaryRegistry).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new LayerNetException($"{path}: not a valid binary {descriptor.FullName} ({exception.Message})", exception);
        }
    }

    /// <summary>Reads a prototxt file, with where each of its messages began (for errors that point into it).</summary>
    /// <exception cref="LayerNetException">The file cannot be read or is not a valid <typeparamref name="T"/>.</exception>
    public static TextDocument<T> ReadDocument<T>(string path, ParameterExtensions schema)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Reader.ParseDocument<T>(ReadAllText(path), path);
    }

    /// <summary>
    /// Reads a net definition from prototxt as Caffe reads one: upgraded from V0 or V1, its <c>input</c> fields made an
    /// Input layer, BatchNorm's old param specs removed (<see cref="NetUpgrade"/>), with one warning on
    /// <paramref name="log"/> that says so; the source tree places each upgraded layer where its old block is.
    /// </summary>
    /// <exception cref="LayerNetException">The file cannot be read, is not a valid net, or cannot be upgraded.</exception>
    public static TextDocument<NetParameter> ReadNetDocument(string path, ParameterExtensions schema, TrainingLog log)
    {
        var document = ReadDocument<NetParameter>(path, schema);
        var (net, source) = UpgradeNet(document.Message, document.Source, path, definition: true, log);
        return ReferenceEquals(net, document.Message) ? document : new TextDocument<NetParameter>(net, source ?? document.Source);
    }

    /// <summary>
    /// Reads weights (a <c>.caffemodel</c>, or prototxt by extension) as Caffe reads them: upgraded from V0 or V1
    /// (<see cref="NetUpgrade"/>), with one warning on <paramref name="log"/> that says so.
    /// </summary>
    /// <exception cref="LayerNetException">The file cannot be read, is not a valid net, or cannot be upgraded.</exception>
    public static NetParameter ReadWeights(string path, ParameterExtensions schema, TrainingLog log) =>
        UpgradeNet(Read<NetParameter>(path, schema), null, path, definition: false, log).Net;

    /// <summary>
    /// Reads a solver file (prototxt) as Caffe reads one: its old <c>solver_type</c> enum made the <c>type</c> name
    /// (<see cref="SolverUpgrade"/>), with one warning on <paramref name="log"/> that says so.
    /// </summary>
    /// <exception cref="LayerNetException">The file cannot be read, is not a valid solver, or gives both solver_type and type.</exception>
    public static TextDocument<SolverParameter> ReadSolverDocument(string path, ParameterExtensions schema, TrainingLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var document = ReadDocument<SolverParameter>(path, schema);
        if (SolverUpgrade.DeprecatedForm(document.Message) is not { } form)
        {
            return document;
        }

        var solver = SolverUpgrade.Upgrade(document.Message, document.Source.Position);
        log.Warning("solver", NetUpgrade.Note(path, form));
        return new TextDocument<SolverParameter>(solver, document.Source);
    }

    /// <summary>
    /// The net upgraded when it needs it (the same message when not), with its source mapped; one warning on
    /// <paramref name="log"/> names <paramref name="path"/> (and <paramref name="part"/>, a net inside a solver file),
    /// then Caffe's notes about fields it dropped.
    /// </summary>
    internal static (NetParameter Net, MessageSource? Source) UpgradeNet(NetParameter net, MessageSource? source, string path, bool definition, TrainingLog log, string? part = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(log);
        if (NetUpgrade.DeprecatedForm(net) is not { } form)
        {
            return (net, source);
        }

        var notes = new List<string>();
        var upgraded = NetUpgrade.Upgrade(net, source, path, definition, notes);
        log.Warning("net", NetUpgrade.Note(path, part is null ? form : $"{form} in its {part}"));
        foreach (var note in notes)
        {
            log.Warning("net", note);
        }

        return upgraded;
    }

    /// <summary>Reads a binary protobuf file (.caffemodel, .solverstate, .binaryproto), with the schema's extensions.</summary>
    /// <exception cref="LayerNetException">The file cannot be read or is not a valid binary <typeparamref name="T"/>.</exception>
    public static T ReadBinary<T>(string path, ParameterExtensions schema)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(schema);
        var bytes = ReadAllBytes(path);
        try
        {
            return new MessageParser<T>(() => new T()).WithExtensionRegistry(schema.BinaryRegistry).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException exception)
        {
            // Google.Protobuf refuses invalid UTF-8 in a string field here too ("String is invalid UTF-8").
            throw new LayerNetException($"{path}: not a valid binary {new T().Descriptor.FullName} ({FirstSentence(exception.Message)}); is the file truncated or of another kind?", exception);
        }
    }

    /// <summary>Writes a message as prototxt (with the schema's extensions) or binary (by extension), atomically.</summary>
    public static void Write(string path, IMessage message, ParameterExtensions schema)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(schema);
        if (IsText(path))
        {
            WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(PrototxtWriter.Write(message, schema)));
        }
        else
        {
            WriteAtomic(path, message.ToByteArray());
        }
    }

    /// <summary>
    /// Writes bytes to a file atomically: to a temporary file in the same folder, flushed to disk, then renamed over
    /// the target; on failure the temporary file is removed and the target is untouched. A symbolic link is written
    /// through (the rename happens beside its final target; the link stays); a character device such as /dev/full
    /// or a FIFO is written in place (a FIFO nothing reads is refused, never waited on); a folder is refused.
    /// </summary>
    /// <exception cref="LayerNetException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> bytes) => OutputTarget.Write(path, bytes);

    // How much a file that reports no size (a device, a pipe, a file of /proc) may give before it is refused.
    private const int UnsizedLimit = 64 << 20;

    /// <summary>
    /// Reads a whole UTF-8 text file (a byte-order mark is skipped), with a clear error for a missing file, a folder,
    /// no permission, or a device without end. A byte that is not valid UTF-8 is kept as U+DC80 to U+DCFF (the byte
    /// plus U+DC00), not made U+FFFD: the prototxt reader refuses it in a string, naming its line and column.
    /// </summary>
    public static string ReadAllText(string path) => Utf8Text.Decode(ReadAllBytes(path));

    /// <summary>Reads a whole binary file, with a clear error for a missing file, a folder, no permission, or a device without end.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        RequireFile(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var size = stream.Length;
            if (size > Array.MaxLength)
            {
                throw new LayerNetException($"cannot read '{path}': it is {size} bytes, more than one file LayerNet reads may hold ({Array.MaxLength})");
            }

            // A regular file says its size. A device or a file of /proc says 0 and gives what it gives: read it up to
            // UnsizedLimit, so that /dev/zero or /dev/urandom is one line, not a process that fills memory.
            var limit = size > 0 ? (int)size : UnsizedLimit + 1;
            var buffer = new byte[size > 0 ? limit : 65_536];
            var total = 0;
            int read;
            while (total < limit && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
                if (total == buffer.Length && total < limit)
                {
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit));
                }
            }

            if (size == 0 && total > UnsizedLimit)
            {
                throw new LayerNetException($"cannot read '{path}': it reports no size but gives more than {UnsizedLimit >> 20} MiB (a device such as /dev/zero?); give a regular file");
            }

            return total == buffer.Length ? buffer : buffer[..total];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot read '{path}': {exception.Message}", exception);
        }
    }

    /// <summary>Fails with a user-facing error unless <paramref name="path"/> is an existing file.</summary>
    public static void RequireFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new LayerNetException($"cannot read '{path}': it is a folder, expected a file");
        }

        if (!File.Exists(path))
        {
            throw new LayerNetException($"cannot read '{path}': no such file");
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf('.', StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
