using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Plugins;

namespace LayerNet.Text;

/// <summary>
/// Prints any message as protobuf text format, in the style of protoc's <c>TextFormat::Print</c>: fields in
/// field-number order, two-space indent, <c>name: value</c> and <c>name { ... }</c>. An extension is printed by its
/// bare name, as the Caffe fork that added the field writes it (the registry keeps bare names unambiguous). The output reads back in <see cref="PrototxtReader"/> as an equal message, and
/// in Caffe (C++ TextFormat) when it holds no extension, or in the fork whose fields the extensions are.
/// </summary>
/// <remarks>
/// Strings and bytes are double-quoted with C escapes (bytes outside printable ASCII as octal <c>\NNN</c>), enums
/// by name (by number when the value has no name), floats and doubles in the shortest form that reads back to the
/// same bits, non-finite ones as <c>inf</c>, <c>-inf</c>, <c>nan</c> and <c>-nan</c>. A NaN reads back as the
/// standard quiet NaN of its sign, so other NaN payloads are not kept. Unknown fields (from binary input of a newer
/// schema) are not printed.
/// </remarks>
public static class PrototxtWriter
{
    /// <summary>Prints <paramref name="message"/> as prototxt text; an empty message prints as the empty string.</summary>
    /// <param name="message">The message, with any extensions set on it.</param>
    /// <param name="extensions">The schema's extensions: those set on the message are printed.</param>
    public static string Write(IMessage message, ParameterExtensions extensions)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(extensions);
        var byExtendee = new Dictionary<MessageDescriptor, List<FieldDescriptor>>();
        foreach (var field in extensions.Fields)
        {
            if (!byExtendee.TryGetValue(field.ExtendeeType, out var list))
            {
                list = [];
                byExtendee.Add(field.ExtendeeType, list);
            }

            list.Add(field);
        }

        foreach (var list in byExtendee.Values)
        {
            list.Sort((a, b) => a.FieldNumber.CompareTo(b.FieldNumber));
        }

        return new PrototxtPrinter(byExtendee).Print(message);
    }
}
