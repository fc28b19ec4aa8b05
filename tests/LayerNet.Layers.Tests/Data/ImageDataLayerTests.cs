using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Layers.Tests.Images;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class ImageDataLayerTests
{
    // "pattern.png" and "other pattern.png", 5 x 4 (width x height): B = 10 x + y + shift, G = 100 + x, R = 200 + y.
    private const int Width = 5;
    private const int Height = 4;

    private string _folder = string.Empty;

    [SetUp]
    public void WriteImages()
    {
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-imagedata-" + Guid.NewGuid().ToString("N"))).FullName;
        TestImages.WritePng(Path.Combine(_folder, "pattern.png"), Pattern(0), Width, Height, 3);
        TestImages.WritePng(Path.Combine(_folder, "other pattern.png"), Pattern(50), Width, Height, 3);
        TestImages.WritePng(Path.Combine(_folder, "gray.png"), [.. Enumerable.Range(0, Width * Height).Select(i => (byte)(3 * i))], Width, Height, 1);
        TestImages.WritePng(Path.Combine(_folder, "small.png"), new byte[3 * 3 * 3], 3, 3, 3);
    }

    [TearDown]
    public void DeleteImages() => Directory.Delete(_folder, recursive: true);

    /// <summary>The value of channel c at (x, y) of a pattern.</summary>
    private static float Pixel(int shift, int c, int y, int x) => c switch
    {
        0 => (10 * x) + y + shift,
        1 => 100 + x,
        _ => 200 + y,
    };

    [Test]
    public void A_centred_crop_at_test_is_served_less_the_mean_scaled_with_the_labels()
    {
        // Crop 2 of 4 x 5 at TEST: rows from (4 - 2) / 2 = 1, columns from (5 - 2) / 2 = 1. The second path holds a space.
        var definition = Definition(List("pattern.png 3", "other pattern.png -2"), batchSize: 2, crop: 2, phase: Phase.Test);
        definition.TransformParam.MeanValue.Add([1f, 2f, 3f]);
        definition.TransformParam.Scale = 0.5f;
        var (layer, top) = SetUp(definition);
        using var _ = layer;

        layer.Forward([], top);

        var expected = new float[2 * 3 * 2 * 2];
        for (var item = 0; item < 2; item++)
        {
            for (var c = 0; c < 3; c++)
            {
                for (var h = 0; h < 2; h++)
                {
                    for (var w = 0; w < 2; w++)
                    {
                        expected[(((((item * 3) + c) * 2) + h) * 2) + w] = (Pixel(item * 50, c, h + 1, w + 1) - (c + 1)) * 0.5f;
                    }
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 3, 2, 2 }));
            Assert.That(top[0].Data.ToArray(), Is.EqualTo(expected));
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 3f, -2f }));
        });
    }

    [Test]
    public void The_deprecated_image_data_param_transform_fields_count_as_transform_param_s()
    {
        var modern = Definition(List("pattern.png 3"), batchSize: 1, crop: 2, phase: Phase.Test);
        modern.TransformParam.Scale = 0.5f;
        var old = Definition(List("pattern.png 3"), batchSize: 1, phase: Phase.Test);
        old.TransformParam = null;
        (old.ImageDataParam.CropSize, old.ImageDataParam.Scale) = (2, 0.5f);
        var (modernLayer, modernTop) = SetUp(modern);
        var (oldLayer, oldTop) = SetUp(old);
        using (modernLayer)
        using (oldLayer)
        {
            modernLayer.Forward([], modernTop);
            oldLayer.Forward([], oldTop);
        }

        Assert.That(oldTop[0].Data.ToArray(), Is.EqualTo(modernTop[0].Data.ToArray()));
        Assert.That(oldTop[0].Data[0], Is.EqualTo(Pixel(0, 0, 1, 1) * 0.5f));
    }

    [Test]
    public void Random_crops_and_mirrors_at_train_follow_the_batch_generator_in_Caffe_order()
    {
        // As Caffe: the transformer's generator is seeded from the net's second draw (the first, InitRand's before
        // DataLayerSetUp, is discarded); per image: mirror, row, column.
        const ulong seed = 11;
        var definition = Definition(List("pattern.png 0", "other pattern.png 1"), batchSize: 2, crop: 3, mirror: true);
        var (layer, top) = SetUp(definition, seed);
        using var _ = layer;
        var net = new RandomSource(seed);
        net.NextUInt32();
        var draws = new RandomSource(net.NextUInt32());
        var expected = new float[2 * 3 * 3 * 3];
        var mirrors = new List<bool>();

        for (var batch = 0; batch < 3; batch++)
        {
            layer.Forward([], top);
            for (var item = 0; item < 2; item++)
            {
                var mirror = draws.NextInt(2) == 1;
                var row = draws.NextInt(Height - 3 + 1);
                var column = draws.NextInt(Width - 3 + 1);
                mirrors.Add(mirror);
                for (var c = 0; c < 3; c++)
                {
                    for (var h = 0; h < 3; h++)
                    {
                        for (var w = 0; w < 3; w++)
                        {
                            var target = mirror ? 2 - w : w;
                            expected[(((((item * 3) + c) * 3) + h) * 3) + target] = Pixel(item * 50, c, h + row, w + column);
                        }
                    }
                }
            }

            Assert.That(top[0].Data.ToArray(), Is.EqualTo(expected), $"batch {batch}");
        }

        Assert.That(mirrors, Does.Contain(true).And.Contain(false), "the seed should give both mirrored and plain items");
    }

    [Test]
    public void The_mean_file_is_subtracted_pixel_by_pixel()
    {
        var meanPath = WriteMean(1, 3, Height, Width);
        var definition = Definition(List("pattern.png 0"), batchSize: 1);
        definition.TransformParam.MeanFile = meanPath;
        var (layer, top) = SetUp(definition);
        using var _ = layer;

        layer.Forward([], top);

        Assert.Multiple(() =>
        {
            // Channel 1, row 2, column 3: pixel 103, mean index (1 * 4 + 2) * 5 + 3 = 33, valued 33 / 4.
            Assert.That(top[0].Data[(((1 * Height) + 2) * Width) + 3], Is.EqualTo(103f - (33 / 4f)));
            Assert.That(top[0].Data[0], Is.EqualTo(0f));
        });
    }

    [Test]
    public void Gray_and_colour_are_converted_as_OpenCV_reads_them()
    {
        var grayAsColor = Definition(List("gray.png 0"), batchSize: 1);
        var colorAsGray = Definition(List("pattern.png 0"), batchSize: 1);
        colorAsGray.ImageDataParam.IsColor = false;
        var forcedGray = Definition(List("pattern.png 0"), batchSize: 1);
        forcedGray.TransformParam.ForceGray = true;

        var (layer1, top1) = SetUp(grayAsColor);
        var (layer2, top2) = SetUp(colorAsGray);
        var (layer3, top3) = SetUp(forcedGray);
        using (layer1)
        using (layer2)
        using (layer3)
        {
            layer1.Forward([], top1);
            layer2.Forward([], top2);
            layer3.Forward([], top3);
        }

        // OpenCV 4's gray: (3735 B + 19235 G + 9798 R + 16384) >> 15, at (x, y) = (2, 1): B 21, G 102, R 201.
        var gray = ((3735 * 21) + (19235 * 102) + (9798 * 201) + 16384) >> 15;
        Assert.Multiple(() =>
        {
            Assert.That(top1[0].Shape, Is.EqualTo(new[] { 1, 3, Height, Width }));
            Assert.That(new[] { top1[0].Data[7], top1[0].Data[20 + 7], top1[0].Data[40 + 7] }, Is.EqualTo(new[] { 21f, 21f, 21f }));
            Assert.That(top2[0].Shape, Is.EqualTo(new[] { 1, 1, Height, Width }));
            Assert.That(top2[0].Data[(1 * Width) + 2], Is.EqualTo((float)gray));
            Assert.That(top3[0].Data.ToArray(), Is.EqualTo(top2[0].Data.ToArray()));
        });
    }

    [Test]
    public void New_height_and_width_resize_every_image()
    {
        var definition = Definition(List("small.png 1", "pattern.png 2"), batchSize: 2);
        definition.ImageDataParam.NewHeight = 6;
        definition.ImageDataParam.NewWidth = 7;
        var (layer, top) = SetUp(definition);
        using var _ = layer;

        layer.Forward([], top);

        Assert.Multiple(() =>
        {
            Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 3, 6, 7 }));
            Assert.That(top[0].Data[..(3 * 6 * 7)].ToArray(), Is.All.Zero);

            // Green, 100 + x, is linear in x: the row is a resampled ramp from 100 to 104.
            Assert.That(top[0].Data[(3 * 6 * 7) + 42], Is.EqualTo(100f));
            Assert.That(top[0].Data[(3 * 6 * 7) + 42 + 6], Is.EqualTo(104f));
        });
    }

    [Test]
    public void Shuffling_is_Caffe_s_from_the_seed_at_set_up_and_at_each_epoch()
    {
        const ulong seed = 5;
        var definition = Definition(List([.. Enumerable.Range(0, 6).Select(i => $"pattern.png {i}")]), batchSize: 6);
        definition.ImageDataParam.Shuffle = true;
        var (layer, top) = SetUp(definition, seed);
        using var _ = layer;

        // As Caffe's DataLayerSetUp: the shuffle generator's seed is the net's first draw (no transform draws here).
        var shuffleRandom = new RandomSource(new RandomSource(seed).NextUInt32());
        var order = new float[] { 0, 1, 2, 3, 4, 5 };
        var orders = new List<float[]>();
        for (var epoch = 0; epoch < 3; epoch++)
        {
            // caffe::shuffle (checked against Boost's draws in CaffeRandomStreamTests).
            shuffleRandom.Shuffle(order.AsSpan());

            layer.Forward([], top);
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(order), $"epoch {epoch}");
            orders.Add([.. order]);
        }

        Assert.That(orders[0], Is.Not.EqualTo(orders[1]).Or.Not.EqualTo(orders[2]), "the epochs should not all come in one order");
    }

    [Test]
    public void Rand_skip_starts_after_a_draw_and_the_list_cycles()
    {
        const ulong seed = 3;
        var definition = Definition(List([.. Enumerable.Range(0, 5).Select(i => $"pattern.png {i}")]), batchSize: 7);
        definition.ImageDataParam.RandSkip = 5;
        var (layer, top) = SetUp(definition, seed);
        using var _ = layer;
        // As Caffe: caffe_rng_rand() % rand_skip, the net's first draw.
        var skip = new RandomSource(seed).NextInt(5);

        layer.Forward([], top);

        Assert.That(top[1].Data.ToArray(), Is.EqualTo(Enumerable.Range(0, 7).Select(i => (float)((skip + i) % 5)).ToArray()));
    }

    [Test]
    public void Bad_definitions_and_lists_name_the_layer_the_file_and_the_line()
    {
        var empty = List();
        var badLine = List("pattern.png 1", "", "pattern.png x");
        var noLabel = List("pattern.png");
        var halfSize = Definition(List("pattern.png 1"), batchSize: 1);
        halfSize.ImageDataParam.NewHeight = 3;
        var wrongMean = Definition(List("pattern.png 1"), batchSize: 1);
        wrongMean.TransformParam.MeanFile = WriteMean(1, 3, Height, Width + 1);
        var bothForced = Definition(List("pattern.png 1"), batchSize: 1);
        bothForced.TransformParam.ForceColor = true;
        bothForced.TransformParam.ForceGray = true;
        File.WriteAllText(Path.Combine(_folder, "notes.png"), "not an image");
        var notImage = List("notes.png 2");
        var noise = TestImages.Encode(ImageReferenceTests.Noise(3, 40 * 30 * 3), 40, 30, 3, SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(Path.Combine(_folder, "cut.png"), noise[..(noise.Length / 2)]);
        var truncated = List("cut.png 2");

        Assert.Multiple(() =>
        {
            Assert.That(SetUpError(Definition(empty, 1)), Is.EqualTo($"layer 'images' (ImageData): image list '{empty}' holds no images"));
            Assert.That(SetUpError(Definition(badLine, 1)), Is.EqualTo($"layer 'images' (ImageData): image list '{badLine}' line 3: expected 'path label' (an integer label after the last space), got 'pattern.png x'"));
            Assert.That(SetUpError(Definition(noLabel, 1)), Does.Contain("line 1: expected 'path label'"));
            Assert.That(SetUpError(halfSize), Is.EqualTo("layer 'images' (ImageData): image_data_param: give new_height and new_width together (got 3 and 0)"));
            Assert.That(SetUpError(wrongMean), Is.EqualTo($"layer 'images' (ImageData): transform_param.mean_file '{Path.GetFullPath(wrongMean.TransformParam.MeanFile)}' has shape 1 3 4 6 (72); the data items are 3 x 4 x 5"));
            Assert.That(SetUpError(bothForced), Is.EqualTo("layer 'images' (ImageData): transform_param: give force_color or force_gray, not both"));
            Assert.That(SetUpError(Definition(notImage, 1)), Is.EqualTo($"layer 'images' (ImageData): image '{Path.Combine(_folder, "notes.png")}' is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP) (image list '{notImage}', line 1)"));
            Assert.That(SetUpError(Definition(truncated, 1)), Is.EqualTo($"layer 'images' (ImageData): image '{Path.Combine(_folder, "cut.png")}' is truncated or corrupt (image list '{truncated}', line 1)"));
            Assert.That(SetUpError(Definition(List("missing.png 1"), 1)), Does.StartWith($"layer 'images' (ImageData): image '{_folder}{Path.DirectorySeparatorChar}missing.png' (image list '"));
        });
    }

    [Test]
    public void A_missing_image_or_one_of_another_shape_later_in_the_list_is_named_with_its_line()
    {
        var missing = List("pattern.png 1", "# a comment is a bad line in Caffe too 1", "gone.png 2");
        var otherShape = List("pattern.png 1", "small.png 2");

        Assert.Multiple(() =>
        {
            Assert.That(ForwardError(Definition(missing, 3)), Is.EqualTo($"layer 'images' (ImageData): image '{Path.Combine(_folder, "# a comment is a bad line in Caffe too")}' not found (image list '{missing}', line 2)"));
            Assert.That(ForwardError(Definition(otherShape, 2)), Is.EqualTo($"layer 'images' (ImageData): image '{_folder}/small.png' (image list '{otherShape}', line 2) is 3 x 3 x 3 (channels x height x width); the first, '{_folder}/pattern.png' (line 1), is 3 x 4 x 5, and every image must have its shape (new_height and new_width resize them all)"));
        });
    }

    private static byte[] Pattern(int shift)
    {
        var pixels = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[(((y * Width) + x) * 3) + c] = (byte)Pixel(shift, c, y, x);
                }
            }
        }

        return pixels;
    }

    private string WriteMean(int num, int channels, int height, int width)
    {
        var mean = new BlobProto { Num = num, Channels = channels, Height = height, Width = width };
        mean.Data.Add(Enumerable.Range(0, num * channels * height * width).Select(i => i / 4f));
        var path = Path.Combine(_folder, $"mean-{Guid.NewGuid():N}.binaryproto");
        File.WriteAllBytes(path, mean.ToByteArray());
        return path;
    }

    private string List(params string[] lines)
    {
        var path = Path.Combine(_folder, $"list-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, string.Concat(lines.Select(line => line + "\n")));
        return path;
    }

    private LayerParameter Definition(string source, uint batchSize, uint crop = 0, bool mirror = false, Phase phase = Phase.Train)
    {
        var definition = new LayerParameter
        {
            Name = "images",
            Type = "ImageData",
            Phase = phase,
            TransformParam = new TransformationParameter { CropSize = crop, Mirror = mirror },
            ImageDataParam = new ImageDataParameter { Source = source, BatchSize = batchSize, RootFolder = _folder + Path.DirectorySeparatorChar },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");
        return definition;
    }

    private static (ImageDataLayer Layer, Blob[] Top) SetUp(LayerParameter definition, ulong seed = 0) =>
        PrefetchingLayerHarness.SetUp(definition, d => new ImageDataLayer(d), seed);

    private static string SetUpError(LayerParameter definition) => PrefetchingLayerHarness.SetUpError(definition, d => new ImageDataLayer(d));

    private static string ForwardError(LayerParameter definition) => PrefetchingLayerHarness.ForwardError(definition, d => new ImageDataLayer(d));
}
