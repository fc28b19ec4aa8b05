using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace LayerNet.Text;

/// <summary>
/// Decodes UTF-8 text keeping each byte that is not part of a valid character as U+DC80 to U+DCFF (the byte plus
/// U+DC00, as Python's "surrogateescape"), a lone surrogate that valid UTF-8 never decodes to. The prototxt
/// tokenizer tells such a byte from a real character: it passes in a comment (Caffe reads a Latin-1 comment) and is
/// refused in a string, where decoding it as U+FFFD would change a name or a path without a word.
/// </summary>
internal static class Utf8Text
{
    /// <summary>The first character that stands for a byte that was not valid UTF-8.</summary>
    public const char FirstEscapedByte = '\uDC80';

    /// <summary>The last character that stands for a byte that was not valid UTF-8.</summary>
    public const char LastEscapedByte = '\uDCFF';

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>True when <paramref name="c"/> stands for a byte that was not valid UTF-8.</summary>
    public static bool IsEscapedByte(char c) => c is >= FirstEscapedByte and <= LastEscapedByte;

    /// <summary>The byte that <paramref name="c"/> (an escaped byte) stands for.</summary>
    public static byte EscapedByte(char c) => (byte)(c - 0xDC00);

    /// <summary>Decodes <paramref name="bytes"/> (a leading byte-order mark skipped), each invalid byte kept as U+DC80 to U+DCFF.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(ByteOrderMark))
        {
            bytes = bytes[ByteOrderMark.Length..];
        }

        var text = new StringBuilder(bytes.Length);
        var chunk = new char[Math.Min(Math.Max(bytes.Length, 16), 1 << 16)];
        while (!bytes.IsEmpty)
        {
            var status = Utf8.ToUtf16(bytes, chunk, out var read, out var written, replaceInvalidSequences: false);
            text.Append(chunk, 0, written);
            bytes = bytes[read..];
            if (status == OperationStatus.InvalidData || (status == OperationStatus.NeedMoreData && read == 0 && written == 0))
            {
                // One invalid byte (or a sequence cut short at the end): escaped, and decoding goes on after it.
                text.Append((char)(0xDC00 + bytes[0]));
                bytes = bytes[1..];
            }
        }

        return text.ToString();
    }
}
