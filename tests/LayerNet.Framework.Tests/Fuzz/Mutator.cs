using System.Text;
using System.Text.RegularExpressions;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// Random damage to real inputs, drawn from one seeded generator so that a failing input can be made again from
/// its seed: for text, character flips, truncations, inserted, deleted and duplicated tokens, random bytes, deep
/// nesting and absurd numbers; for binary files, bit and byte flips, truncations, inserted, deleted and zeroed runs.
/// </summary>
internal sealed partial class Mutator(int seed)
{
    private static readonly string[] TokenVocabulary =
    [
        "{", "}", "[", "]", "<", ">", ":", ";", ",", "-", ".", "\"", "'", "#", "\\", "/",
        "layer", "layers", "name", "type", "bottom", "top", "param", "include", "exclude", "phase", "TRAIN", "TEST",
        "shape", "dim", "num_output", "input_param", "inner_product_param", "convolution_param", "kernel_size",
        "blobs", "data", "true", "false", "nan", "inf", "-inf", "0x", "0x1G", "08", "1e", "1e999", "\"\\x\"", "\"\\u12\"",
        "[caffe.none]", "[a.b.c]", "\"unterminated", "'\\", "layer {", "} }", "{ {", "\"é\"", "\u00e9", "\u20ac", "\uFFFD",
    ];

    private static readonly string[] AbsurdNumbers =
    [
        "0", "-1", "-0", "1", "2000000000", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "99999999999999999999999999", "1e38", "3.5e38", "1e308", "1e309", "-1e309", "1e-320", "0x7fffffff", "0xffffffffffffffff",
        "0x10000000000000000", "0777", "1.5", "-0.5", "nan", "inf", "65536", "100000", "1000000",
    ];

    private static readonly string[] BuildableNumbers =
    [
        "0", "-1", "-0", "1", "2", "3", "7", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "18446744073709551616", "99999999999999999999999999", "1e38", "1e309", "-1e309", "1e-320",
        "0xffffffffffffffff", "1.5", "-0.5", "nan", "inf",
    ];

    private readonly Random _random = new(seed);

    /// <summary>What was done to the last input, for failure messages.</summary>
    public List<string> Applied { get; } = [];

    /// <summary>The generator, for choices a test makes itself.</summary>
    public Random Random => _random;

    /// <summary>Applies one to three random text mutations.</summary>
    public string MutateText(string text)
    {
        Applied.Clear();
        var rounds = 1 + _random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            text = MutateTextOnce(text);
        }

