using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace LayerNet.Text;

/// <summary>One print of a message for <see cref="PrototxtWriter"/>: the text so far and the extensions known.</summary>
internal sealed class PrototxtPrinter
{
    private static readonly List<FieldDescriptor> NoExtensions = [];

    private readonly StringBuilder _output = new();
    private readonly IReadOnlyDictionary<MessageDescriptor, List<FieldDescriptor>> _extensions;

    /// <summary>Starts a print that writes the given extensions where they are set.</summary>
    public PrototxtPrinter(IReadOnlyDictionary<MessageDescriptor, List<FieldDescriptor>> extensions) => _extensions = extensions;

    /// <summary>Prints the fields of <paramref name="message"/> at the top level.</summary>
    public string Print(IMessage message)
    {
        WriteFields(message, indent: 0);
        return _output.ToString();
    }

    private void WriteFields(IMessage message, int indent)
    {
        var descriptor = message.Descriptor;
        var fields = descriptor.Fields.InFieldNumberOrder();
        var extensions = _extensions.TryGetValue(descriptor, out var list) ? list : NoExtensions;
        var next = 0;
        foreach (var field in fields)
        {
            while (next < extensions.Count && extensions[next].FieldNumber < field.FieldNumber)
            {
                WriteExtension(message, extensions[next++], indent);
            }

            WriteField(message, field, field.Name, indent);
        }

        while (next < extensions.Count)
        {
            WriteExtension(message, extensions[next++], indent);
        }

        if (UnknownFields(message) is { Length: > 0 } unknown)
        {
            WriteUnknownFields(unknown, indent);
        }
    }

