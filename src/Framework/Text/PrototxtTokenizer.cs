using System.Text;
using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>
/// Splits prototxt text into tokens the way protoc's tokenizer does for text format: <c>#</c> comments,
/// identifiers, integer and float literals (with protoc's rules for hex, octal, exponents and the <c>f</c>
/// suffix), quoted strings with C escapes, and single-character symbols. One pass over the string, no regex.
/// </summary>
internal sealed class PrototxtTokenizer
{
    /// <summary>The longest identifier or number accepted: a name this long is not a typo but a damaged or hostile file.</summary>
    public const int MaxNameLength = 4096;

    /// <summary>The longest quoted string accepted, in characters of the file (paths and names are far shorter).</summary>
    public const int MaxStringLength = 1 << 20;

    // How much of a too-long or malformed token an error message quotes.
    private const int QuotedLength = 64;

    private readonly string _text;
    private readonly string _fileName;
    private int _offset;
    private int _line = 1;
    private int _lineStart;

    /// <summary>Starts reading <paramref name="text"/>; positions name <paramref name="fileName"/>.</summary>
    public PrototxtTokenizer(string text, string fileName)
    {
        _text = text;
        _fileName = fileName;
        Current = ReadToken();
    }

    /// <summary>The token under the cursor.</summary>
    public PrototxtToken Current { get; private set; }

    /// <summary>Moves to the next token.</summary>
    public void Advance() => Current = ReadToken();

    private SourcePosition PositionAt(int offset) => new(_fileName, _line, offset - _lineStart + 1);

    private LayerNetException ErrorAt(int offset, string message) => new(PositionAt(offset), message);

    private PrototxtToken ReadToken()
    {
        SkipWhitespaceAndComments();
        var start = _offset;
        if (start >= _text.Length)
        {
            return new PrototxtToken(PrototxtTokenKind.End, string.Empty, PositionAt(start));
        }

        var c = _text[start];
        if (IsLetter(c))
        {
            _offset++;
            while (_offset < _text.Length && IsLetterOrDigit(_text[_offset]))
            {
                _offset++;
            }

            if (_offset - start > MaxNameLength)
            {
                throw ErrorAt(start, $"a name of {_offset - start} characters ('{Quote(start, _offset)}'): the limit is {MaxNameLength}; is this a prototxt file?");
            }

            return new PrototxtToken(PrototxtTokenKind.Identifier, _text[start.._offset], PositionAt(start));
        }

        if (IsDigit(c) || (c == '.' && start + 1 < _text.Length && IsDigit(_text[start + 1])))
        {
            var kind = ReadNumber();
            if (_offset - start > MaxNameLength)
            {
                throw ErrorAt(start, $"a number of {_offset - start} characters ('{Quote(start, _offset)}'): the limit is {MaxNameLength}");
            }

            return new PrototxtToken(kind, _text[start.._offset], PositionAt(start));
        }

        if (c is '"' or '\'')
        {
            var bytes = ReadString(c);
            return new PrototxtToken(PrototxtTokenKind.String, _text[start.._offset], PositionAt(start), bytes);
        }

        if (Utf8Text.IsEscapedByte(c))
        {
            throw ErrorAt(start, $"byte 0x{Utf8Text.EscapedByte(c):X2} is not valid UTF-8; save the file as UTF-8");
        }

        if (c < ' ' || c > '~')
        {
            throw ErrorAt(start, $"unexpected character U+{(int)c:X4}; only comments and strings may hold such characters");
        }

        _offset++;
        return new PrototxtToken(PrototxtTokenKind.Symbol, _text.Substring(start, 1), PositionAt(start));
    }

    private void SkipWhitespaceAndComments()
    {
        while (_offset < _text.Length)
        {
            var c = _text[_offset];
            if (c == '\n')
            {
                _offset++;
                _line++;
                _lineStart = _offset;
            }
            else if (c is ' ' or '\t' or '\r' or '\v' or '\f')
            {
                _offset++;
            }
            else if (c == '#')
            {
                while (_offset < _text.Length && _text[_offset] != '\n')
                {
                    _offset++;
                }
            }
            else
            {
                return;
            }
        }
    }

