using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>--input NAME=...</c>: fills a net's blob from values on the command line (<c>x=1,2,3</c>), a NumPy
/// <c>.npy</c> file or a raw little-endian float32 file (<c>x=batch.npy</c>, <c>x=batch.f32</c>). A file must hold
/// exactly the blob's number of values; its shape may differ (a 3x227x227 array fills a 1x3x227x227 blob).
/// </summary>
internal static partial class NetInputs
{
    /// <summary>Fills each named blob of <paramref name="net"/> from its <c>NAME=...</c> assignment.</summary>
    /// <param name="net">The net whose blobs are filled.</param>
    /// <param name="assignments">The <c>NAME=...</c> texts.</param>
    /// <param name="images">
    /// How an image file (.jpg, .jpeg, .png, .bmp, .gif, .webp) is read: into an N x C x H x W blob, whose first axis
    /// becomes the preprocessing's number of views (1, or 10 when oversampling).
    /// </param>
    /// <exception cref="LayerNetException">A malformed assignment, an unknown blob, a wrong count, an unreadable or malformed file.</exception>
    public static void Fill(Net net, IEnumerable<string> assignments, ImagePreprocessing? images = null)
    {
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new LayerNetException($"--input '{assignment}': expected NAME=v1,v2,... or NAME=FILE (.npy, or raw float32)");
            }

