using System.Runtime.InteropServices;
using SkiaSharp;

namespace LayerNet.Layers.Images;

/// <summary>
/// Reads image files into 8-bit B, G, R (or gray) pixels as OpenCV's <c>cv::imread</c> does for Caffe
/// (<c>IMREAD_COLOR</c> / <c>IMREAD_GRAYSCALE</c>), through SkiaSharp (libjpeg-turbo, libpng and Skia's own
/// decoders): JPEG, PNG, BMP, GIF (first frame), WebP, ICO and WBMP.
/// </summary>
/// <remarks>
/// <para>
/// Colour: an alpha channel is dropped (the stored colour kept, not blended), a gray file's value is repeated in
/// B, G and R; no colour profile is applied. The EXIF orientation is applied as imread applies it by default.
/// Gray: the colour pixels are converted as <c>cv::cvtColor(BGR2GRAY)</c> converts 8-bit pixels,
/// <c>(3735 B + 19235 G + 9798 R + 16384) &gt;&gt; 15</c> (OpenCV 4; OpenCV 2.4 and 3 used 14-bit
/// weights, 1868, 9617 and 4899, which differ by one in about 1 pixel of 2,000); a gray file keeps its values.
/// </para>
/// <para>
/// Known differences from imread: a 16-bit PNG is reduced to 8 bits by Skia's rounding where libpng keeps the high
/// byte; imread's gray mode lets libjpeg (the luma plane) or libpng (its own weights) convert a colour JPEG or PNG,
/// which can differ by one from the conversion above.
/// </para>
/// <para>
/// One decoder decodes one image at a time and keeps its buffers for the next (no allocation once they are large
/// enough, besides Skia's own). Failures are <see cref="InvalidDataException"/>s whose message completes
/// "image 'path' ...": "not found", "is not an image LayerNet can read (...)", "is truncated or corrupt".
/// </para>
/// </remarks>
internal sealed class ImageDecoder
{
    /// <summary>The formats the decoder reads, as the errors list them.</summary>
    public const string Formats = "JPEG, PNG, BMP, GIF, WebP, ICO, WBMP";

    // OpenCV 4's 8-bit BGR to gray weights: 0.114, 0.587, 0.299 in 15-bit fixed point, summing to 2^15.
    private const int BlueWeight = 3735;
    private const int GreenWeight = 19235;
    private const int RedWeight = 9798;
    private const int GrayShift = 15;

    private byte[] _bgra = [];

    /// <summary>Reads the file at <paramref name="path"/> into <paramref name="image"/>, in colour or gray.</summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable, not an image, or truncated.</exception>
    public void Read(string path, bool color, DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidDataException("not found");
        }

        using var data = SKData.Create(path) ?? throw new InvalidDataException(WhyUnreadable(path));
        Decode(data, color, image);
    }

    // Skia says only that it could not map the file; opening it says why (permission denied, a folder, ...).
    private static string WhyUnreadable(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return "cannot be read";
        }
        catch (UnauthorizedAccessException)
        {
            return "cannot be read: permission denied";
        }
        catch (IOException exception)
        {
            return $"cannot be read: {exception.Message}";
        }
    }

    /// <summary>Decodes an image file's bytes (an encoded Caffe datum, a cached file) into <paramref name="image"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an image, or a truncated one.</exception>
    public void Decode(ReadOnlySpan<byte> encoded, bool color, DecodedImage image)
    {
        using var data = SKData.CreateCopy(encoded);
        Decode(data, color, image);
    }

    private void Decode(SKData data, bool color, DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"is not an image LayerNet can read ({Formats})");
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 4)
        {
            throw new InvalidDataException($"has an unsupported size, {width} x {height}");
        }

        var info = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Unpremul);
        var length = width * height * 4;
        if (_bgra.Length < length)
        {
            _bgra = new byte[length];
        }

        SKCodecResult result;
        unsafe
        {
            fixed (byte* pixels = _bgra)
            {
                result = codec.GetPixels(info, (IntPtr)pixels);
            }
        }

        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput ? "is truncated or corrupt" : $"cannot be decoded ({result})");
        }

        Orient(_bgra.AsSpan(0, length), width, height, codec.EncodedOrigin, color, image);
    }

    /// <summary>
    /// The width and height <see cref="Read"/> gives the image at <paramref name="path"/> (EXIF orientation applied),
    /// from its header alone; null when it is no image SkiaSharp can open.
    /// </summary>
    public static (int Width, int Height)? OrientedSize(string path)
    {
        using var data = SKData.Create(path);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null)
        {
            return null;
        }

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        return Transposes(codec.EncodedOrigin) ? (height, width) : (width, height);
    }

    /// <summary>True for the EXIF orientations that show the stored image turned a quarter: width and height swap.</summary>
    private static bool Transposes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Writes the decoded pixels into <paramref name="image"/> in the EXIF orientation, dropping alpha or converting to gray.</summary>
    private static void Orient(ReadOnlySpan<byte> bgra, int width, int height, SKEncodedOrigin origin, bool color, DecodedImage image)
    {
        var transposed = Transposes(origin);
        var (outWidth, outHeight) = transposed ? (height, width) : (width, height);
        var channels = color ? 3 : 1;
        image.Reshape(outWidth, outHeight, channels);
        var output = image.Pixels;

        // Where the pixel shown at (0, 0) is stored, and how far apart (in pixels) the stored neighbours of a shown
        // pixel lie, to its right and below it.
        var last = (height - 1) * width;
        var (start, xStep, yStep) = origin switch
        {
            SKEncodedOrigin.TopRight => (width - 1, -1, width),
            SKEncodedOrigin.BottomRight => (last + width - 1, -1, -width),
            SKEncodedOrigin.BottomLeft => (last, 1, -width),
            SKEncodedOrigin.LeftTop => (0, width, 1),
            SKEncodedOrigin.RightTop => (last, -width, 1),
            SKEncodedOrigin.RightBottom => (last + width - 1, -width, -1),
            SKEncodedOrigin.LeftBottom => (width - 1, width, -1),
            _ => (0, 1, width),
        };
        var source = MemoryMarshal.Cast<byte, uint>(bgra);
        if (color && start == 0 && xStep == 1 && yStep == width)
        {
            // Most files: stored as shown, in colour; one pass dropping alpha.
            for (int i = 0, target = 0; i < source.Length; i++, target += 3)
            {
                var pixel = source[i];
                var bgr = output.Slice(target, 3);
                bgr[2] = (byte)(pixel >> 16);
                bgr[1] = (byte)(pixel >> 8);
                bgr[0] = (byte)pixel;
            }

            return;
        }

        for (var y = 0; y < outHeight; y++)
        {
            var stored = start + (y * yStep);
            var target = y * outWidth * channels;
            for (var x = 0; x < outWidth; x++, stored += xStep, target += channels)
            {
                var pixel = source[stored];
                var blue = (int)(pixel & 0xFF);
                var green = (int)((pixel >> 8) & 0xFF);
                var red = (int)((pixel >> 16) & 0xFF);
                if (color)
                {
                    output[target] = (byte)blue;
                    output[target + 1] = (byte)green;
                    output[target + 2] = (byte)red;
                }
                else
                {
                    output[target] = (byte)(((blue * BlueWeight) + (green * GreenWeight) + (red * RedWeight) + (1 << (GrayShift - 1))) >> GrayShift);
                }
            }
        }
    }
}
