using System.Globalization;
using LayerNet.Layers.Images;
using LayerNet.Runner.Commands;
using SkiaSharp;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// Draws <c>layernet detect</c>'s boxes onto an image: each box a rectangle 2 pixels wide, inside the box's edges,
/// with a filled tag at its top-left corner holding the class name and the confidence ("dog 0.93") in
/// <see cref="BitmapFont"/>; one colour per class from a fixed palette of 20, class k taking colour k mod 20.
/// </summary>
/// <remarks>
/// A box's pixels: columns <c>round(xmin)</c> to <c>round(xmax) - 1</c> and rows <c>round(ymin)</c> to
/// <c>round(ymax) - 1</c> (halves rounded up), kept inside the image and at least one pixel wide. The tag sits on
/// the box's top edge, outside the box, or just inside it when the box touches the image's top; it is shifted left
/// to stay inside the image. Its text is black on light colours, white on dark ones, drawn at scale
/// <c>max(1, round(min(width, height) / 250))</c>. Boxes are drawn least confident first, so the most confident
/// box and its tag are on top.
/// </remarks>
internal static class DetectionPicture
{
    /// <summary>The rectangle's width in pixels.</summary>
    public const int LineWidth = 2;

    // Sasha Trubetskoy's 20 distinct colours, as R, G, B.
    private static readonly (byte Red, byte Green, byte Blue)[] Palette =
    [
        (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
        (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
        (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
        (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
    ];

    /// <summary>The colour of class <paramref name="label"/>'s boxes, as R, G, B.</summary>
    public static (byte Red, byte Green, byte Blue) Colour(int label) => Palette[((label % Palette.Length) + Palette.Length) % Palette.Length];

    /// <summary>The tag's text for a box: its class name (or number) and its confidence with two decimals.</summary>
    public static string TagText(Detection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        return $"{detection.DisplayName} {detection.Confidence.ToString("F2", CultureInfo.InvariantCulture)}";
    }

    /// <summary>The size of the tag text's font pixels in an image of this size.</summary>
    public static int TextScale(int width, int height) => Math.Max(1, (int)Math.Round(Math.Min(width, height) / 250.0, MidpointRounding.AwayFromZero));

    /// <summary>The pixels a box covers, inclusive, in an image of this size (see the class's remarks).</summary>
    public static (int Left, int Top, int Right, int Bottom) PixelBox(Detection detection, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(detection);
        var left = Math.Clamp(Round(detection.XMin), 0, width - 1);
        var top = Math.Clamp(Round(detection.YMin), 0, height - 1);
        var right = Math.Clamp(Round(detection.XMax) - 1, left, width - 1);
        var bottom = Math.Clamp(Round(detection.YMax) - 1, top, height - 1);
        return (left, top, right, bottom);
    }

    /// <summary>
    /// The image (B, G, R or gray, as the decoder gives it) with the boxes drawn, encoded as <paramref name="format"/>
    /// (JPEG at quality 95).
    /// </summary>
    /// <exception cref="InvalidDataException">The image library could not encode it.</exception>
    public static byte[] Annotate(DecodedImage image, IReadOnlyList<Detection> detections, SKEncodedImageFormat format)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        int width = image.Width, height = image.Height;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque));
        var canvas = new Canvas(bitmap.GetPixelSpan(), width, height);
        var pixels = image.Pixels;
        for (var i = 0; i < width * height; i++)
        {
            var (blue, green, red) = image.Channels == 3 ? (pixels[i * 3], pixels[(i * 3) + 1], pixels[(i * 3) + 2]) : (pixels[i], pixels[i], pixels[i]);
            canvas.Set(i, red, green, blue);
        }

        var scale = TextScale(width, height);
        foreach (var detection in detections.OrderBy(detection => detection.Confidence))
        {
            Draw(canvas, detection, scale);
        }

        using var data = bitmap.Encode(format, 95) ?? throw new InvalidDataException($"the image library could not encode it as {format}");
        return data.ToArray();
    }

    private static void Draw(Canvas canvas, Detection detection, int scale)
    {
        var (left, top, right, bottom) = PixelBox(detection, canvas.Width, canvas.Height);
        var colour = Colour(detection.Label);
        canvas.Fill(left, top, right, Math.Min(top + LineWidth - 1, bottom), colour);
        canvas.Fill(left, Math.Max(bottom - LineWidth + 1, top), right, bottom, colour);
        canvas.Fill(left, top, Math.Min(left + LineWidth - 1, right), bottom, colour);
        canvas.Fill(Math.Max(right - LineWidth + 1, left), top, right, bottom, colour);

        var text = TagText(detection);
        var tagWidth = BitmapFont.Width(text, scale) + (2 * scale);
        var tagHeight = (BitmapFont.GlyphHeight + 2) * scale;
        var tagLeft = Math.Max(0, Math.Min(left, canvas.Width - tagWidth));
        var tagTop = top >= tagHeight ? top - tagHeight : top;
        canvas.Fill(tagLeft, tagTop, tagLeft + tagWidth - 1, tagTop + tagHeight - 1, colour);
        var light = (0.299 * colour.Red) + (0.587 * colour.Green) + (0.114 * colour.Blue) > 140;
        var ink = light ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255);
        foreach (var (x, y) in BitmapFont.Squares(text, tagLeft + scale, tagTop + scale, scale))
        {
            canvas.Fill(x, y, x + scale - 1, y + scale - 1, ink);
        }
    }

    private static int Round(double value) => (int)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), int.MinValue / 2, int.MaxValue / 2);

    /// <summary>A bitmap's B, G, R, A bytes, drawn into with every write clipped to the image.</summary>
    private readonly ref struct Canvas(Span<byte> bgra, int width, int height)
    {
        private readonly Span<byte> _bgra = bgra;

        public int Width { get; } = width;

        public int Height { get; } = height;

        public void Set(int index, byte red, byte green, byte blue)
        {
            var pixel = _bgra.Slice(index * 4, 4);
            (pixel[0], pixel[1], pixel[2], pixel[3]) = (blue, green, red, 255);
        }

        public void Fill(int left, int top, int right, int bottom, (byte Red, byte Green, byte Blue) colour)
        {
            (left, top) = (Math.Max(left, 0), Math.Max(top, 0));
            (right, bottom) = (Math.Min(right, Width - 1), Math.Min(bottom, Height - 1));
            for (var y = top; y <= bottom; y++)
            {
                for (var x = left; x <= right; x++)
                {
                    Set((y * Width) + x, colour.Red, colour.Green, colour.Blue);
                }
            }
        }
    }
}
