using System.Buffers.Binary;
using SkiaSharp;

namespace LayerNet.Layers.Tests.Images;

/// <summary>Writes small image files for tests, through the same library the decoder uses.</summary>
internal static class TestImages
{
    /// <summary>Writes <paramref name="pixels"/> (rows of B, G, R, or gray, bytes) as a PNG file.</summary>
    public static void WritePng(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels) =>
        File.WriteAllBytes(path, Encode(pixels, width, height, channels, SKEncodedImageFormat.Png, 100));

    /// <summary>Encodes <paramref name="pixels"/> (rows of B, G, R, or gray, bytes) in <paramref name="format"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, SKEncodedImageFormat format, int quality)
    {
        var colorType = channels == 1 ? SKColorType.Gray8 : SKColorType.Bgra8888;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        for (var i = 0; i < width * height; i++)
        {
            if (channels == 1)
            {
                target[i] = pixels[i];
            }
            else
            {
                target[i * 4] = pixels[i * 3];
                target[(i * 4) + 1] = pixels[(i * 3) + 1];
                target[(i * 4) + 2] = pixels[(i * 3) + 2];
                target[(i * 4) + 3] = 255;
            }
        }

        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>Writes <paramref name="pixels"/> (rows of B, G, R bytes) as a 24-bit BMP file (Skia encodes no BMP).</summary>
    public static void WriteBmp(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        var rowLength = ((width * 3) + 3) / 4 * 4;
        var bytes = new byte[54 + (rowLength * height)];
        var header = bytes.AsSpan();
        header[0] = (byte)'B';
        header[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(header[2..], bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[10..], 54);
        BinaryPrimitives.WriteInt32LittleEndian(header[14..], 40);
        BinaryPrimitives.WriteInt32LittleEndian(header[18..], width);
        BinaryPrimitives.WriteInt32LittleEndian(header[22..], height);
        BinaryPrimitives.WriteInt16LittleEndian(header[26..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[28..], 24);
        for (var y = 0; y < height; y++)
        {
            // Rows are stored bottom-up.
            pixels.Slice(y * width * 3, width * 3).CopyTo(header[(54 + ((height - 1 - y) * rowLength))..]);
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF block (APP1, right after the start marker) whose only entry is the
    /// orientation tag 0x0112 = <paramref name="orientation"/>.
    /// </summary>
    public static byte[] WithOrientation(byte[] jpeg, int orientation)
    {
        byte[] exif =
        [
            0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // little-endian TIFF header, first IFD at 8
            0x01, 0x00, // one entry
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, (byte)orientation, 0x00, 0x00, 0x00, // SHORT, count 1
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        return [.. jpeg.AsSpan(0, 2), .. exif, .. jpeg.AsSpan(2)];
    }
}
