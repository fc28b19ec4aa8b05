using Google.Protobuf.Reflection;

namespace LayerNet.Plugins;

/// <summary>
/// The proto2 extension fields registered by plugins (typically extensions of <c>caffe.LayerParameter</c>
/// carrying a layer's typed parameters). The prototxt reader the services build knows them, so model files
/// can write <c>[pkg.my_param] { ... }</c> or, when unambiguous, <c>my_param { ... }</c>.
/// </summary>
public sealed class ParameterExtensions
{
    private readonly List<FieldDescriptor> _fields = [];

    /// <summary>The registered extension fields.</summary>
    public IReadOnlyList<FieldDescriptor> Fields => _fields;

    /// <summary>Adds every extension field a .proto file declares (at file level and nested in its messages).</summary>
    public void Add(FileDescriptor file)
    {
        ArgumentNullException.ThrowIfNull(file);
        foreach (var field in file.Extensions.UnorderedExtensions)
        {
            AddField(field);
        }

        foreach (var message in file.MessageTypes)
        {
            AddNested(message);
        }
    }

    private void AddNested(MessageDescriptor message)
    {
        foreach (var field in message.Extensions.UnorderedExtensions)
        {
            AddField(field);
        }

        foreach (var nested in message.NestedTypes)
        {
            AddNested(nested);
        }
    }

    private void AddField(FieldDescriptor field)
    {
        foreach (var existing in _fields)
        {
            // The same declaration seen again (the same plugin loaded twice, in two load contexts): its layer
            // registrations report the clash, naming both files.
            if (ReferenceEquals(existing, field) || (existing.FullName == field.FullName && existing.FieldNumber == field.FieldNumber))
            {
                return;
            }

            // Two extensions of one message with one number cannot both be read from a binary file.
            if (existing.ExtendeeType.FullName == field.ExtendeeType.FullName && existing.FieldNumber == field.FieldNumber)
            {
                throw new Errors.LayerNetException(
                    $"extension number {field.FieldNumber} of {field.ExtendeeType.FullName} is declared twice: '{existing.FullName}' ({existing.File.Name}) and '{field.FullName}' ({field.File.Name}); give one of them another number");
            }
        }

        _fields.Add(field);
    }
}
