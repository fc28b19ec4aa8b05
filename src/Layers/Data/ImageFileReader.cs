using LayerNet.Layers.Images;
using SkiaSharp;

namespace LayerNet.Layers.Data;

/// <summary>
/// Reads an image file as Caffe's <c>ReadImageToCVMat</c> does (OpenCV's imread in colour or gray, then
/// <c>cv::resize</c> INTER_LINEAR when a size is given) and lays it out as a Caffe datum holds it: channels, then
/// rows, then columns (<c>CVMatToDatum</c>'s C x H x W, B, G, R for colour).
/// </summary>
/// <remarks>
/// A gray file read in colour has its value repeated in B, G and R, and a colour file read in gray is converted
/// with OpenCV's weights, both as imread does (<see cref="ImageDecoder"/>). Buffers are kept for the next image:
/// reading allocates nothing once they are large enough. Failures are <see cref="InvalidDataException"/>s whose
/// message completes "image 'path' ..." (see <see cref="ImageDecoder"/>).
/// </remarks>
internal sealed class ImageFileReader
{
    private readonly ImageDecoder _decoder = new();
    private readonly DecodedImage _image = new();
    private readonly LinearResizer _resizer = new();
    private byte[] _resized = [];
    private byte[] _planes = [];

    /// <summary>The channels of the image read last: 3 (B, G, R) or 1.</summary>
    public int Channels { get; private set; }

    /// <summary>The height of the image read last, after resizing.</summary>
    public int Height { get; private set; }

    /// <summary>The width of the image read last, after resizing.</summary>
    public int Width { get; private set; }

    /// <summary>The image read last, C x H x W bytes.</summary>
    public ReadOnlySpan<byte> Planes => _planes.AsSpan(0, Channels * Height * Width);

    /// <summary>Reads the file at <paramref name="path"/>; resizes it to <paramref name="height"/> x <paramref name="width"/> unless they are 0.</summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable, not an image, or truncated.</exception>
    public void Read(string path, bool color, int height = 0, int width = 0)
    {
        _decoder.Read(path, color, _image);
        Arrange(height, width);
    }

    /// <summary>Decodes an image file's bytes (an encoded datum) as <see cref="Read"/> reads a file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an image, or a truncated one.</exception>
    public void Decode(ReadOnlySpan<byte> encoded, bool color, int height = 0, int width = 0)
    {
        _decoder.Decode(encoded, color, _image);
        Arrange(height, width);
    }

    /// <summary>
    /// Decodes an image file's bytes keeping its own colour type, as Caffe's <c>DecodeDatumNative</c>: gray
    /// files in gray, others in colour (an alpha channel is dropped where OpenCV would keep it).
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not an image, or a truncated one.</exception>
    public void DecodeNative(ReadOnlySpan<byte> encoded)
    {
        bool gray;
        using (var data = SKData.CreateCopy(encoded))
        using (var codec = SKCodec.Create(data))
        {
            gray = codec is { Info.ColorType: SKColorType.Gray8 };
        }

        Decode(encoded, color: !gray);
    }

    /// <summary>
    /// Encodes the image read last as a PNG or JPEG file's bytes (quality 95, OpenCV's <c>imencode</c> default),
    /// as convert-imageset stores an encoded datum.
    /// </summary>
    public byte[] Encode(SKEncodedImageFormat format)
    {
        var gray = Channels == 1;
        using var bitmap = new SKBitmap(new SKImageInfo(Width, Height, gray ? SKColorType.Gray8 : SKColorType.Bgra8888, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        var plane = Height * Width;
        for (var i = 0; i < plane; i++)
        {
            if (gray)
            {
                target[i] = _planes[i];
            }
            else
            {
                target[i * 4] = _planes[i];
                target[(i * 4) + 1] = _planes[plane + i];
                target[(i * 4) + 2] = _planes[(2 * plane) + i];
                target[(i * 4) + 3] = 255;
            }
        }

        using var data = bitmap.Encode(format, 95) ?? throw new InvalidDataException($"cannot be encoded as {format}");
        return data.ToArray();
    }

    private void Arrange(int height, int width)
    {
        var channels = _image.Channels;
        ReadOnlySpan<byte> pixels = _image.Pixels;
        if (height > 0 && width > 0 && (height != _image.Height || width != _image.Width))
        {
            // OpenCV copies an image asked for at its own size; only other sizes are resampled.
            var length = checked(height * width * channels);
            if (_resized.Length < length)
            {
                _resized = new byte[length];
            }

            _resizer.Resize(_image.Pixels, _image.Width, _image.Height, _image.Stride, channels, _resized, width, height);
            pixels = _resized.AsSpan(0, length);
        }
        else
        {
            (height, width) = (_image.Height, _image.Width);
        }

        (Channels, Height, Width) = (channels, height, width);
        var count = channels * height * width;
        if (_planes.Length < count)
        {
            _planes = new byte[count];
        }

        var plane = height * width;
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                _planes[(c * plane) + i] = pixels[(i * channels) + c];
            }
        }
    }
}
