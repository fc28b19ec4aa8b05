using System.Buffers.Binary;
using System.IO.Compression;
using LayerNet.Errors;
using LayerNet.Files;

namespace LayerNet.Layers.Data;

/// <summary>
/// An IDX file of unsigned bytes, the format MNIST and Fashion-MNIST ship in, read whole into memory: gzip
/// compressed or raw (told apart by the gzip magic number, not the name).
/// </summary>
/// <remarks>
/// Format: bytes 0 and 1 are zero, byte 2 the element type (0x08 unsigned byte; 0x09 signed byte, 0x0B int16,
/// 0x0C int32, 0x0D float32 and 0x0E float64 exist but are not read here), byte 3 the number of dimensions
/// d; then d big-endian 32-bit sizes; then the elements, last dimension fastest.
/// </remarks>
internal sealed class IdxFile
{
    private const long MaxDeflateRatio = 1032;

    private IdxFile(string path, int[] dimensions, byte[] bytes, int offset)
    {
        Path = path;
        Dimensions = dimensions;
        Bytes = bytes;
        Offset = offset;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The sizes of the dimensions; the first counts the items.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>How many items the file holds (its first dimension).</summary>
    public int Count => Dimensions[0];

    /// <summary>The number of bytes in one item (the product of the dimensions after the first).</summary>
    public int ItemSize
    {
        get
        {
            var size = 1;
            for (var i = 1; i < Dimensions.Count; i++)
            {
                size *= Dimensions[i];
            }

            return size;
        }
    }

    /// <summary>Every element, items one after another.</summary>
    public ReadOnlySpan<byte> Elements => Bytes.AsSpan(Offset, Count * ItemSize);

    private byte[] Bytes { get; }

    private int Offset { get; }

    /// <summary>The bytes of item <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Item(int index) => Bytes.AsSpan(Offset + (index * ItemSize), ItemSize);

    /// <summary>
    /// Reads a file; a missing, unreadable, malformed or truncated file raises a one-line error naming it. A gzip
    /// file is decompressed only as far as its header declares, after checking that declaration against what the
    /// compressed bytes can hold.
    /// </summary>
    public static IdxFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            // A file that reports no size (a device, a pipe) is read to MessageFile's bound, not until memory runs out.
            bytes = new FileInfo(path).Length > 0 ? File.ReadAllBytes(path) : MessageFile.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            {
                bytes = Decompress(path, bytes);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw Fail(path, e.Message.Split('\n', 2)[0].Trim());
        }

        return Parse(path, bytes);
    }

    private static IdxFile Parse(string path, byte[] bytes)
    {
        if (bytes.Length < 4)
        {
            throw Fail(path, $"too short for an IDX header ({bytes.Length} bytes)");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw Fail(path, $"not an IDX file (magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}; IDX files start with two zero bytes)");
        }

        var type = bytes[2];
        if (type != 0x08)
        {
            throw Fail(path, $"element type 0x{type:X2} ({TypeName(type)}) is not supported: IDX data is read as unsigned bytes (type 0x08)");
        }

        var rank = bytes[3];
        if (rank == 0)
        {
            throw Fail(path, "the header declares no dimensions");
        }

        var headerLength = 4 + (4 * rank);
        if (bytes.Length < headerLength)
        {
            throw Fail(path, $"truncated header: {rank} dimensions need {headerLength} bytes, the file has {bytes.Length}");
        }

        var dimensions = new int[rank];
        long count = 1;
        for (var i = 0; i < rank; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (size == 0 || size > int.MaxValue)
            {
                throw Fail(path, $"dimension {i} has size {size}");
            }

            dimensions[i] = (int)size;
            count *= size;
            if (count > Array.MaxLength)
            {
                throw Fail(path, "the dimensions describe more data than fits in memory");
            }
        }

        var dataLength = bytes.Length - (long)headerLength;
        if (dataLength < count)
        {
            throw Fail(path, $"truncated: the header says {string.Join(" x ", dimensions)} = {count} bytes of data, the file has {dataLength}");
        }

        if (dataLength > count)
        {
            throw Fail(path, $"{dataLength - count} bytes after the {string.Join(" x ", dimensions)} elements the header declares");
        }

        return new IdxFile(path, dimensions, bytes, headerLength);
    }

    // Decompresses the header, checks the size it declares, then exactly that much data: a gzip "bomb" (megabytes
    // expanding to gigabytes) is refused by its header or stops at the declared length, never filling memory.
    // The returned bytes may be short; Parse reports what is missing.
    private static byte[] Decompress(string path, byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var header = new byte[4 + (4 * byte.MaxValue)];
        var read = input.ReadAtLeast(header.AsSpan(0, 4), 4, throwOnEndOfStream: false);
        if (read < 4 || header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] == 0)
        {
            return header[..read];
        }

        var headerLength = 4 + (4 * header[3]);
        read += input.ReadAtLeast(header.AsSpan(4, headerLength - 4), headerLength - 4, throwOnEndOfStream: false);
        if (read < headerLength)
        {
            return header[..read];
        }

        // Deflate expands at most 1032 times (a 258-byte match in as few as 2 bits); no array exceeds Array.MaxLength.
        var limit = Math.Min(compressed.Length * MaxDeflateRatio, Array.MaxLength - headerLength);
        var dimensions = new uint[header[3]];
        var count = UInt128.One;
        for (var i = 0; i < dimensions.Length; i++)
        {
            // Saturating: 255 dimensions of 2^32 overflow even 128 bits, and any such product is far beyond the limit.
            dimensions[i] = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + (4 * i)));
            count = count > UInt128.MaxValue / uint.MaxValue ? count : count * dimensions[i];
        }

        if (count > (UInt128)limit)
        {
            throw Fail(path, $"the header declares {string.Join(" x ", dimensions)} = {count} bytes of data, more than the limit of {limit} bytes "
                + $"({compressed.Length} gzip bytes expand to at most {MaxDeflateRatio} times as many, and one array holds at most {Array.MaxLength})");
        }

        if (count == UInt128.Zero)
        {
            // Parse names the empty dimension.
            return header[..headerLength];
        }

        var bytes = new byte[headerLength + (int)count];
        header.AsSpan(0, headerLength).CopyTo(bytes);
        read = input.ReadAtLeast(bytes.AsSpan(headerLength), (int)count, throwOnEndOfStream: false);
        if (read < (int)count)
        {
            return bytes[..(headerLength + read)];
        }

        Span<byte> beyond = stackalloc byte[1];
        if (input.Read(beyond) > 0)
        {
            throw Fail(path, $"the decompressed data goes on after the {string.Join(" x ", dimensions)} = {count} bytes the header declares (decompression stopped there)");
        }

        return bytes;
    }

    private static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown",
    };

    private static LayerNetException Fail(string path, string reason) => new($"cannot read IDX file '{path}': {reason}");
}