    // Fields the schema does not know (a fork's field in a .caffemodel, MTCNN's `loss_param { 4: 4 }`), kept by the
    // binary reader in the message's unknown field set; read back as their wire bytes.
    private static byte[]? UnknownFields(IMessage message)
    {
        var field = UnknownFieldSetFields.GetOrAdd(
            message.GetType(),
            type => type.GetField("_unknownFields", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic));
        if (field?.GetValue(message) is not UnknownFieldSet set)
        {
            return null;
        }

        var bytes = new byte[set.CalculateSize()];
        var output = new CodedOutputStream(bytes);
        set.WriteTo(output);
        output.Flush();
        return bytes;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.FieldInfo?> UnknownFieldSetFields = new();

    // As protoc's TextFormat prints unknown fields: by number; varints in decimal, fixed32/fixed64 as 0x%08x/0x%016x,
    // length-delimited bytes as a nested `N { }` when they parse as fields, otherwise as a quoted string.
    private void WriteUnknownFields(ReadOnlySpan<byte> bytes, int indent)
    {
        var input = new CodedInputStream(bytes.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag).ToString(CultureInfo.InvariantCulture);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    Indent(indent).Append(number).Append(": ").Append(input.ReadUInt64().ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case WireFormat.WireType.Fixed32:
                    Indent(indent).Append(number).Append(": 0x").Append(input.ReadFixed32().ToString("x8", CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case WireFormat.WireType.Fixed64:
                    Indent(indent).Append(number).Append(": 0x").Append(input.ReadFixed64().ToString("x16", CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case WireFormat.WireType.LengthDelimited:
                    var content = input.ReadBytes().ToByteArray();
                    if (content.Length > 0 && IsFieldSequence(content))
                    {
                        Indent(indent).Append(number).Append(" {\n");
                        WriteUnknownFields(content, indent + 1);
                        Indent(indent).Append("}\n");
                    }
                    else
                    {
                        Indent(indent).Append(number).Append(": ");
                        WriteQuoted(content);
                        _output.Append('\n');
                    }

                    break;
                default:
                    // A group: its fields follow, up to the matching end tag.
                    input.SkipLastField();
                    break;
            }
        }
    }

    // Whether bytes read as a whole sequence of well-formed fields (protoc's test before printing them as a message).
    private static bool IsFieldSequence(byte[] bytes)
    {
        try
        {
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) < 1
                    || WireFormat.GetTagWireType(tag) is not (WireFormat.WireType.Varint or WireFormat.WireType.Fixed32
                        or WireFormat.WireType.Fixed64 or WireFormat.WireType.LengthDelimited))
                {
                    return false;
                }

                input.SkipLastField();
            }

            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private void WriteExtension(IMessage message, FieldDescriptor extension, int indent)
    {
        // The bare name, as the fork that added the field writes it (the fork's Caffe reads it back, a bracketed
        // name it would not): ParameterExtensions lets no two extensions of a message, nor a field, share it.
        var name = extension.Name;
        if (extension.IsRepeated)
        {
            if (RepeatedExtensionValues(message, extension) is { Count: > 0 } values)
            {
                foreach (var value in values)
                {
                    WriteValueLine(extension, name, value, indent);
                }
            }
        }
        else if (extension.Accessor.HasValue(message))
        {
            WriteValueLine(extension, name, extension.Accessor.GetValue(message), indent);
        }
    }



    // The repeated extension accessor creates an empty list on read, which would change the message; the
    // message's own GetExtension returns null for an unset one and is called by reflection instead.
    private static IList? RepeatedExtensionValues(IMessage message, FieldDescriptor extension)
    {
        var valueType = extension.Extension.GetType().GetGenericArguments()[1];
        var extendable = typeof(IExtendableMessage<>).MakeGenericType(message.GetType());
        var getExtension = extendable.GetMethods()
            .Single(m => m.Name == "GetExtension"
                         && m.GetParameters()[0].ParameterType.IsGenericType
                         && m.GetParameters()[0].ParameterType.GetGenericTypeDefinition() == typeof(RepeatedExtension<,>))
            .MakeGenericMethod(valueType);
        return getExtension.Invoke(message, [extension.Extension]) as IList;
    }

    private void WriteField(IMessage message, FieldDescriptor field, string name, int indent)
    {
        if (field.IsMap)
        {
            WriteMap(field, (IDictionary)field.Accessor.GetValue(message), indent);
        }
        else if (field.IsRepeated)
        {
            foreach (var value in (IList)field.Accessor.GetValue(message))
            {
                WriteValueLine(field, name, value, indent);
            }
        }
        else if (field.HasPresence ? field.Accessor.HasValue(message) : !IsDefault(field.Accessor.GetValue(message)))
        {
            WriteValueLine(field, name, field.Accessor.GetValue(message), indent);
        }
    }

    // Without presence (proto3 scalars), only a non-default value is printed, as protoc does.
    private static bool IsDefault(object? value) => value switch
    {
        null => true,
        string text => text.Length == 0,
        ByteString bytes => bytes.IsEmpty,
        bool flag => !flag,
        float number => BitConverter.SingleToInt32Bits(number) == 0,
        double number => BitConverter.DoubleToInt64Bits(number) == 0,
        Enum or int or long or uint or ulong => Convert.ToDecimal(value, CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    // protoc prints a map as repeated entries with key and value, sorted by key.
    private void WriteMap(FieldDescriptor field, IDictionary map, int indent)
    {
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        var entries = new List<DictionaryEntry>();
        foreach (DictionaryEntry entry in map)
        {
            entries.Add(entry);
        }

        entries.Sort((a, b) => Comparer.DefaultInvariant.Compare(a.Key, b.Key));
        foreach (var entry in entries)
        {
            Indent(indent).Append(field.Name).Append(" {\n");
            WriteValueLine(keyField, "key", entry.Key, indent + 1);
            WriteValueLine(valueField, "value", entry.Value, indent + 1);
            Indent(indent).Append("}\n");
        }
    }

    private void WriteValueLine(FieldDescriptor field, string name, object? value, int indent)
    {
        Indent(indent).Append(name);
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            _output.Append(" {\n");
            if (value is IMessage child)
            {
                WriteFields(child, indent + 1);
            }

            Indent(indent).Append("}\n");
            return;
        }

        _output.Append(": ");
        WriteScalar(field, value);
        _output.Append('\n');
    }

    private StringBuilder Indent(int indent) => _output.Append(' ', indent * 2);

    private void WriteScalar(FieldDescriptor field, object? value)
    {
        switch (value)
        {
            case string text:
                WriteQuoted(Encoding.UTF8.GetBytes(text));
                break;
            case ByteString bytes:
                WriteQuoted(bytes.Span);
                break;
            case bool flag:
                _output.Append(flag ? "true" : "false");
                break;
            case float number:
                _output.Append(FormatFloat(number));
                break;
            case double number:
                _output.Append(FormatDouble(number));
                break;
            case Enum:
                var number32 = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                var name = field.EnumType.FindValueByNumber(number32)?.Name;
                _output.Append(name ?? number32.ToString(CultureInfo.InvariantCulture));
                break;
            case IFormattable integer:
                _output.Append(integer.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"Field '{field.FullName}' holds an unexpected {value?.GetType().Name ?? "null"}.");
        }
    }

    // protoc's CEscape: the usual C escapes, printable ASCII as is, every other byte as three octal digits.
    private void WriteQuoted(ReadOnlySpan<byte> bytes)
    {
        _output.Append('"');
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\n': _output.Append("\\n"); break;
                case (byte)'\r': _output.Append("\\r"); break;
                case (byte)'\t': _output.Append("\\t"); break;
                case (byte)'"': _output.Append("\\\""); break;
                case (byte)'\'': _output.Append("\\'"); break;
                case (byte)'\\': _output.Append("\\\\"); break;
                case >= 0x20 and < 0x7F: _output.Append((char)b); break;
                default:
                    _output.Append('\\')
                        .Append((char)('0' + (b >> 6)))
                        .Append((char)('0' + ((b >> 3) & 7)))
                        .Append((char)('0' + (b & 7)));
                    break;
            }
        }

        _output.Append('"');
    }

    private static string FormatFloat(float value)
    {
        if (!float.IsFinite(value))
        {
            return NonFinite(float.IsNaN(value), float.IsNegative(value));
        }

        // Readers (protoc's and ours) parse a float as a double and then narrow it; the shortest float form
        // almost always survives that double rounding, and where it does not, the exact double form does.
        var shortest = Lower(value.ToString("R", CultureInfo.InvariantCulture));
        var readBack = PrototxtParser.ToFloat(double.Parse(shortest, NumberStyles.Float, CultureInfo.InvariantCulture));
        return BitConverter.SingleToInt32Bits(readBack) == BitConverter.SingleToInt32Bits(value)
            ? shortest
            : Lower(((double)value).ToString("R", CultureInfo.InvariantCulture));
    }

    private static string FormatDouble(double value) =>
        double.IsFinite(value)
            ? Lower(value.ToString("R", CultureInfo.InvariantCulture))
            : NonFinite(double.IsNaN(value), double.IsNegative(value));

    private static string NonFinite(bool isNaN, bool isNegative) =>
        (isNaN, isNegative) switch
        {
            (true, false) => "nan",
            (true, true) => "-nan",
            (false, false) => "inf",
            (false, true) => "-inf",
        };

    // protoc prints exponents as printf's %g does: "1e-05", not "1E-05".
    private static string Lower(string number) => number.Replace('E', 'e');
}
