using System.Globalization;
using System.Security.Cryptography;
using LayerNet.Layers.Images;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Images;

/// <summary>
/// The resizer, the gray conversion and the JPEG decoder against OpenCV 4.6's bytes, stored as checksums in
/// opencv_reference.txt by make_reference.py (beside this file; it says how to rerun it).
/// </summary>
[TestFixture]
public sealed class ImageReferenceTests
{
    private static string Folder => Fixtures.InRepository("tests", "LayerNet.Layers.Tests", "Images");

    private static IEnumerable<TestCaseData> Cases(string kind)
    {
        foreach (var line in File.ReadAllLines(Path.Combine(Folder, "opencv_reference.txt")))
        {
            var fields = line.Split(' ');
            if (fields[0] == kind)
            {
                yield return new TestCaseData((object)fields[1..]).SetArgDisplayNames(string.Join(' ', fields[1..^1]));
            }
        }
    }

    private static IEnumerable<TestCaseData> ResizeCases() => Cases("resize");

    [TestCaseSource(nameof(ResizeCases))]
    public void Resize_gives_opencv_inter_linear_bytes(string[] fields)
    {
        int width = Number(fields[0]), height = Number(fields[1]), channels = Number(fields[2]);
        int targetWidth = Number(fields[3]), targetHeight = Number(fields[4]);
        var source = Noise((width * 100000) + (height * 100) + channels, width * height * channels);
        var target = new byte[targetWidth * targetHeight * channels];

        new LinearResizer().Resize(source, width, height, width * channels, channels, target, targetWidth, targetHeight);

        Assert.That(Digest(target), Is.EqualTo(fields[5]));
    }

    [Test]
    public void Resize_reads_a_region_of_a_wider_image()
    {
        // A 5 x 4 window at (3, 2) of a 12 x 9 image, resized through the row stride, equals the window copied out.
        var image = Noise(11, 12 * 9 * 3);
        var window = new byte[5 * 4 * 3];
        for (var y = 0; y < 4; y++)
        {
            image.AsSpan((((y + 2) * 12) + 3) * 3, 5 * 3).CopyTo(window.AsSpan(y * 5 * 3));
        }

        var fromRegion = new byte[7 * 9 * 3];
        var fromCopy = new byte[7 * 9 * 3];
        var resizer = new LinearResizer();
        resizer.Resize(image.AsSpan(((2 * 12) + 3) * 3), 5, 4, 12 * 3, 3, fromRegion, 7, 9);
        resizer.Resize(window, 5, 4, 5 * 3, 3, fromCopy, 7, 9);

        Assert.That(fromRegion, Is.EqualTo(fromCopy));
    }

    [Test]
    public void Resize_by_hand_two_by_one_to_three_by_one()
    {
        // fx = (dx + 0.5) * 2/3 - 0.5: -1/6 (clamped to column 0), 0.5, 7/6 (clamped to column 1); weights 1024/1024
        // in the middle: (0 * 1024 + 200 * 1024) * 2048 rows, so the middle value is exactly 100.
        var target = new byte[3];
        new LinearResizer().Resize([0, 200], 2, 1, 2, 1, target, 3, 1);

        Assert.That(target, Is.EqualTo(new byte[] { 0, 100, 200 }));
    }

    [Test]
    public void Halving_is_the_rounded_mean_of_each_two_by_two_block()
    {
        // (1 + 2 + 3 + 5 + 2) >> 2 = 3, where bilinear weights would give 2.75 -> 3 too, and (0 + 0 + 1 + 1 + 2) >> 2 = 1.
        var target = new byte[2];
        new LinearResizer().Resize([1, 2, 0, 0, 3, 5, 1, 1], 4, 2, 4, 1, target, 2, 1);

        Assert.That(target, Is.EqualTo(new byte[] { 3, 1 }));
    }

    [Test]
    public void Gray_conversion_gives_opencv_cvtcolor_bytes()
    {
        var fields = (string[])Cases("gray").Single().Arguments[0]!;
        int width = Number(fields[0]), height = Number(fields[1]);
        var colour = Noise(7, width * height * 3);
        var path = Path.Combine(Path.GetTempPath(), $"layernet-gray-{Guid.NewGuid():N}.png");
        TestImages.WritePng(path, colour, width, height, 3);
        var image = new DecodedImage();
        try
        {
            new ImageDecoder().Read(path, color: false, image);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Multiple(() =>
        {
            Assert.That(image.Channels, Is.EqualTo(1));
            Assert.That(Digest(image.Pixels), Is.EqualTo(fields[2]));
        });
    }

    [Test]
    public void Jpeg_decodes_to_opencv_imread_bytes()
    {
        var fields = (string[])Cases("jpeg").Single().Arguments[0]!;
        var image = new DecodedImage();
        new ImageDecoder().Read(Path.Combine(Folder, fields[0]), color: true, image);

        Assert.Multiple(() =>
        {
            Assert.That((image.Width, image.Height, image.Channels), Is.EqualTo((Number(fields[1]), Number(fields[2]), 3)));
            Assert.That(Digest(image.Pixels), Is.EqualTo(fields[3]));
        });
    }

    /// <summary>make_reference.py's generator: x = (1103515245 x + 12345) mod 2^31, each byte bits 16..23.</summary>
    internal static byte[] Noise(long seed, int count)
    {
        var bytes = new byte[count];
        var x = seed;
        for (var i = 0; i < count; i++)
        {
            x = ((1103515245 * x) + 12345) % (1L << 31);
            bytes[i] = (byte)((x >> 16) & 0xFF);
        }

        return bytes;
    }

    private static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static string Digest(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
