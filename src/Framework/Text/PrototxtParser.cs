using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>
/// One parse of one text into one message, following protoc's TextFormat parser: the grammar, the value
/// rules per field type and the errors it reports, with messages that say what to change.
/// </summary>
internal sealed class PrototxtParser
{
    /// <summary>How deep messages may nest; protoc's default recursion limit, and far from a stack overflow.</summary>
    internal const int MaxDepth = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly PrototxtTokenizer _tokenizer;
    private readonly IReadOnlyDictionary<MessageDescriptor, ExtensionScope> _extensions;
    private int _depth;

    private PrototxtParser(string text, string fileName, IReadOnlyDictionary<MessageDescriptor, ExtensionScope> extensions)
    {
        _tokenizer = new PrototxtTokenizer(text, fileName);
        _extensions = extensions;
    }

    /// <summary>Reads <paramref name="text"/> into the empty <paramref name="message"/>; returns where its messages began.</summary>
    public static MessageSource Parse(IMessage message, string text, string fileName, IReadOnlyDictionary<MessageDescriptor, ExtensionScope> extensions)
    {
        PrototxtParser? parser = null;
        try
        {
            parser = new PrototxtParser(text, fileName, extensions);
            var start = parser.Current.Kind == PrototxtTokenKind.End ? new SourcePosition(fileName, 1, 1) : parser.Current.Position;
            var source = new MessageSource(start);
            parser.ParseFields(message, source, opening: null, fieldName: null, start);
            CheckRequired(message, start);
            return source;
        }
        catch (LayerNetException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // Parse promises a LayerNetException for any input; anything else is our bug, reported at the place that triggered it.
            var position = parser?.Current.Position ?? new SourcePosition(fileName, 1, 1);
            throw new LayerNetException(position, $"internal error while reading the text ({exception.GetType().Name}: {exception.Message})", exception);
        }
    }

    private PrototxtToken Current => _tokenizer.Current;

    private LayerNetException Error(string message) => new(Current.Position, message);

