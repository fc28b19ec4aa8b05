using LayerNet.Layers.Images;
using SkiaSharp;

namespace LayerNet.Layers.Tests.Images;

[TestFixture]
public sealed class ImageDecoderTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-images-" + Guid.NewGuid().ToString("N"))).FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_png_reads_back_as_bgr_rows()
    {
        byte[] pixels = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180];
        var path = Path.Combine(_folder, "three-by-two.png");
        TestImages.WritePng(path, pixels, 3, 2, 3);

        var image = new DecodedImage();
        new ImageDecoder().Read(path, color: true, image);

        Assert.Multiple(() =>
        {
            Assert.That((image.Width, image.Height, image.Channels), Is.EqualTo((3, 2, 3)));
            Assert.That(image.Pixels.ToArray(), Is.EqualTo(pixels));
            Assert.That(image[1, 2, 0], Is.EqualTo(160), "row 1, column 2, blue");
        });
    }

    [Test]
    public void A_gray_file_read_in_colour_repeats_its_value_and_read_in_gray_keeps_it()
    {
        byte[] pixels = [0, 7, 128, 255];
        var path = Path.Combine(_folder, "gray.png");
        TestImages.WritePng(path, pixels, 2, 2, 1);
        var decoder = new ImageDecoder();
        var colour = new DecodedImage();
        var gray = new DecodedImage();

        decoder.Read(path, color: true, colour);
        decoder.Read(path, color: false, gray);

        Assert.Multiple(() =>
        {
            Assert.That(colour.Pixels.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 7, 7, 7, 128, 128, 128, 255, 255, 255 }));
            Assert.That(gray.Pixels.ToArray(), Is.EqualTo(pixels));
        });
    }

    [Test]
    public void Gray_conversion_uses_opencv_fixed_point_weights()
    {
        // (3735 B + 19235 G + 9798 R + 16384) >> 15: pure blue 255 -> 29, pure green -> 150, pure red -> 76,
        // (1, 1, 2): (3735 + 19235 + 19596 + 16384) >> 15 = 58950 >> 15 = 1.
        byte[] pixels = [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 1, 2];
        var path = Path.Combine(_folder, "colours.png");
        TestImages.WritePng(path, pixels, 4, 1, 3);

        var image = new DecodedImage();
        new ImageDecoder().Read(path, color: false, image);

        Assert.That(image.Pixels.ToArray(), Is.EqualTo(new byte[] { 29, 150, 76, 1 }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(8)]
    public void The_exif_orientation_is_applied(int orientation)
    {
        // A 3 x 2 image of flat 8 x 8 blocks (so JPEG keeps each block's middle), read plain and with the tag.
        const int block = 8;
        int[,] values = { { 0, 40, 80 }, { 120, 160, 200 } };
        var pixels = new byte[3 * block * 2 * block];
        for (var y = 0; y < 2 * block; y++)
        {
            for (var x = 0; x < 3 * block; x++)
            {
                pixels[(y * 3 * block) + x] = (byte)values[y / block, x / block];
            }
        }

        var jpeg = TestImages.Encode(pixels, 3 * block, 2 * block, 1, SKEncodedImageFormat.Jpeg, 100);
        var path = Path.Combine(_folder, "oriented.jpg");
        File.WriteAllBytes(path, TestImages.WithOrientation(jpeg, orientation));

        var image = new DecodedImage();
        new ImageDecoder().Read(path, color: false, image);

        // The block shown at each place, the stored blocks seen through the orientation (EXIF's definitions).
        int[,] expected = orientation switch
        {
            1 => new[,] { { 0, 40, 80 }, { 120, 160, 200 } },
            2 => new[,] { { 80, 40, 0 }, { 200, 160, 120 } },
            3 => new[,] { { 200, 160, 120 }, { 80, 40, 0 } },
            4 => new[,] { { 120, 160, 200 }, { 0, 40, 80 } },
            5 => new[,] { { 0, 120 }, { 40, 160 }, { 80, 200 } },
            6 => new[,] { { 120, 0 }, { 160, 40 }, { 200, 80 } },
            7 => new[,] { { 200, 80 }, { 160, 40 }, { 120, 0 } },
            _ => new[,] { { 80, 200 }, { 40, 160 }, { 0, 120 } },
        };
        Assert.That((image.Height, image.Width), Is.EqualTo((expected.GetLength(0) * block, expected.GetLength(1) * block)));
        Assert.Multiple(() =>
        {
            for (var row = 0; row < expected.GetLength(0); row++)
            {
                for (var column = 0; column < expected.GetLength(1); column++)
                {
                    var value = image[(row * block) + (block / 2), (column * block) + (block / 2), 0];
                    Assert.That(value, Is.EqualTo(expected[row, column]).Within(2), $"block ({row}, {column})");
                }
            }
        });
    }

    [Test]
    public void Bad_files_say_what_is_wrong()
    {
        var notImage = Path.Combine(_folder, "notes.jpg");
        File.WriteAllText(notImage, "not an image at all");
        var pixels = ImageReferenceTests.Noise(3, 40 * 30 * 3);
        var png = TestImages.Encode(pixels, 40, 30, 3, SKEncodedImageFormat.Png, 100);
        var truncated = Path.Combine(_folder, "truncated.png");
        File.WriteAllBytes(truncated, png[..(png.Length / 2)]);
        var decoder = new ImageDecoder();
        var image = new DecodedImage();

        Assert.Multiple(() =>
        {
            Assert.That(() => decoder.Read(Path.Combine(_folder, "missing.png"), true, image), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("not found"));
            Assert.That(() => decoder.Read(notImage, true, image), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP)"));
            Assert.That(() => decoder.Read(truncated, true, image), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("is truncated or corrupt"));
        });
    }

    [Test]
    public void A_24_bit_bmp_reads_back_as_written()
    {
        var pixels = ImageReferenceTests.Noise(5, 7 * 5 * 3);
        var bmp = Path.Combine(_folder, "noise.bmp");
        TestImages.WriteBmp(bmp, pixels, 7, 5);

        var image = new DecodedImage();
        new ImageDecoder().Read(bmp, color: true, image);

        Assert.That(image.Pixels.ToArray(), Is.EqualTo(pixels));
    }
}