    // protoc's ConsumeNumber: 0x.. is hex, a leading 0 makes octal, otherwise decimal with optional
    // fraction, exponent and f suffix; a letter straight after a number is an error, not a new token.
    private PrototxtTokenKind ReadNumber()
    {
        var start = _offset;
        var isFloat = false;
        if (_text[_offset] == '0' && _offset + 1 < _text.Length && _text[_offset + 1] is 'x' or 'X')
        {
            _offset += 2;
            if (_offset >= _text.Length || !IsHexDigit(_text[_offset]))
            {
                throw ErrorAt(start, "'0x' must be followed by hex digits");
            }

            while (_offset < _text.Length && IsHexDigit(_text[_offset]))
            {
                _offset++;
            }
        }
        else if (_text[_offset] == '0' && _offset + 1 < _text.Length && IsDigit(_text[_offset + 1]))
        {
            while (_offset < _text.Length && IsDigit(_text[_offset]))
            {
                if (_text[_offset] > '7')
                {
                    throw ErrorAt(start, $"number '{TextFrom(start)}' starts with 0, so it is octal, but has the digit {_text[_offset]}; drop the leading zero for decimal");
                }

                _offset++;
            }
        }
        else
        {
            while (_offset < _text.Length && IsDigit(_text[_offset]))
            {
                _offset++;
            }

            if (_offset < _text.Length && _text[_offset] == '.')
            {
                isFloat = true;
                _offset++;
                while (_offset < _text.Length && IsDigit(_text[_offset]))
                {
                    _offset++;
                }
            }

            if (_offset < _text.Length && _text[_offset] is 'e' or 'E')
            {
                isFloat = true;
                _offset++;
                if (_offset < _text.Length && _text[_offset] is '+' or '-')
                {
                    _offset++;
                }

                if (_offset >= _text.Length || !IsDigit(_text[_offset]))
                {
                    throw ErrorAt(start, $"number '{TextFrom(start)}' has an 'e' with no exponent after it");
                }

                while (_offset < _text.Length && IsDigit(_text[_offset]))
                {
                    _offset++;
                }
            }

            if (_offset < _text.Length && _text[_offset] is 'f' or 'F')
            {
                isFloat = true;
                _offset++;
            }
        }

        if (_offset < _text.Length && (IsLetterOrDigit(_text[_offset]) || _text[_offset] == '.'))
        {
            var end = _offset;
            while (end < _text.Length && (IsLetterOrDigit(_text[end]) || _text[end] == '.'))
            {
                end++;
            }

            throw ErrorAt(start, $"bad number '{Quote(start, end)}'");
        }

        return isFloat ? PrototxtTokenKind.Float : PrototxtTokenKind.Integer;
    }

    private string TextFrom(int start)
    {
        var end = _offset;
        while (end < _text.Length && IsLetterOrDigit(_text[end]))
        {
            end++;
        }

        return Quote(start, end);
    }

    // The text from start to end for an error message, cut to its first QuotedLength characters.
    private string Quote(int start, int end) =>
        end - start <= QuotedLength ? _text[start..end] : $"{_text.AsSpan(start, QuotedLength)}...";