    // Reads fields until the closing symbol (or end of file at top level, where opening is null).
    private void ParseFields(IMessage message, MessageSource source, PrototxtToken? opening, string? fieldName, SourcePosition position)
    {
        var descriptor = message.Descriptor;
        var closing = opening is null ? '\0' : opening.Value.Text[0] == '<' ? '>' : '}';
        Dictionary<int, SourcePosition>? seen = null;
        while (true)
        {
            var token = Current;
            if (opening is null)
            {
                if (token.Kind == PrototxtTokenKind.End)
                {
                    return;
                }

                if (token.IsSymbol('}') || token.IsSymbol('>'))
                {
                    throw Error($"'{token.Text}' without matching '{(token.Text == "}" ? '{' : '<')}'");
                }
            }
            else
            {
                if (token.IsSymbol(closing))
                {
                    _tokenizer.Advance();
                    return;
                }

                var where = $"({position.Line},{position.Column})";
                if (token.Kind == PrototxtTokenKind.End)
                {
                    throw Error($"unexpected end of file: expected '{closing}' to close '{fieldName}' opened at {where}");
                }

                if (token.IsSymbol('}') || token.IsSymbol('>'))
                {
                    throw Error($"expected '{closing}' to close '{fieldName}' opened at {where}, found '{token.Text}'");
                }
            }

            ParseField(message, source, descriptor, ref seen);
        }
    }

    private void ParseField(IMessage message, MessageSource source, MessageDescriptor descriptor, ref Dictionary<int, SourcePosition>? seen)
    {
        var nameToken = Current;
        FieldDescriptor field;
        string displayName;
        if (nameToken.IsSymbol('['))
        {
            _tokenizer.Advance();
            var name = ReadExtensionName();
            field = FindExtension(descriptor, name, nameToken.Position);
            displayName = $"[{name}]";
        }
        else if (nameToken.Kind == PrototxtTokenKind.Identifier)
        {
            _tokenizer.Advance();
            field = FindField(descriptor, nameToken);
            displayName = nameToken.Text;
        }
        else if (nameToken.Kind == PrototxtTokenKind.Integer && UnknownFieldNumber(descriptor, nameToken) is { } number)
        {
            // A field the schema does not know, by number, as protoc prints an unknown field of a binary message.
            _tokenizer.Advance();
            var bytes = new MemoryStream();
            var output = new CodedOutputStream(bytes);
            ParseUnknownField(output, number, nameToken.Text);
            output.Flush();
            message.MergeFrom(bytes.ToArray());
            return;
        }
        else
        {
            throw Error(nameToken.Kind == PrototxtTokenKind.End
                ? "unexpected end of file: expected a field name"
                : $"expected a field name, found {nameToken.Describe()}");
        }

        if (field.IsMap)
        {
            throw new LayerNetException(nameToken.Position, $"field '{displayName}' is a map; the prototxt reader does not support map fields");
        }

        if (!field.IsRepeated)
        {
            seen ??= [];
            if (seen.TryGetValue(field.FieldNumber, out var first))
            {
                throw new LayerNetException(nameToken.Position, $"field '{displayName}' given twice (first at line {first.Line})");
            }

            var oneof = field.RealContainingOneof;
            if (oneof is not null)
            {
                foreach (var other in oneof.Fields)
                {
                    if (other != field && seen.TryGetValue(other.FieldNumber, out var otherPosition))
                    {
                        throw new LayerNetException(nameToken.Position, $"field '{displayName}' and field '{other.Name}' (line {otherPosition.Line}) are both in oneof '{oneof.Name}'; give only one");
                    }
                }
            }

            seen[field.FieldNumber] = nameToken.Position;
        }

        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            TryConsume(':');
            if (field.IsRepeated && Current.IsSymbol('['))
            {
                ParseList(() => ParseMessageValue(message, source, field, displayName, Current.Position));
            }
            else
            {
                ParseMessageValue(message, source, field, displayName, nameToken.Position);
            }
        }
        else
        {
            if (!TryConsume(':'))
            {
                throw Error($"expected ':' after field '{displayName}' ({Describe(field)}), found {Current.Describe()}");
            }

            if (field.IsRepeated && Current.IsSymbol('['))
            {
                ParseList(() => AddScalar(message, field, displayName));
            }
            else if (field.IsRepeated)
            {
                AddScalar(message, field, displayName);
            }
            else
            {
                field.Accessor.SetValue(message, ReadScalar(field, displayName));
            }
        }

        if (!TryConsume(';'))
        {
            TryConsume(',');
        }
    }

    // A field number in range that names no field (nor a known extension) of the message: an unknown field.
    private int? UnknownFieldNumber(MessageDescriptor? descriptor, PrototxtToken token)
    {
        if (ParseInteger(token) is not { } value || value is < 1 or > 536_870_911)
        {
            return null;
        }

        var number = (int)value;
        if (descriptor is not null
            && (descriptor.FindFieldByNumber(number) is not null
                || (_extensions.TryGetValue(descriptor, out var scope) && scope.FindByNumber(number) is not null)))
        {
            return null;
        }

        return number;
    }

    // `N: 123` (varint), `N: 0x0000007b` (fixed32, eight hex digits), `N: 0x...` (fixed64, sixteen), `N: "bytes"`
    // (length-delimited), or `N { ... }` (length-delimited fields, themselves unknown): what the writer prints.
    private void ParseUnknownField(CodedOutputStream output, int number, string name)
    {
        TryConsume(':');
        if (Current.IsSymbol('{') || Current.IsSymbol('<'))
        {
            var open = Current;
            var closing = open.Text[0] == '<' ? '>' : '}';
            _tokenizer.Advance();
            if (_depth >= MaxDepth)
            {
                throw Error($"messages nest deeper than {MaxDepth} levels");
            }

            _depth++;
            var inner = new MemoryStream();
            var innerOutput = new CodedOutputStream(inner);
            while (!TryConsume(closing))
            {
                if (Current.Kind != PrototxtTokenKind.Integer || UnknownFieldNumber(null, Current) is not { } innerNumber)
                {
                    throw Error(Current.Kind == PrototxtTokenKind.End
                        ? $"unexpected end of file: expected '{closing}' to close unknown field {name} opened at ({open.Position.Line},{open.Position.Column})"
                        : $"expected a field number inside unknown field {name}, found {Current.Describe()}");
                }

                var innerName = Current.Text;
                _tokenizer.Advance();
                ParseUnknownField(innerOutput, innerNumber, innerName);
            }

            _depth--;
            innerOutput.Flush();
            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }
        else if (Current.Kind == PrototxtTokenKind.String)
        {
            var bytes = new List<byte>();
            while (Current.Kind == PrototxtTokenKind.String)
            {
                bytes.AddRange(Current.StringBytes ?? Encoding.UTF8.GetBytes(Current.Text));
                _tokenizer.Advance();
            }

            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom([.. bytes]));
        }
        else
        {
            var negative = TryConsume('-');
            var token = Current;
            if (token.Kind != PrototxtTokenKind.Integer || ParseInteger(token) is not { } value)
            {
                throw Error($"expected a number, a string or '{{' for unknown field {name}, found {Current.Describe()}");
            }

            _tokenizer.Advance();
            var hexDigits = token.Text.Length > 2 && (token.Text[1] | 0x20) == 'x' ? token.Text.Length - 2 : 0;
            if (!negative && hexDigits == 8 && value <= uint.MaxValue)
            {
                output.WriteTag(number, WireFormat.WireType.Fixed32);
                output.WriteFixed32((uint)value);
            }
            else if (!negative && hexDigits == 16)
            {
                output.WriteTag(number, WireFormat.WireType.Fixed64);
                output.WriteFixed64(value);
            }
            else
            {
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteUInt64(negative ? unchecked(0UL - value) : value);
            }
        }

        if (!TryConsume(';'))
        {
            TryConsume(',');
        }
    }

    private void AddScalar(IMessage message, FieldDescriptor field, string displayName)
    {
        var value = ReadScalar(field, displayName);
        ((IList)field.Accessor.GetValue(message)).Add(value);
    }

    // '[' ']' or '[' value (',' value)* ']'
    private void ParseList(Action readElement)
    {
        var open = Current;
        _tokenizer.Advance();
        if (TryConsume(']'))
        {
            return;
        }

        while (true)
        {
            readElement();
            if (TryConsume(']'))
            {
                return;
            }

            if (!TryConsume(','))
            {
                throw Error(Current.Kind == PrototxtTokenKind.End
                    ? $"unexpected end of file: expected ']' to close the list opened at ({open.Position.Line},{open.Position.Column})"
                    : $"expected ',' or ']' in the list opened at ({open.Position.Line},{open.Position.Column}), found {Current.Describe()}");
            }
        }
    }

    private void ParseMessageValue(IMessage message, MessageSource source, FieldDescriptor field, string displayName, SourcePosition position)
    {
        var open = Current;
        if (!open.IsSymbol('{') && !open.IsSymbol('<'))
        {
            throw Error($"field '{displayName}' is a message ({field.MessageType.FullName}); expected '{{' to open it, found {open.Describe()}");
        }

        IMessage child;
        var index = 0;
        if (field.IsRepeated)
        {
            child = NewMessage(field.MessageType);
            var list = (IList)field.Accessor.GetValue(message);
            index = list.Count;
            list.Add(child);
        }
        else if (field.Accessor.GetValue(message) is IMessage existing)
        {
            child = existing;
        }
        else
        {
            child = NewMessage(field.MessageType);
            field.Accessor.SetValue(message, child);
        }

        if (_depth >= MaxDepth)
        {
            throw Error($"messages nest deeper than {MaxDepth} levels");
        }

        _depth++;
        _tokenizer.Advance();
        ParseFields(child, source.Add(field.FieldNumber, index, position), open, displayName, position);
        CheckRequired(child, position);
        _depth--;
    }

    private static void CheckRequired(IMessage message, SourcePosition position)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsRequired && !field.Accessor.HasValue(message))
            {
                throw new LayerNetException(position, $"{message.Descriptor.FullName} is missing the required field '{field.Name}'");
            }
        }
    }

    private static IMessage NewMessage(MessageDescriptor descriptor) =>
        descriptor.Parser?.ParseFrom(ByteString.Empty)
        ?? throw new InvalidOperationException($"message type {descriptor.FullName} has no generated code");

    private string ReadExtensionName()
    {
        var name = new StringBuilder();
        while (true)
        {
            if (Current.Kind != PrototxtTokenKind.Identifier)
            {
                throw Error($"expected an extension name like [package.field], found {Current.Describe()}");
            }

            name.Append(Current.Text);
            _tokenizer.Advance();
            if (TryConsume(']'))
            {
                return name.ToString();
            }

            if (Current.IsSymbol('/'))
            {
                throw Error("google.protobuf.Any type URLs ([type.googleapis.com/...]) are not supported");
            }

            if (!TryConsume('.'))
            {
                throw Error($"expected '.' or ']' in extension name '[{name}', found {Current.Describe()}");
            }

            name.Append('.');
        }
    }

    private FieldDescriptor FindExtension(MessageDescriptor descriptor, string name, SourcePosition position)
    {
        if (_extensions.TryGetValue(descriptor, out var scope) && scope.ByFullName.TryGetValue(name, out var field))
        {
            return field;
        }

        foreach (var (extendee, other) in _extensions)
        {
            if (other.ByFullName.ContainsKey(name))
            {
                throw new LayerNetException(position, $"extension '[{name}]' extends {extendee.FullName}, not {descriptor.FullName}");
            }
        }

        var known = scope is null || scope.ByFullName.Count == 0
            ? "no extensions of it are registered with the reader"
            : "known extensions: " + string.Join(", ", scope.ByFullName.Keys.Order(StringComparer.Ordinal).Select(k => $"[{k}]"));
        throw new LayerNetException(position, $"unknown extension '[{name}]' for {descriptor.FullName}; {known}");
    }

    private FieldDescriptor FindField(MessageDescriptor descriptor, PrototxtToken nameToken)
    {
        var name = nameToken.Text;
        var field = descriptor.FindFieldByName(name);
        if (field is not null)
        {
            return field;
        }

        // protoc names a group field after its type, lower-cased.
        field = descriptor.FindFieldByName(name.ToLowerInvariant());
        if (field is not null && field.FieldType == FieldType.Group && field.MessageType.Name == name)
        {
            return field;
        }

        if (_extensions.TryGetValue(descriptor, out var scope) && scope.BySimpleName.TryGetValue(name, out var candidates))
        {
            if (candidates.Count == 1)
            {
                return candidates[0];
            }

            throw new LayerNetException(nameToken.Position, $"field name '{name}' is ambiguous in {descriptor.FullName}: it may be "
                + string.Join(" or ", candidates.Select(c => $"[{c.FullName}]")) + "; write the full name in brackets");
        }

        var names = descriptor.Fields.InDeclarationOrder().Select(f => f.Name);
        if (scope is not null)
        {
            names = names.Concat(scope.BySimpleName.Keys);
        }

        var suggestion = NearestName.Find(name, names);
        var hint = suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?";

        // A message with an extension range takes a fork's fields from a plugin: say so where the name is no near
        // typo of a known one (SSD's permute_param is four edits from parameter_param, a slip of the keyboard two).
        if (descriptor.ToProto().ExtensionRange.Count > 0 && (suggestion is null || NearestName.Distance(name, suggestion) > 2))
        {
            const string Fork = "field a Caffe fork added needs the plugin that declares it (--plugin)";
            hint = suggestion is null ? $"; a {Fork}" : $"{hint} A {Fork}";
        }

        throw new LayerNetException(nameToken.Position, $"unknown field '{name}' in {descriptor.FullName}{hint}");
    }

    private bool TryConsume(char symbol)
    {
        if (Current.IsSymbol(symbol))
        {
            _tokenizer.Advance();
            return true;
        }

        return false;
    }

    private static string Describe(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Enum => $"enum {field.EnumType.FullName}",
        FieldType.Message or FieldType.Group => $"message {field.MessageType.FullName}",
        _ => TypeName(field.FieldType),
    };

    private static string TypeName(FieldType type) => type.ToString().ToLowerInvariant();

    // Returns the value boxed as the CLR type the generated accessor wants (int, uint, float, enum, ByteString, ...).
    private object ReadScalar(FieldDescriptor field, string displayName)
    {
        switch (field.FieldType)
        {
            case FieldType.Int32:
            case FieldType.SInt32:
            case FieldType.SFixed32:
                return (int)ReadSigned(field, displayName, int.MinValue, int.MaxValue);
            case FieldType.Int64:
            case FieldType.SInt64:
            case FieldType.SFixed64:
                return ReadSigned(field, displayName, long.MinValue, long.MaxValue);
            case FieldType.UInt32:
            case FieldType.Fixed32:
                return (uint)ReadUnsigned(field, displayName, uint.MaxValue);
            case FieldType.UInt64:
            case FieldType.Fixed64:
                return ReadUnsigned(field, displayName, ulong.MaxValue);
            case FieldType.Float:
                return ToFloat(ReadDouble(field, displayName));
            case FieldType.Double:
                return ReadDouble(field, displayName);
            case FieldType.Bool:
                return ReadBool(field, displayName);
            case FieldType.String:
                return ReadText(field, displayName);
            case FieldType.Bytes:
                return ByteString.CopyFrom(ReadStringBytes(field, displayName));
            case FieldType.Enum:
                return ReadEnum(field, displayName);
            default:
                throw Error($"field '{displayName}' has type {field.FieldType}, which the prototxt reader does not support");
        }
    }

    /// <summary>protoc's io::SafeDoubleToFloat: text is read as double, then narrowed, out-of-range going to infinity.</summary>
    internal static float ToFloat(double value) =>
        value > float.MaxValue ? float.PositiveInfinity
        : value < -float.MaxValue ? float.NegativeInfinity
        : (float)value;

    private LayerNetException WrongValue(FieldDescriptor field, string displayName, string expected) =>
        Error(Current.Kind == PrototxtTokenKind.End
            ? $"unexpected end of file: expected {expected} for field '{displayName}' ({Describe(field)})"
            : $"expected {expected} for field '{displayName}' ({Describe(field)}), found {Current.Describe()}");

    private long ReadSigned(FieldDescriptor field, string displayName, long min, long max)
    {
        var start = Current;
        var negative = TryConsume('-');
        if (Current.Kind != PrototxtTokenKind.Integer)
        {
            throw WrongValue(field, displayName, "an integer");
        }

        var token = Current;
        var magnitude = ParseInteger(token);
        var limit = negative ? (ulong)max + 1 : (ulong)max;
        if (magnitude is null || magnitude.Value > limit)
        {
            throw new LayerNetException(start.Position, $"integer {(negative ? "-" : string.Empty)}{token.Text} is out of range for field '{displayName}' ({Describe(field)}: {min} to {max})");
        }

        _tokenizer.Advance();
        return negative ? (long)(0UL - magnitude.Value) : (long)magnitude.Value;
    }

    private ulong ReadUnsigned(FieldDescriptor field, string displayName, ulong max)
    {
        if (Current.IsSymbol('-'))
        {
            var minus = Current.Position;
            _tokenizer.Advance();
            var text = Current.Kind is PrototxtTokenKind.Integer or PrototxtTokenKind.Float ? Current.Text : string.Empty;
            throw new LayerNetException(minus, $"negative value -{text} for field '{displayName}' ({Describe(field)}: 0 to {max})");
        }

        if (Current.Kind != PrototxtTokenKind.Integer)
        {
            throw WrongValue(field, displayName, "a non-negative integer");
        }

        var token = Current;
        var value = ParseInteger(token);
        if (value is null || value.Value > max)
        {
            throw Error($"integer {token.Text} is out of range for field '{displayName}' ({Describe(field)}: 0 to {max})");
        }

        _tokenizer.Advance();
        return value.Value;
    }

    // The value of an integer token (decimal, 0x hex or 0 octal), or null when it does not fit in 64 bits.
    private static ulong? ParseInteger(PrototxtToken token)
    {
        var text = token.Text.AsSpan();
        var radix = 10u;
        if (text.Length > 2 && text[0] == '0' && (text[1] | 0x20) == 'x')
        {
            radix = 16;
            text = text[2..];
        }
        else if (text.Length > 1 && text[0] == '0')
        {
            radix = 8;
            text = text[1..];
        }

        ulong value = 0;
        foreach (var c in text)
        {
            var digit = (uint)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            if (value > (ulong.MaxValue - digit) / radix)
            {
                return null;
            }

            value = (value * radix) + digit;
        }

        return value;
    }

    private double ReadDouble(FieldDescriptor field, string displayName)
    {
        var negative = TryConsume('-');
        var token = Current;
        double value;
        switch (token.Kind)
        {
            case PrototxtTokenKind.Integer:
                var integer = ParseInteger(token);
                if (integer is not null)
                {
                    value = integer.Value;
                }
                else if (token.Text[0] != '0')
                {
                    // Like protoc, a decimal integer too long for 64 bits is still a fine floating-point value.
                    value = double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                }
                else
                {
                    throw Error($"integer {token.Text} is too large for field '{displayName}' ({Describe(field)})");
                }

                break;
            case PrototxtTokenKind.Float:
                var text = token.Text.AsSpan().TrimEnd("fF");
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                {
                    throw Error($"bad number '{token.Text}'");
                }

                break;
            case PrototxtTokenKind.Identifier when token.Text.Equals("inf", StringComparison.OrdinalIgnoreCase)
                                                 || token.Text.Equals("infinity", StringComparison.OrdinalIgnoreCase):
                value = double.PositiveInfinity;
                break;
            case PrototxtTokenKind.Identifier when token.Text.Equals("nan", StringComparison.OrdinalIgnoreCase):
                // The quiet NaN C++ produces (sign clear); .NET's double.NaN has the sign bit set.
                value = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000);
                break;
            default:
                throw WrongValue(field, displayName, "a number");
        }

        _tokenizer.Advance();
        return negative ? -value : value;
    }

    private bool ReadBool(FieldDescriptor field, string displayName)
    {
        var token = Current;
        if (token.Kind == PrototxtTokenKind.Identifier)
        {
            switch (token.Text)
            {
                case "true" or "True" or "t":
                    _tokenizer.Advance();
                    return true;
                case "false" or "False" or "f":
                    _tokenizer.Advance();
                    return false;
            }
        }
        else if (token.Kind == PrototxtTokenKind.Integer && ParseInteger(token) is { } value and <= 1)
        {
            _tokenizer.Advance();
            return value == 1;
        }

        throw WrongValue(field, displayName, "true or false");
    }

    private byte[] ReadStringBytes(FieldDescriptor field, string displayName)
    {
        if (Current.Kind != PrototxtTokenKind.String)
        {
            throw WrongValue(field, displayName, "a quoted string");
        }

        var bytes = Current.StringBytes!;
        _tokenizer.Advance();
        if (Current.Kind != PrototxtTokenKind.String)
        {
            return bytes;
        }

        // Adjacent literals are one string, as in C.
        var joined = new List<byte>(bytes);
        while (Current.Kind == PrototxtTokenKind.String)
        {
            joined.AddRange(Current.StringBytes!);
            _tokenizer.Advance();
        }

        return [.. joined];
    }

    private string ReadText(FieldDescriptor field, string displayName)
    {
        var start = Current.Position;
        var bytes = ReadStringBytes(field, displayName);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new LayerNetException(start, $"string for field '{displayName}' is not valid UTF-8 (escapes like \\xHH must spell UTF-8 bytes; use a bytes field for binary data)");
        }
    }

    private object ReadEnum(FieldDescriptor field, string displayName)
    {
        var enumType = field.EnumType;
        var token = Current;
        EnumValueDescriptor? value;
        string written;
        if (token.Kind == PrototxtTokenKind.Identifier)
        {
            value = enumType.FindValueByName(token.Text);
            written = token.Text;
            _tokenizer.Advance();
        }
        else if (token.IsSymbol('-') || token.Kind == PrototxtTokenKind.Integer)
        {
            var number = (int)ReadSigned(field, displayName, int.MinValue, int.MaxValue);
            value = enumType.FindValueByNumber(number);
            written = number.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            throw WrongValue(field, displayName, $"a value of enum {enumType.FullName}");
        }

        if (value is null)
        {
            throw new LayerNetException(token.Position, $"unknown value '{written}' for enum {enumType.FullName}; expected one of "
                + string.Join(", ", enumType.Values.Select(v => v.Name)));
        }

        return Enum.ToObject(enumType.ClrType, value.Number);
    }
}