            var name = assignment[..equals];
            var value = assignment[(equals + 1)..];
            var blob = net.Blob(name);
            if (LooksLikeNumbers(value) || !File.Exists(value))
            {
                FillFromText(name, value, blob);
            }
            else if (IsImage(value))
            {
                FillFromImage(value, blob, images ?? new ImagePreprocessing());
            }
            else if (value.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            {
                FillFromNpy(name, value, blob);
            }
            else
            {
                FillFromRaw(name, value, blob);
            }
        }
    }

    private static bool LooksLikeNumbers(string text) => NumberList().IsMatch(text);

    private static bool IsImage(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp" or ".gif" or ".webp";

    private static void FillFromImage(string path, Blob blob, ImagePreprocessing images)
    {
        if (blob.AxisCount == 4)
        {
            blob.Reshape([images.Views, blob.Channels, blob.Height, blob.Width]);
        }

        images.Fill(path, blob, 0);
    }

    private static void FillFromText(string name, string text, Blob blob)
    {
        var texts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (texts.Length == 1 && !float.TryParse(texts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw new LayerNetException($"--input {name}: '{texts[0]}' is neither a number nor an existing file");
        }

        if (texts.Length != blob.Count)
        {
            throw new LayerNetException($"--input {name}: blob '{name}' has shape {blob.ShapeString} and needs {blob.Count} values, got {texts.Length}");
        }

        var data = blob.Data;
        for (var i = 0; i < texts.Length; i++)
        {
            if (!float.TryParse(texts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out data[i]))
            {
                throw new LayerNetException($"--input {name}: '{texts[i]}' (value {i + 1}) is not a number");
            }
        }
    }

    private static void FillFromRaw(string name, string path, Blob blob)
    {
        var expected = (long)blob.Count * sizeof(float);
        var bytes = ReadAtMost(name, path, expected + 1);
        if (bytes.Length != expected)
        {
            throw new LayerNetException(
                $"--input {name}: '{path}' holds {Describe(bytes.Length, expected)} bytes, but blob '{name}' of shape {blob.ShapeString} needs {expected} " +
                "(raw little-endian float32; a NumPy array needs the .npy extension)");
        }

        CopyFloats(bytes, blob.Data);
    }

    private static void FillFromNpy(string name, string path, Blob blob)
    {
        // The header is at most 64 KiB in NumPy's format (version 1) or declares its length (versions 2 and 3).
        var header = NpyHeader.Read(name, path, ReadAtMost(name, path, 65_536 + 12));
        if (header.Count != blob.Count)
        {
            throw new LayerNetException(
                $"--input {name}: '{path}' holds an array of shape ({string.Join(", ", header.Shape)}) = {header.Count} values, but blob '{name}' has shape {blob.ShapeString}");
        }

        var expected = header.DataOffset + (header.Count * header.ElementSize);
        var bytes = ReadAtMost(name, path, expected + 1);
        if (bytes.Length != expected)
        {
            throw new LayerNetException($"--input {name}: '{path}' is {Describe(bytes.Length, expected)} bytes long, but its header declares {expected}");
        }

        header.Convert(bytes.AsSpan((int)header.DataOffset), blob.Data);
    }

    private static string Describe(long actual, long expected) => actual > expected ? $"more than {expected}" : actual.ToString(CultureInfo.InvariantCulture);

    // Reads up to `limit` bytes: a file larger than a blob (or a device without end) is never read whole.
    private static byte[] ReadAtMost(string name, string path, long limit)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var buffer = new byte[(int)Math.Min(limit, Array.MaxLength)];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return total == buffer.Length ? buffer : buffer[..total];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"--input {name}: cannot read '{path}': {exception.Message}", exception);
        }
    }

    private static void CopyFloats(ReadOnlySpan<byte> bytes, Span<float> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
    }

    [GeneratedRegex(@"^\s*[-+0-9.eEinfINFaN]+\s*(,\s*[-+0-9.eEinfINFaN]+\s*)*,?\s*$")]
    private static partial Regex NumberList();

    /// <summary>A NumPy <c>.npy</c> header (format versions 1 to 3): element type, shape, where the data starts.</summary>
    private sealed record NpyHeader(char Kind, int ElementSize, bool BigEndian, long[] Shape, long DataOffset)
    {
        // Saturates (at 2^40 values, more than any blob holds) so that an absurd header cannot overflow the sizes.
        public long Count { get; } = Shape.Aggregate(1L, (product, dimension) => dimension == 0 ? 0 : Math.Min(product, (1L << 40) / dimension) * dimension);

        public static NpyHeader Read(string name, string path, ReadOnlySpan<byte> bytes)
        {
            LayerNetException Bad(string what) => new($"--input {name}: '{path}' is not a NumPy .npy file NumPy can write: {what}");

            if (bytes.Length < 10 || bytes[0] != 0x93 || !bytes[1..6].SequenceEqual("NUMPY"u8))
            {
                throw Bad("it does not start with \\x93NUMPY");
            }

            var major = bytes[6];
            var (lengthSize, encoding) = major switch
            {
                1 => (2, Encoding.Latin1),
                2 => (4, Encoding.Latin1),
                3 => (4, Encoding.UTF8),
                _ => throw Bad($"format version {major} is unknown (NumPy writes 1 to 3)"),
            };
            var start = 8 + lengthSize;
            long length = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            if (bytes.Length < start + length)
            {
                throw Bad($"its header of {length} bytes is cut short");
            }

            var text = encoding.GetString(bytes.Slice(start, (int)length));
            var descr = Match(text, @"'descr'\s*:\s*'([<>|=])([fiub])(\d+)'") ?? throw Bad($"no 'descr' of a number type in {text.Trim()}");
            if (Match(text, @"'fortran_order'\s*:\s*(True|False)") is not { } order)
            {
                throw Bad("no 'fortran_order'");
            }

            if (order.Groups[1].Value == "True")
            {
                throw new LayerNetException($"--input {name}: '{path}' is in Fortran order; save it with numpy.save(path, numpy.ascontiguousarray(array))");
            }

            var shapeMatch = Match(text, @"'shape'\s*:\s*\(([^)]*)\)") ?? throw Bad("no 'shape'");
            var shape = new List<long>();
            foreach (var part in shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension > int.MaxValue)
                {
                    throw Bad($"shape dimension '{part}' is not a count");
                }

                shape.Add(dimension);
            }

            var kind = descr.Groups[2].Value[0];
            var size = int.Parse(descr.Groups[3].Value, CultureInfo.InvariantCulture);
            var supported = kind switch
            {
                'f' => size is 2 or 4 or 8,
                'i' or 'u' => size is 1 or 2 or 4 or 8,
                _ => size == 1,
            };
            if (!supported)
            {
                throw Bad($"element type {descr.Groups[2].Value}{size} is not a number type LayerNet reads (float16/32/64, integers, bool)");
            }

            return new NpyHeader(kind, size, descr.Groups[1].Value == ">", [.. shape], start + length);
        }

        public void Convert(ReadOnlySpan<byte> bytes, Span<float> data)
        {
            Span<byte> ordered = stackalloc byte[8];
            for (var i = 0; i < data.Length; i++)
            {
                bytes.Slice(i * ElementSize, ElementSize).CopyTo(ordered);
                if (BigEndian)
                {
                    ordered[..ElementSize].Reverse();
                }

                data[i] = (Kind, ElementSize) switch
                {
                    ('f', 2) => (float)BinaryPrimitives.ReadHalfLittleEndian(ordered),
                    ('f', 4) => BinaryPrimitives.ReadSingleLittleEndian(ordered),
                    ('f', 8) => (float)BinaryPrimitives.ReadDoubleLittleEndian(ordered),
                    ('i', 1) => (sbyte)ordered[0],
                    ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(ordered),
                    ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(ordered),
                    ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(ordered),
                    ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(ordered),
                    ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(ordered),
                    ('u', 8) => BinaryPrimitives.ReadUInt64LittleEndian(ordered),
                    _ => ordered[0],
                };
            }
        }

        private static Match? Match(string text, string pattern)
        {
            var match = Regex.Match(text, pattern, RegexOptions.CultureInvariant);
            return match.Success ? match : null;
        }
    }
}