    // Strings are decoded to bytes, as protoc keeps them: an escape like \377 is one byte, which a bytes
    // field keeps as it is and a string field later decodes as UTF-8 together with the literal text.
    private byte[] ReadString(char quote)
    {
        var start = _offset;
        _offset++;
        var bytes = new List<byte>(16);
        Span<byte> encoded = stackalloc byte[4];
        while (true)
        {
            if (_offset >= _text.Length)
            {
                throw ErrorAt(start, $"unterminated string: the file ends before the closing {quote}");
            }

            if (_offset - start > MaxStringLength)
            {
                throw ErrorAt(start, $"a string of more than {MaxStringLength} characters: the limit for a string; is the closing {quote} missing?");
            }

            var c = _text[_offset];
            if (c == quote)
            {
                _offset++;
                return [.. bytes];
            }

            if (c == '\n')
            {
                throw ErrorAt(start, $"string is not closed before the end of the line; close it with {quote} (write \\n for a line break inside a string)");
            }

            if (c == '\\')
            {
                ReadEscape(bytes);
                continue;
            }

            if (char.IsHighSurrogate(c) && _offset + 1 < _text.Length && char.IsLowSurrogate(_text[_offset + 1]))
            {
                var length = Encoding.UTF8.GetBytes(_text.AsSpan(_offset, 2), encoded);
                bytes.AddRange(encoded[..length]);
                _offset += 2;
                continue;
            }

            if (Utf8Text.IsEscapedByte(c))
            {
                throw ErrorAt(_offset, $"invalid UTF-8 in a string: byte 0x{Utf8Text.EscapedByte(c):X2} is not part of a UTF-8 character; save the file as UTF-8 (binary data in a bytes field is written as \\x{Utf8Text.EscapedByte(c):X2})");
            }

            if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                var length = Encoding.UTF8.GetBytes(_text.AsSpan(_offset, 1), encoded);
                bytes.AddRange(encoded[..length]);
            }

            _offset++;
        }
    }

    private void ReadEscape(List<byte> bytes)
    {
        var start = _offset;
        _offset++;
        if (_offset >= _text.Length)
        {
            throw ErrorAt(start, "unterminated string: the file ends inside an escape sequence");
        }

        var c = _text[_offset];
        _offset++;
        switch (c)
        {
            case 'n': bytes.Add((byte)'\n'); return;
            case 't': bytes.Add((byte)'\t'); return;
            case 'r': bytes.Add((byte)'\r'); return;
            case 'a': bytes.Add(0x07); return;
            case 'b': bytes.Add(0x08); return;
            case 'f': bytes.Add(0x0C); return;
            case 'v': bytes.Add(0x0B); return;
            case '\\': bytes.Add((byte)'\\'); return;
            case '\'': bytes.Add((byte)'\''); return;
            case '"': bytes.Add((byte)'"'); return;
            case '?': bytes.Add((byte)'?'); return;
        }

        if (c is >= '0' and <= '7')
        {
            // Up to three octal digits; like protoc, a value above 255 keeps its low byte.
            var value = c - '0';
            for (var i = 0; i < 2 && _offset < _text.Length && _text[_offset] is >= '0' and <= '7'; i++)
            {
                value = (value * 8) + (_text[_offset] - '0');
                _offset++;
            }

            bytes.Add((byte)value);
            return;
        }

        if (c is 'x' or 'X')
        {
            if (_offset >= _text.Length || !IsHexDigit(_text[_offset]))
            {
                throw ErrorAt(start, "invalid escape '\\x': it must be followed by one or two hex digits");
            }

            var value = HexValue(_text[_offset++]);
            if (_offset < _text.Length && IsHexDigit(_text[_offset]))
            {
                value = (value * 16) + HexValue(_text[_offset++]);
            }

            bytes.Add((byte)value);
            return;
        }

        if (c is 'u' or 'U')
        {
            var codePoint = ReadUnicodeEscape(start, c == 'u' ? 4 : 8);
            if (char.IsHighSurrogate((char)codePoint) && codePoint <= 0xFFFF
                && _offset + 1 < _text.Length && _text[_offset] == '\\' && _text[_offset + 1] == 'u')
            {
                var lowStart = _offset;
                _offset += 2;
                var low = ReadUnicodeEscape(lowStart, 4);
                if (!char.IsLowSurrogate((char)low) || low > 0xFFFF)
                {
                    throw ErrorAt(lowStart, "invalid escape: a \\u high surrogate must be followed by a \\u low surrogate");
                }

                codePoint = char.ConvertToUtf32((char)codePoint, (char)low);
            }

            if (codePoint > 0x10FFFF || codePoint is >= 0xD800 and <= 0xDFFF)
            {
                throw ErrorAt(start, $"invalid escape: U+{codePoint:X} is not a Unicode scalar value");
            }

            Span<byte> encoded = stackalloc byte[4];
            var length = new Rune(codePoint).EncodeToUtf8(encoded);
            bytes.AddRange(encoded[..length]);
            return;
        }

        throw ErrorAt(start, $"invalid escape '\\{c}' in string; valid escapes are \\n \\t \\r \\a \\b \\f \\v \\\\ \\' \\\" \\? \\xHH \\NNN (octal) \\uHHHH \\UHHHHHHHH");
    }

    private int ReadUnicodeEscape(int start, int digits)
    {
        var value = 0;
        for (var i = 0; i < digits; i++)
        {
            if (_offset >= _text.Length || !IsHexDigit(_text[_offset]))
            {
                throw ErrorAt(start, $"invalid escape: '\\{_text[start + 1]}' must be followed by {digits} hex digits");
            }

            value = (value * 16) + HexValue(_text[_offset++]);
            if (value > 0x10FFFF)
            {
                throw ErrorAt(start, "invalid escape: the code point is above U+10FFFF");
            }
        }

        return value;
    }

    private static bool IsLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsLetterOrDigit(char c) => IsLetter(c) || IsDigit(c);

    private static bool IsHexDigit(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
