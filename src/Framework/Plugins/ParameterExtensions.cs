using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Text;

namespace LayerNet.Plugins;

/// <summary>
/// The schema's one registry of proto2 extension fields: those the built-in layers and the loaded plugins
/// declare: extensions of <c>caffe.LayerParameter</c> carrying a layer's typed parameters, and a fork's fields of
/// any other message of caffe.proto (each declares an extension range above its own fields), such as
/// <c>extend caffe.PoolingParameter { optional bool ceil_mode = 1000; }</c>. Within one extended message, two
/// extensions may share neither a number nor a name, and none may take the name of one of the message's own
/// fields. The text
/// reader, the text writer and the binary reader all take their extensions from here, so a model file can write
/// <c>[pkg.my_param] { ... }</c> (or, when unambiguous, <c>my_param { ... }</c>), a <c>.caffemodel</c> keeps a
/// plugin's parameters as typed values, and both print back.
/// </summary>
public sealed class ParameterExtensions
{
    private readonly List<FieldDescriptor> _fields = [];
    private readonly Dictionary<FieldDescriptor, string> _sources = [];
    private PrototxtReader? _reader;
    private ExtensionRegistry? _registry;

    /// <summary>A registry with no extensions: for messages that no plugin extends (or code that wants none, said explicitly).</summary>
    public static ParameterExtensions None => new();

    /// <summary>The registered extension fields.</summary>
    public IReadOnlyList<FieldDescriptor> Fields => _fields;

    /// <summary>The prototxt reader that knows every registered extension.</summary>
    public PrototxtReader Reader => _reader ??= new PrototxtReader(_fields);

    /// <summary>The registry binary parsing uses, so that registered extensions read back as typed values.</summary>
    public ExtensionRegistry BinaryRegistry
    {
        get
        {
            if (_registry is null)
            {
                _registry = [];
                foreach (var extension in _fields)
                {
                    _registry.Add(extension.Extension);
                }
            }

            return _registry;
        }
    }

    /// <summary>Prints <paramref name="message"/> as prototxt, extensions included (see <see cref="PrototxtWriter"/>).</summary>
    public string Write(IMessage message) => PrototxtWriter.Write(message, this);

    /// <summary>Adds every extension field a .proto file declares (at file level and nested in its messages).</summary>
    public void Add(FileDescriptor file) => Add(file, null);

    /// <summary>Adds every extension field <paramref name="file"/> declares, registered by <paramref name="source"/> (a plugin's path), which a clash names.</summary>
    internal void Add(FileDescriptor file, string? source)
    {
        ArgumentNullException.ThrowIfNull(file);
        foreach (var field in file.Extensions.UnorderedExtensions)
        {
            Add(field, source);
        }

        foreach (var message in file.MessageTypes)
        {
            AddNested(message, source);
        }
    }

    private void AddNested(MessageDescriptor message, string? source)
    {
        foreach (var field in message.Extensions.UnorderedExtensions)
        {
            Add(field, source);
        }

        foreach (var nested in message.NestedTypes)
        {
            AddNested(nested, source);
        }
    }

    /// <summary>Adds one extension field (see the class remarks for what is refused).</summary>
    internal void Add(FieldDescriptor field, string? source = null)
    {
        foreach (var existing in _fields)
        {
            // The same declaration seen again (the same plugin loaded twice, in two load contexts): its layer
            // registrations report the clash, naming both files.
            if (ReferenceEquals(existing, field) || (existing.FullName == field.FullName && existing.FieldNumber == field.FieldNumber))
            {
                return;
            }

            if (existing.ExtendeeType.FullName != field.ExtendeeType.FullName)
            {
                continue;
            }

            // Two extensions of one message with one number cannot both be read from a binary file.
            if (existing.FieldNumber == field.FieldNumber)
            {
                throw new Errors.LayerNetException(
                    $"extension number {field.FieldNumber} of {field.ExtendeeType.FullName} is declared twice: '{existing.FullName}' ({Where(existing)}) and '{field.FullName}' ({Where(field, source)}); give one of them another number");
            }

            // A model file names a fork's field by its bare name (pooling_param { ceil_mode: false }), so two
            // extensions of one message with one name would make the file mean whichever plugin loaded first.
            if (existing.Name == field.Name)
            {
                throw new Errors.LayerNetException(
                    $"extension name '{field.Name}' of {field.ExtendeeType.FullName} is declared twice: '{existing.FullName}' ({Where(existing)}) and '{field.FullName}' ({Where(field, source)}); a model file could not tell them apart by name");
            }
        }

        // An extension named like one of the message's own fields would never be read by its bare name.
        if (field.ExtendeeType.FindFieldByName(field.Name) is { } own)
        {
            throw new Errors.LayerNetException(
                $"extension '{field.FullName}' ({Where(field, source)}) has the name of {field.ExtendeeType.FullName}'s own field '{own.Name}' (number {own.FieldNumber}); give it another name");
        }

        _fields.Add(field);
        if (source is not null)
        {
            _sources[field] = source;
        }

        _reader = null;
        _registry = null;
    }

    /// <summary>"x.proto", or "x.proto by /path/plugin.dll" ("by built in") when the registration's source is known.</summary>
    private string Where(FieldDescriptor field, string? source = null)
    {
        source ??= _sources.GetValueOrDefault(field);
        return source is null ? field.File.Name : $"{field.File.Name} by {source}";
    }
}
