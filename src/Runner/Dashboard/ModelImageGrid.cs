using SkiaSharp;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// Tiles as one PNG: a convolution's filters, a blob's channels, a mean image. Each tile is stretched to the full gray
/// (or colour) range by its own minimum and maximum, since weights and activations have no fixed range; a tile of
/// three channels is shown in colour, its channels taken as B, G, R (Caffe's order); small tiles are enlarged. A value
/// that is not a number (padding) is drawn white.
/// </summary>
internal static class ModelImageGrid
{
    /// <summary>The most tiles drawn; a blob with more channels shows its first ones.</summary>
    public const int MaxTiles = 256;

    /// <summary>The widest picture drawn, in pixels.</summary>
    public const int MaxWidth = 1600;

    private const int Gap = 2;

    /// <summary>
    /// Draws <paramref name="tiles"/> tiles of <paramref name="channels"/> (1 or 3) x <paramref name="height"/> x
    /// <paramref name="width"/> values each, laid out one after another in <paramref name="values"/>.
    /// </summary>
    /// <param name="stretch">
    /// True: each tile stretched to its own range; false: values taken as pixels 0 to 255 (clamped), as a mean image's are.
    /// </param>
    public static byte[] Png(ReadOnlySpan<float> values, int tiles, int channels, int height, int width, bool stretch = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tiles, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "a tile has 1 or 3 channels");
        }

        tiles = Math.Min(tiles, MaxTiles);
        var columns = (int)Math.Ceiling(Math.Sqrt(tiles));
        var rows = (tiles + columns - 1) / columns;
        // Enlarged to about 64 pixels a side, but never wider than the picture allows.
        var zoom = Math.Clamp(64 / Math.Max(height, width), 1, 16);
        while (zoom > 1 && columns * ((width * zoom) + Gap) > MaxWidth)
        {
            zoom--;
        }

        var tileWidth = width * zoom;
        var tileHeight = height * zoom;
        var pictureWidth = Math.Max(1, (columns * (tileWidth + Gap)) - Gap);
        var pictureHeight = Math.Max(1, (rows * (tileHeight + Gap)) - Gap);
        using var bitmap = new SKBitmap(new SKImageInfo(pictureWidth, pictureHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        pixels.Fill(255);
        var size = channels * height * width;
        var plane = height * width;
        for (var t = 0; t < tiles; t++)
        {
            var tile = values.Slice(t * size, size);
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            foreach (var v in tile)
            {
                if (float.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }

            if (!stretch)
            {
                (min, max) = (0f, 255f);
            }

            var range = max > min ? max - min : 1f;
            var left = (t % columns) * (tileWidth + Gap);
            var top = (t / columns) * (tileHeight + Gap);
            for (var y = 0; y < tileHeight; y++)
            {
                for (var x = 0; x < tileWidth; x++)
                {
                    var source = ((y / zoom) * width) + (x / zoom);
                    var target = ((((top + y) * pictureWidth) + left + x) * 4);
                    for (var c = 0; c < 3; c++)
                    {
                        // R, G, B from channels 2, 1, 0 (B, G, R), or the one gray channel three times.
                        var v = tile[(channels == 3 ? (2 - c) * plane : 0) + source];
                        pixels[target + c] = float.IsFinite(v) ? (byte)Math.Round(Math.Clamp((v - min) / range, 0f, 1f) * 255f) : (byte)255;
                    }

                    pixels[target + 3] = 255;
                }
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