        return text;
    }

    /// <summary>
    /// Replaces one to three numbers of the text by absurd ones (0, -1, 2000000000, 1e309, ...): parseable damage.
    /// With <paramref name="buildable"/>, only numbers that make a net either wrong or small (no legitimately huge
    /// blob of a few GB, which is slow rather than wrong; NetFuzzTests checks such shapes directly).
    /// </summary>
    public string MutateNumbers(string text, bool buildable = false)
    {
        Applied.Clear();
        var rounds = 1 + _random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            text = ReplaceNumber(text, buildable ? BuildableNumbers : AbsurdNumbers);
        }

        return text;
    }

    /// <summary>Random text that looks a little like prototxt: tokens from the vocabulary, names, numbers, strings and random characters.</summary>
    public string RandomText()
    {
        Applied.Clear();
        Applied.Add("random text");
        var builder = new StringBuilder();
        var length = _random.Next(1, 200);
        for (var i = 0; i < length; i++)
        {
            switch (_random.Next(6))
            {
                case 0:
                    builder.Append(TokenVocabulary[_random.Next(TokenVocabulary.Length)]);
                    break;
                case 1:
                    builder.Append(AbsurdNumbers[_random.Next(AbsurdNumbers.Length)]);
                    break;
                case 2:
                    builder.Append((char)_random.Next(0, 128));
                    break;
                case 3:
                    builder.Append((char)_random.Next(0, 0x10000));
                    break;
                default:
                    builder.Append(Pick(["name: \"x\"", "layer {", "}", "dim: ", "shape {", "[", "]", ":", "\n", " ", "#c\n", "'s'"]));
                    break;
            }

            builder.Append(_random.Next(3) == 0 ? "\n" : " ");
        }

        return builder.ToString();
    }

    /// <summary>Applies one to three random byte-level mutations.</summary>
    public byte[] MutateBytes(byte[] bytes)
    {
        Applied.Clear();
        var rounds = 1 + _random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            bytes = MutateBytesOnce(bytes);
        }

        return bytes;
    }

    /// <summary>A description of the mutations applied to the last input.</summary>
    public string Describe() => string.Join("; ", Applied);

    private string MutateTextOnce(string text)
    {
        var tokens = Tokens(text);
        switch (_random.Next(10))
        {
            case 0:
            {
                var at = _random.Next(text.Length + 1);
                var replacement = _random.Next(3) switch
                {
                    0 => (char)_random.Next(32, 127),
                    1 => (char)_random.Next(0, 256),
                    _ => "{}[]<>:;,\"'#\\-.0eE\nx"[_random.Next(20)],
                };
                Applied.Add($"char {at} -> U+{(int)replacement:X4}");
                return at < text.Length ? string.Concat(text.AsSpan(0, at), replacement.ToString(), text.AsSpan(at + 1)) : text + replacement;
            }

            case 1:
            {
                var at = _random.Next(text.Length + 1);
                Applied.Add($"truncated at {at}");
                return text[..at];
            }

            case 2 when tokens.Count > 0:
            {
                var at = tokens[_random.Next(tokens.Count)];
                var token = _random.Next(2) == 0 ? tokens[_random.Next(tokens.Count)].Value : TokenVocabulary[_random.Next(TokenVocabulary.Length)];
                Applied.Add($"inserted token '{token}' at {at.Index}");
                return text.Insert(at.Index, token + " ");
            }

            case 3 when tokens.Count > 0:
            {
                var at = tokens[_random.Next(tokens.Count)];
                Applied.Add($"deleted token '{at.Value}' at {at.Index}");
                return text.Remove(at.Index, at.Length);
            }

            case 4 when tokens.Count > 0:
            {
                var first = _random.Next(tokens.Count);
                var last = Math.Min(tokens.Count - 1, first + _random.Next(8));
                var start = tokens[first].Index;
                var end = tokens[last].Index + tokens[last].Length;
                Applied.Add($"duplicated {last - first + 1} tokens at {start}");
                return text.Insert(end, " " + text[start..end]);
            }

            case 5:
            {
                var at = _random.Next(text.Length + 1);
                var noise = new char[_random.Next(1, 24)];
                for (var i = 0; i < noise.Length; i++)
                {
                    noise[i] = (char)_random.Next(0, 256);
                }

                Applied.Add($"inserted {noise.Length} random characters at {at}");
                return text.Insert(at, new string(noise));
            }

            case 6:
            {
                var at = tokens.Count > 0 ? tokens[_random.Next(tokens.Count)].Index : 0;
                var depth = _random.Next(2) == 0 ? _random.Next(90, 110) : _random.Next(1000, 20000);
                var opening = Pick(["layer { ", "include { ", "a { ", "[", "{", "<", "shape [ { ", "\"", "layer < "]);
                var closing = _random.Next(2) == 0 ? string.Empty : Pick(["}", "]", ">", "} ", ""]);
                Applied.Add($"nested '{opening}' x{depth} at {at}");
                var builder = new StringBuilder(text.Length + (depth * (opening.Length + closing.Length)));
                builder.Append(text, 0, at);
                builder.Insert(builder.Length, opening, depth);
                builder.Insert(builder.Length, closing, depth);
                builder.Append(text, at, text.Length - at);
                return builder.ToString();
            }

            case 7:
                return ReplaceNumber(text, AbsurdNumbers);

            case 8:
            {
                var lines = text.Split('\n');
                if (lines.Length < 2)
                {
                    goto default;
                }

                var a = _random.Next(lines.Length);
                var b = _random.Next(lines.Length);
                (lines[a], lines[b]) = (lines[b], lines[a]);
                Applied.Add($"swapped lines {a + 1} and {b + 1}");
                return string.Join('\n', lines);
            }

            default:
            {
                // A run of characters deleted.
                if (text.Length == 0)
                {
                    Applied.Add("empty");
                    return text;
                }

                var at = _random.Next(text.Length);
                var length = Math.Min(text.Length - at, 1 + _random.Next(40));
                Applied.Add($"deleted {length} characters at {at}");
                return text.Remove(at, length);
            }
        }
    }

    private string ReplaceNumber(string text, string[] choices)
    {
        var numbers = Numbers().Matches(text);
        if (numbers.Count == 0)
        {
            Applied.Add("no number to replace");
            return text;
        }

        var number = numbers[_random.Next(numbers.Count)];
        var replacement = choices[_random.Next(choices.Length)];
        Applied.Add($"number '{number.Value}' at {number.Index} -> {replacement}");
        return string.Concat(text.AsSpan(0, number.Index), replacement, text.AsSpan(number.Index + number.Length));
    }

    private byte[] MutateBytesOnce(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            Applied.Add("empty");
            return bytes;
        }

        var at = _random.Next(bytes.Length);
        switch (_random.Next(8))
        {
            case 0:
            {
                var copy = (byte[])bytes.Clone();
                var bit = _random.Next(8);
                copy[at] ^= (byte)(1 << bit);
                Applied.Add($"bit {bit} of byte {at} flipped");
                return copy;
            }

            case 1:
            {
                var copy = (byte[])bytes.Clone();
                var value = (byte)_random.Next(256);
                copy[at] = value;
                Applied.Add($"byte {at} -> 0x{value:X2}");
                return copy;
            }

            case 2:
            {
                // Truncations near the start find header bugs; anywhere finds the rest.
                var length = _random.Next(2) == 0 ? _random.Next(Math.Min(bytes.Length, 64)) : at;
                Applied.Add($"truncated to {length} bytes");
                return bytes[..length];
            }

            case 3:
            {
                var noise = new byte[_random.Next(1, 16)];
                _random.NextBytes(noise);
                Applied.Add($"inserted {noise.Length} random bytes at {at}");
                return [.. bytes.AsSpan(0, at), .. noise, .. bytes.AsSpan(at)];
            }

            case 4:
            {
                var length = Math.Min(bytes.Length - at, 1 + _random.Next(16));
                Applied.Add($"deleted {length} bytes at {at}");
                return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
            }

            case 5:
            {
                var copy = (byte[])bytes.Clone();
                var length = Math.Min(copy.Length - at, 1 + _random.Next(64));
                var value = _random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                copy.AsSpan(at, length).Fill(value);
                Applied.Add($"{length} bytes at {at} set to 0x{value:X2}");
                return copy;
            }

            case 6:
            {
                // Early bytes hold headers, lengths and tags: hit them more often.
                var copy = (byte[])bytes.Clone();
                var early = _random.Next(Math.Min(copy.Length, 512));
                copy[early] = (byte)_random.Next(256);
                Applied.Add($"header byte {early} -> 0x{copy[early]:X2}");
                return copy;
            }

            default:
            {
                var copy = (byte[])bytes.Clone();
                var length = Math.Min(copy.Length - at, 1 + _random.Next(32));
                _random.NextBytes(copy.AsSpan(at, length));
                Applied.Add($"{length} random bytes at {at}");
                return copy;
            }
        }
    }

    private string Pick(string[] choices) => choices[_random.Next(choices.Length)];

    private static List<Match> Tokens(string text) => TokenPattern().Matches(text).ToList();

    [GeneratedRegex("""
        "(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[A-Za-z_][A-Za-z0-9_]*|[0-9.][0-9A-Za-z.+-]*|\S
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"(?<![A-Za-z_0-9.])-?[0-9][0-9.eE+-]*")]
    private static partial Regex Numbers();
}
