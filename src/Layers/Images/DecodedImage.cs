namespace LayerNet.Layers.Images;

/// <summary>
/// An 8-bit image as OpenCV's <c>cv::Mat</c> holds one: rows top to bottom, pixels left to right, channels
/// interleaved (B, G, R for colour; one channel for gray). The buffer may be longer than the image: it is reused
/// by the next decode into it.
/// </summary>
internal sealed class DecodedImage
{
    private byte[] _pixels = [];

    /// <summary>The width in pixels.</summary>
    public int Width { get; private set; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; private set; }

    /// <summary>3 (B, G, R) or 1 (gray).</summary>
    public int Channels { get; private set; }

    /// <summary>The bytes of one row.</summary>
    public int Stride => Width * Channels;

    /// <summary>The image's bytes, <see cref="Height"/> rows of <see cref="Stride"/>.</summary>
    public Span<byte> Pixels => _pixels.AsSpan(0, Height * Stride);

    /// <summary>The byte of channel <paramref name="channel"/> at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int y, int x, int channel] => _pixels[(((y * Width) + x) * Channels) + channel];

    /// <summary>Gives the image a new size, keeping the buffer when it is large enough.</summary>
    public void Reshape(int width, int height, int channels)
    {
        var length = checked(width * height * channels);
        if (_pixels.Length < length)
        {
            _pixels = new byte[length];
        }

        (Width, Height, Channels) = (width, height, channels);
    }
}
