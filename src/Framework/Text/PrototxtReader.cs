using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>
/// Reads protobuf text format (prototxt) into any generated message, driven by its descriptor: what protoc's
/// <c>TextFormat::Parse</c> accepts, this accepts, and the result is the message protoc would build.
/// </summary>
/// <remarks>
/// <see cref="ParseDocument{T}"/> and <see cref="ReadDocument{T}"/> return, beside the message, a
/// <see cref="MessageSource"/> tree saying where each message began (the top-level one at its first token, a nested
/// one at its field name, an element of a <c>[ {...}, {...} ]</c> list at its opening brace), so later errors can
/// point into the file. Any problem with the text raises a <see cref="LayerNetException"/> naming file, line and
/// column; nothing else escapes for any input. Extensions of a message (a plugin's <c>[pkg.my_param] { }</c>) are
/// read when they are passed to the constructor; a known extension may also be written by its bare name
/// (<c>my_param { }</c>) when no other known extension of that message shares it. Map fields and
/// <c>google.protobuf.Any</c> expansions are not supported.
/// </remarks>
public sealed class PrototxtReader
{
    private readonly Dictionary<MessageDescriptor, ExtensionScope> _extensions = [];

    /// <summary>Creates a reader that knows the given extension fields.</summary>
    /// <param name="extensions">
    /// Extension fields (generated, <see cref="FieldDescriptor.IsExtension"/>) the text may set, such as a plugin's
    /// <c>my_param</c> extending <c>caffe.LayerParameter</c>. Given explicitly, empty for none: a reader that knows no
    /// plugin is a choice a caller states (<c>ParameterExtensions.None.Reader</c>), never a default; the schema's
    /// reader is <c>ParameterExtensions.Reader</c>.
    /// </param>
    /// <exception cref="ArgumentException">A field is not an extension, or has no generated code to set it with.</exception>
    public PrototxtReader(IEnumerable<FieldDescriptor> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        foreach (var extension in extensions)
        {
            ArgumentNullException.ThrowIfNull(extension, nameof(extensions));
            if (!extension.IsExtension)
            {
                throw new ArgumentException($"'{extension.FullName}' is a normal field, not an extension.", nameof(extensions));
            }

            if (extension.Extension is null)
            {
                throw new ArgumentException($"Extension '{extension.FullName}' has no generated code; only generated extensions can be set.", nameof(extensions));
            }

            if (!_extensions.TryGetValue(extension.ExtendeeType, out var scope))
            {
                scope = new ExtensionScope();
                _extensions[extension.ExtendeeType] = scope;
            }

            scope.Add(extension);
        }
    }

    /// <summary>Reads <paramref name="text"/> as a <typeparamref name="T"/>, with where each of its messages began.</summary>
    /// <param name="text">The prototxt text.</param>
    /// <param name="fileName">The file name error messages and source positions carry; empty for none.</param>
    /// <exception cref="LayerNetException">The text is not a valid <typeparamref name="T"/>.</exception>
    public TextDocument<T> ParseDocument<T>(string text, string fileName = "")
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var message = new T();
        var source = PrototxtParser.Parse(message, text, fileName, _extensions);
        return new TextDocument<T>(message, source);
    }

    /// <summary>Reads <paramref name="text"/> as a <typeparamref name="T"/> when no later error needs to point into it.</summary>
    /// <param name="text">The prototxt text.</param>
    /// <param name="fileName">The file name error messages carry; empty for none.</param>
    /// <exception cref="LayerNetException">The text is not a valid <typeparamref name="T"/>.</exception>
    public T Parse<T>(string text, string fileName = "")
        where T : IMessage<T>, new() =>
        ParseDocument<T>(text, fileName).Message;

    /// <summary>Reads <paramref name="text"/> as a message of the type <paramref name="descriptor"/> describes.</summary>
    /// <param name="descriptor">The message type, which must have generated code.</param>
    /// <param name="text">The prototxt text.</param>
    /// <param name="fileName">The file name error messages carry; empty for none.</param>
    /// <exception cref="LayerNetException">The text is not a valid message of that type.</exception>
    public TextDocument<IMessage> ParseDocument(MessageDescriptor descriptor, string text, string fileName = "")
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var message = descriptor.Parser?.ParseFrom(ByteString.Empty)
            ?? throw new ArgumentException($"Message type '{descriptor.FullName}' has no generated code.", nameof(descriptor));
        var source = PrototxtParser.Parse(message, text, fileName, _extensions);
        return new TextDocument<IMessage>(message, source);
    }

    /// <summary>Reads the file at <paramref name="path"/> as a <typeparamref name="T"/>, with where each of its messages began.</summary>
    /// <param name="path">The file's path; positions and errors name it as given.</param>
    /// <exception cref="LayerNetException">The file cannot be read, or is not a valid <typeparamref name="T"/>.</exception>
    public TextDocument<T> ReadDocument<T>(string path)
        where T : IMessage<T>, new() =>
        ParseDocument<T>(ReadText(path), path);

    /// <summary>Reads the file at <paramref name="path"/> as a message of the type <paramref name="descriptor"/> describes.</summary>
    /// <param name="descriptor">The message type, which must have generated code.</param>
    /// <param name="path">The file's path; positions and errors name it as given.</param>
    /// <exception cref="LayerNetException">The file cannot be read, or is not a valid message of that type.</exception>
    public TextDocument<IMessage> ReadDocument(MessageDescriptor descriptor, string path) =>
        ParseDocument(descriptor, ReadText(path), path);

    private static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (Directory.Exists(path))
            {
                throw new LayerNetException($"cannot read model file '{path}': it is a folder, not a file");
            }

            // A stray Latin-1 byte in a comment should not stop a model that Caffe reads; in a string the tokenizer
            // refuses it (Utf8Text keeps it apart from the characters of the file).
            return Utf8Text.Decode(File.ReadAllBytes(path));
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LayerNetException($"cannot read model file '{path}': no such file", exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new LayerNetException($"cannot read model file '{path}': permission denied", exception);
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or NotSupportedException)
        {
            throw new LayerNetException($"cannot read model file '{path}': {exception.Message}", exception);
        }
    }
}
