using System.Globalization;
using System.Text.Json;
using Caffe;
using Google.Protobuf;
using LayerNet.Runner.Drawing;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet detect</c> on deploy nets of built-in layers whose detections the test chooses: an Input for the
/// images and a Parameter layer holding [1, 1, N, 7] rows (image_id, label, confidence, xmin, ymin, xmax, ymax),
/// its values written here as a .caffemodel; images are PNG (and JPEG, WebP) files written here.
/// </summary>
[TestFixture]
public sealed class DetectCommandTests
{
    // The palette's colours (R, G, B) of labels 3 and 12: DetectionPicture's fixed palette.
    private static readonly SKColor Label3 = new(0, 130, 200);
    private static readonly SKColor Label12 = new(170, 110, 40);

    // Every image's background before drawing (R, G, B).
    private static readonly SKColor Background = new(10, 200, 90);

    private string _folder = null!;

    private string ModelFile => Path.Combine(_folder, "deploy.prototxt");

    private string WeightsFile => Path.Combine(_folder, "det.caffemodel");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-detect-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Boxes_are_printed_in_the_original_images_pixels_clipped_most_confident_first()
    {
        WriteNet(1, [0, 12, 0.6f, 0.25f, 0.1f, 0.5f, 0.9f], [0, 7, 0.95f, -0.2f, 0.5f, 1.3f, 1.0f], [0, 3, 0.49f, 0, 0, 1, 1]);
        var image = WritePng("street.png", 40, 30);

        var run = Detect(image);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Is.EqualTo(new[]
        {
            $"{image}: 2 detections",
            "  7 0.9500 [0.0 15.0 40.0 30.0]",
            "  12 0.6000 [10.0 3.0 20.0 27.0]",
        }));
        Assert.That(run.Error, Is.Empty);
    }

    [Test]
    public void The_threshold_keeps_boxes_at_or_above_it()
    {
        WriteNet(1, [0, 12, 0.6f, 0.25f, 0.1f, 0.5f, 0.9f], [0, 3, 0.25f, 0, 0, 1, 1]);
        var image = WritePng("street.png", 40, 30);

        var low = Detect("--threshold", "0.25", image);
        var high = Detect("--threshold", "0.7", image);
        var one = Detect("--threshold", "0.5", image);

        Assert.That(low.OutputLines, Is.EqualTo(new[] { $"{image}: 2 detections", "  12 0.6000 [10.0 3.0 20.0 27.0]", "  3 0.2500 [0.0 0.0 40.0 30.0]" }), low.Error);
        Assert.That(high.OutputLines, Is.EqualTo(new[] { $"{image}: 0 detections" }), high.Error);
        Assert.That(one.OutputLines, Is.EqualTo(new[] { $"{image}: 1 detection", "  12 0.6000 [10.0 3.0 20.0 27.0]" }), one.Error);
    }

    [Test]
    public void Labels_name_the_classes_and_a_label_past_the_file_is_its_number_with_one_warning()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f], [0, 25, 0.8f, 0.5f, 0.5f, 1, 1], [0, 25, 0.7f, 0, 0.5f, 0.5f, 1]);
        var labels = WriteLabels();
        var image = WritePng("room.png", 20, 20);

        var run = Detect("--labels", labels, image);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Is.EqualTo(new[]
        {
            $"{image}: 3 detections",
            "  dog 0.9000 [0.0 0.0 10.0 10.0]",
            "  25 0.8000 [10.0 10.0 20.0 20.0]",
            "  25 0.7000 [0.0 10.0 10.0 20.0]",
        }));
        Assert.That(run.ErrorLines, Is.EqualTo(new[] { $"detect: warning: --labels '{labels}' has 21 lines; label 25 has none and is printed as its number" }));
    }

    [Test]
    public void Image_id_routes_each_row_to_its_image_in_the_batch_and_negative_ids_are_skipped()
    {
        WriteNet(
            2,
            [1, 3, 0.8f, 0.5f, 0.5f, 1, 1],
            [-1, 12, 0.99f, 0, 0, 1, 1],
            [0, 12, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f],
            [-1, -1, -1, -1, -1, -1, -1]);
        var photos = Directory.CreateDirectory(Path.Combine(_folder, "photos")).FullName;
        var first = WritePng(Path.Combine("photos", "a.png"), 40, 40);
        var second = WritePng(Path.Combine("photos", "b.png"), 64, 48);

        var run = Detect(photos);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Is.EqualTo(new[]
        {
            $"{first}: 1 detection",
            "  12 0.9000 [10.0 10.0 30.0 30.0]",
            $"{second}: 1 detection",
            "  3 0.8000 [32.0 24.0 64.0 48.0]",
        }));
    }

    [Test]
    public void Batch_sets_the_images_per_pass_and_an_image_id_past_the_batch_is_one_line()
    {
        WriteNet(1, [1, 3, 0.8f, 0.5f, 0.5f, 1, 1], [0, 12, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f]);
        var first = WritePng("a.png", 40, 40);
        var second = WritePng("b.png", 64, 48);

        var two = Detect("--batch", "2", first, second);
        var one = Detect(first);

        Assert.That(two.OutputLines, Is.EqualTo(new[] { $"{first}: 1 detection", "  12 0.9000 [10.0 10.0 30.0 30.0]", $"{second}: 1 detection", "  3 0.8000 [32.0 24.0 64.0 48.0]" }), two.Error);
        one.AssertOneLineError("detect: row 0 of blob 'det' has image_id 1; the batch holds 1 image (image_id 0 to 0)");
    }

    [Test]
    public void A_last_batch_shorter_than_the_others_runs_with_its_own_images()
    {
        // Batches of 2: a and b, then c alone; every pass gives image 0 of its batch the box.
        WriteNet(2, [0, 12, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f]);
        var a = WritePng("a.png", 40, 40);
        var b = WritePng("b.png", 40, 40);
        var c = WritePng("c.png", 80, 60);

        var run = Detect(a, b, c);

        Assert.That(run.OutputLines, Is.EqualTo(new[]
        {
            $"{a}: 1 detection", "  12 0.9000 [10.0 10.0 30.0 30.0]",
            $"{b}: 0 detections",
            $"{c}: 1 detection", "  12 0.9000 [20.0 15.0 60.0 45.0]",
        }), run.Error);
    }

    [Test]
    public void Json_gives_each_image_its_size_and_boxes_with_names_where_the_labels_have_them()
    {
        WriteNet(2, [1, 25, 0.75f, 0.5f, 0.5f, 1, 1], [0, 12, 0.9f, 0.25f, 0.1f, 0.75f, 0.5f]);
        var labels = WriteLabels();
        var first = WritePng("a.png", 40, 30);
        var second = WritePng("b.png", 64, 48);

        var run = Detect("--json", "--labels", labels, first, second);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Has.Length.EqualTo(2));
        using var a = JsonDocument.Parse(run.OutputLines[0]);
        using var b = JsonDocument.Parse(run.OutputLines[1]);
        Assert.Multiple(() =>
        {
            Assert.That(a.RootElement.GetProperty("path").GetString(), Is.EqualTo(first));
            Assert.That(a.RootElement.GetProperty("width").GetInt32(), Is.EqualTo(40));
            Assert.That(a.RootElement.GetProperty("height").GetInt32(), Is.EqualTo(30));
            var dog = a.RootElement.GetProperty("detections").EnumerateArray().Single();
            Assert.That(dog.GetProperty("label").GetInt32(), Is.EqualTo(12));
            Assert.That(dog.GetProperty("name").GetString(), Is.EqualTo("dog"));
            Assert.That(dog.GetProperty("confidence").GetSingle(), Is.EqualTo(0.9f));
            Assert.That(Box(dog), Is.EqualTo(new[] { 10, 0.1f * 30.0, 30, 15 }).Within(1e-9));

            Assert.That(b.RootElement.GetProperty("width").GetInt32(), Is.EqualTo(64));
            Assert.That(b.RootElement.GetProperty("height").GetInt32(), Is.EqualTo(48));
            var unnamed = b.RootElement.GetProperty("detections").EnumerateArray().Single();
            Assert.That(unnamed.GetProperty("label").GetInt32(), Is.EqualTo(25));
            Assert.That(unnamed.TryGetProperty("name", out _), Is.False);
            Assert.That(unnamed.GetProperty("confidence").GetSingle(), Is.EqualTo(0.75f));
            Assert.That(Box(unnamed), Is.EqualTo(new double[] { 32, 24, 64, 48 }));
        });
    }

    [Test]
    public void Annotated_png_has_each_box_two_pixels_wide_in_its_class_colour_and_nothing_else_touched()
    {
        // Image 100 x 80. Box 12: columns 25 to 74, rows 40 to 75, its tag (43 x 9) above it at rows 31 to 39 from
        // column 25. Box 3: columns 0 to 19, rows 0 to 15; it touches the top, so its tag (37 x 9) lies inside it, rows 0 to 8.
        WriteNet(1, [0, 12, 0.9f, 0.25f, 0.5f, 0.75f, 0.95f], [0, 3, 0.6f, 0, 0, 0.2f, 0.2f]);
        var image = WritePng("scene.png", 100, 80);
        var annotated = Path.Combine(_folder, "annotated");

        var run = Detect(image, "-o", annotated);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var (format, bitmap) = Decode(Path.Combine(annotated, "scene.png"));
        using (bitmap)
        {
            Assert.Multiple(() =>
            {
                Assert.That(format, Is.EqualTo(SKEncodedImageFormat.Png));
                Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((100, 80)));
                foreach (var (x, y) in new[] { (25, 60), (26, 60), (73, 60), (74, 60), (50, 40), (50, 41), (50, 74), (50, 75), (25, 75), (74, 40), (25, 31), (25, 39), (67, 31) })
                {
                    Assert.That(bitmap.GetPixel(x, y), Is.EqualTo(Label12), $"box 12 or its tag at ({x}, {y})");
                }

                foreach (var (x, y) in new[] { (0, 12), (1, 12), (18, 12), (19, 12), (10, 14), (10, 15), (0, 0), (36, 8) })
                {
                    Assert.That(bitmap.GetPixel(x, y), Is.EqualTo(Label3), $"box 3 or its tag at ({x}, {y})");
                }

                foreach (var (x, y) in new[] { (27, 60), (72, 60), (50, 42), (50, 73), (50, 76), (24, 60), (75, 60), (25, 30), (68, 35), (24, 35), (2, 12), (17, 12), (10, 13), (10, 16), (20, 12), (37, 4), (90, 5), (5, 60), (99, 79) })
                {
                    Assert.That(bitmap.GetPixel(x, y), Is.EqualTo(Background), $"untouched at ({x}, {y})");
                }
            });
        }

        Assert.That(File.ReadAllBytes(image), Is.EqualTo(PngBytes(100, 80)), "the input is left as it was");
    }

    [Test]
    public void The_tag_text_is_drawn_with_the_built_in_font()
    {
        // White text on label 12's brown: "12 0.90" at scale 1, the first glyph's top-left one pixel inside the tag, at (26, 32).
        WriteNet(1, [0, 12, 0.9f, 0.25f, 0.5f, 0.75f, 0.95f]);
        var image = WritePng("scene.png", 100, 80);
        var annotated = Path.Combine(_folder, "annotated");

        Assert.That(Detect(image, "-o", annotated).ExitCode, Is.Zero);

        var (_, bitmap) = Decode(Path.Combine(annotated, "scene.png"));
        using (bitmap)
        {
            var drawn = new List<string>();
            for (var y = 0; y < 9; y++)
            {
                drawn.Add(string.Concat(Enumerable.Range(0, 13).Select(x => bitmap.GetPixel(25 + x, 31 + y) switch
                {
                    var white when white == new SKColor(255, 255, 255) => '#',
                    var brown when brown == Label12 => '.',
                    _ => '?',
                })));
            }

            // The tag's padding, then "1", a blank column, "2".
            Assert.That(drawn, Is.EqualTo(new[]
            {
                ".............",
                "...#....###..",
                "..##...#...#.",
                "...#.......#.",
                "...#......#..",
                "...#.....#...",
                "...#....#....",
                "..###..#####.",
                ".............",
            }));
        }
    }

    [Test]
    public void The_built_in_font_draws_digits_letters_and_label_punctuation_each_its_own_glyph()
    {
        const string required = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .-_";
        var glyphs = BitmapFont.Characters.ToDictionary(
            c => c,
            c => string.Concat(Enumerable.Range(0, BitmapFont.GlyphWidth * BitmapFont.GlyphHeight).Select(i => BitmapFont.IsSet(c, i % BitmapFont.GlyphWidth, i / BitmapFont.GlyphWidth) ? '#' : '.')));

        Assert.That(glyphs.Keys, Is.SupersetOf(required));
        Assert.That(glyphs.Values.Distinct().Count(), Is.EqualTo(glyphs.Count), "two characters share a glyph");
        Assert.That(glyphs[' '], Does.Not.Contain('#'));
        Assert.That(BitmapFont.Width("dog 0.93", 2), Is.EqualTo(((8 * 6) - 1) * 2));
    }

    [Test]
    public void Annotated_images_keep_their_format_and_others_become_png()
    {
        WriteNet(1, [0, 12, 0.9f, 0.25f, 0.5f, 0.75f, 0.95f]);
        var jpeg = WriteImage("photo.jpg", 48, 32, SKEncodedImageFormat.Jpeg);
        var upper = WriteImage("shot.JPEG", 48, 32, SKEncodedImageFormat.Jpeg);
        var webp = WriteImage("picture.webp", 48, 32, SKEncodedImageFormat.Webp);
        var annotated = Path.Combine(_folder, "annotated");

        var run = Detect(jpeg, upper, webp, "-o", annotated);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(Directory.GetFiles(annotated).Select(Path.GetFileName).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "photo.jpg", "picture.webp.png", "shot.JPEG" }));
        foreach (var (name, expected) in new[] { ("photo.jpg", SKEncodedImageFormat.Jpeg), ("shot.JPEG", SKEncodedImageFormat.Jpeg), ("picture.webp.png", SKEncodedImageFormat.Png) })
        {
            var (format, bitmap) = Decode(Path.Combine(annotated, name));
            using (bitmap)
            {
                Assert.That(format, Is.EqualTo(expected), name);
                Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((48, 32)), name);
            }
        }

        // PNG is lossless: the WebP image's box is exactly the palette's colour.
        var (_, png) = Decode(Path.Combine(annotated, "picture.webp.png"));
        using (png)
        {
            Assert.That(png.GetPixel(12, 20), Is.EqualTo(Label12));
        }
    }

    [Test]
    public void A_net_without_a_seven_wide_output_is_one_line()
    {
        WriteModel(1, "layer { name: \"scores\" type: \"Parameter\" top: \"scores\" parameter_param { shape { dim: 1 dim: 1 dim: 3 dim: 6 } } }");
        var weights = new NetParameter { Name = "Detect" };
        weights.Layer.Add(ParameterLayer("scores", [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]));
        File.WriteAllBytes(WeightsFile, weights.ToByteArray());
        var image = WritePng("a.png", 20, 20);

        Detect(image).AssertOneLineError("detect: net 'Detect' has no output whose last dimension is 7 (SSD's DetectionOutput, [1, 1, N, 7]); its outputs: 'data' (1 3 20 20 (1200)), 'scores' (1 1 3 6 (18)); name the detections with --output NAME");
    }

    [Test]
    public void Two_seven_wide_outputs_need_output_to_choose()
    {
        WriteModel(
            1,
            "layer { name: \"det\" type: \"Parameter\" top: \"det\" parameter_param { shape { dim: 1 dim: 1 dim: 1 dim: 7 } } }",
            "layer { name: \"other\" type: \"Parameter\" top: \"other\" parameter_param { shape { dim: 1 dim: 1 dim: 1 dim: 7 } } }");
        var weights = new NetParameter { Name = "Detect" };
        weights.Layer.Add(ParameterLayer("det", [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]));
        weights.Layer.Add(ParameterLayer("other", [0, 3, 0.8f, 0.5f, 0.5f, 1, 1]));
        File.WriteAllBytes(WeightsFile, weights.ToByteArray());
        var image = WritePng("a.png", 20, 20);

        var ambiguous = Detect(image);
        var chosen = Detect("--output", "other", image);

        ambiguous.AssertOneLineError("detect: net 'Detect' has 2 outputs whose last dimension is 7: 'det', 'other'; name the detections with --output NAME");
        Assert.That(chosen.OutputLines, Is.EqualTo(new[] { $"{image}: 1 detection", "  3 0.8000 [10.0 10.0 20.0 20.0]" }), chosen.Error);
    }

    [Test]
    public void An_output_that_is_not_a_blob_or_not_detections_is_one_line()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var image = WritePng("a.png", 20, 20);

        Detect("--output", "dett", image).AssertOneLineError("--output: net 'Detect' has no blob 'dett'; did you mean 'det'?");
        Detect("--output", "data", image).AssertOneLineError("detect: blob 'data' has shape 1 3 20 20 (1200); detections are [1, 1, N, 7]");
    }

    [TestCase("1.5")]
    [TestCase("-0.1")]
    [TestCase("NaN")]
    public void A_threshold_outside_zero_to_one_is_one_line(string threshold)
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var image = WritePng("a.png", 20, 20);

        Detect("--threshold", threshold, image).AssertOneLineError($"--threshold must be between 0 and 1, got {threshold}");
    }

    [Test]
    public void An_output_folder_that_is_a_file_is_refused_before_anything_runs()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var image = WritePng("a.png", 20, 20);
        var file = Path.Combine(_folder, "annotated");
        File.WriteAllText(file, "keep me");

        var run = Detect(image, "-o", file);

        run.AssertOneLineError($"-o '{file}' is a file; give a folder to write the annotated images into (made if missing)");
        Assert.That(run.Output, Is.Empty);
        Assert.That(File.ReadAllText(file), Is.EqualTo("keep me"));
    }

    [Test]
    public void An_output_that_would_replace_an_input_is_refused()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var image = WritePng("a.png", 20, 20);

        var run = Detect(image, "-o", _folder);

        run.AssertOneLineError($"-o '{Path.Combine(_folder, "a.png")}' is input image '{image}'; write to another file (the input is never replaced)");
        Assert.That(File.ReadAllBytes(image), Is.EqualTo(PngBytes(20, 20)));
    }

    [Test]
    public void Two_images_of_one_file_name_are_refused_with_o()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        Directory.CreateDirectory(Path.Combine(_folder, "x"));
        Directory.CreateDirectory(Path.Combine(_folder, "y"));
        var first = WritePng(Path.Combine("x", "a.png"), 20, 20);
        var second = WritePng(Path.Combine("y", "a.png"), 20, 20);
        var annotated = Path.Combine(_folder, "annotated");

        Detect(first, second, "-o", annotated)
            .AssertOneLineError($"-o: images '{first}' and '{second}' would both be written to '{Path.Combine(annotated, "a.png")}'");
        Assert.That(Directory.Exists(annotated), Is.False);
    }

    [Test]
    public void An_image_that_cannot_be_read_is_named()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var notes = Path.Combine(_folder, "notes.png");
        File.WriteAllText(notes, "not a picture");

        Detect(notes).AssertOneLineError($"image '{notes}' is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP)");
    }

    [Test]
    public void A_folder_without_images_is_named()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no pictures here");

        Detect(empty).AssertOneLineError($"folder '{empty}' holds no image files");
    }

    [Test]
    public void Oversampling_is_refused()
    {
        WriteNet(1, [0, 12, 0.9f, 0, 0, 0.5f, 0.5f]);
        var image = WritePng("a.png", 20, 20);

        Detect("--oversample", image).AssertOneLineError("detect: --oversample averages class scores over 10 crops");
    }

    [Test]
    public void Images_dim_maps_the_boxes_back_through_the_crop()
    {
        // Resized to 40 x 40, the centre 20 x 20 (from row and column 10) is the input: input corner 0.25 is pixel 15
        // of the resized image, 15 / 40 of the original.
        WriteNet(1, [0, 12, 0.9f, 0.25f, 0, 1, 0.5f]);
        var image = WritePng("a.png", 80, 60);

        var run = Detect("--images-dim", "40,40", image);

        Assert.That(run.OutputLines, Is.EqualTo(new[] { $"{image}: 1 detection", "  12 0.9000 [30.0 15.0 60.0 30.0]" }), run.Error);
    }

    [Test]
    public void The_help_describes_the_printed_format()
    {
        var run = CommandRun.Run("detect", "--help");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Output, Does.Contain("photos/dog.jpg: 2 detections").And.Contain("dog 0.9312 [48.2 102.0 310.7 377.5]").And.Contain("--threshold"));
    }

    private static double[] Box(JsonElement detection) =>
        [.. detection.GetProperty("box").EnumerateArray().Select(value => value.GetDouble())];

    private static LayerParameter ParameterLayer(string name, params float[][] rows)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        proto.Shape.Dim.Add([1, 1, rows.Length, rows[0].Length]);
        proto.Data.Add(rows.SelectMany(row => row));
        var layer = new LayerParameter { Name = name, Type = "Parameter" };
        layer.Blobs.Add(proto);
        return layer;
    }

    // The image's format as its bytes say, and its pixels.
    private static (SKEncodedImageFormat Format, SKBitmap Bitmap) Decode(string path)
    {
        using var data = SKData.Create(path);
        using var codec = SKCodec.Create(data);
        Assert.That(codec, Is.Not.Null, path);
        return (codec.EncodedFormat, SKBitmap.Decode(path));
    }

    private static byte[] PngBytes(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(Background);
        using var encoded = bitmap.Encode(format, 100);
        return encoded.ToArray();
    }

    private CommandRun Detect(params string[] arguments) =>
        CommandRun.Run(["detect", "--model", ModelFile, "--weights", WeightsFile, .. arguments]);

    // A deploy net: Input 'data' (batch x 3 x 20 x 20) and a Parameter layer 'det' whose rows are the detections.
    private void WriteNet(int batch, params float[][] rows)
    {
        WriteModel(batch, $"layer {{ name: \"det\" type: \"Parameter\" top: \"det\" parameter_param {{ shape {{ dim: 1 dim: 1 dim: {rows.Length} dim: 7 }} }} }}");
        var weights = new NetParameter { Name = "Detect" };
        weights.Layer.Add(ParameterLayer("det", rows));
        File.WriteAllBytes(WeightsFile, weights.ToByteArray());
    }

    private void WriteModel(int batch, params string[] layers)
    {
        File.WriteAllText(ModelFile, string.Create(CultureInfo.InvariantCulture, $$"""
            name: "Detect"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{batch}} dim: 3 dim: 20 dim: 20 } } }
            {{string.Join('\n', layers)}}
            """));
    }

    // VOC's 21 classes, background first.
    private string WriteLabels()
    {
        var path = Path.Combine(_folder, "voc.txt");
        File.WriteAllLines(path, [
            "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
            "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
        ]);
        return path;
    }

    private string WritePng(string name, int width, int height) => WriteImage(name, width, height, SKEncodedImageFormat.Png);

    private string WriteImage(string name, int width, int height, SKEncodedImageFormat format)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, Encode(width, height, format));
        return path;
    }
}
