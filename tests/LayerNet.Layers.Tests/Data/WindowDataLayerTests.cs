using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Layers.Tests.Images;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class WindowDataLayerTests
{
    // "pattern.png", 10 x 8: B = 10 x + y, G = 100 + x, R = 200 + y, all different.
    private const int PatternWidth = 10;
    private const int PatternHeight = 8;

    // "flat.png", 10 x 10: B, G, R = 10, 20, 30 everywhere but a 5 x 5 square at columns 2..6, rows 3..7 of 40, 50, 60.
    private static readonly float[] Flat = [10, 20, 30];
    private static readonly float[] Square = [40, 50, 60];

    private string _folder = string.Empty;

    [SetUp]
    public void WriteImages()
    {
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-windows-" + Guid.NewGuid().ToString("N"))).FullName;
        var pattern = new byte[PatternWidth * PatternHeight * 3];
        for (var y = 0; y < PatternHeight; y++)
        {
            for (var x = 0; x < PatternWidth; x++)
            {
                var at = ((y * PatternWidth) + x) * 3;
                (pattern[at], pattern[at + 1], pattern[at + 2]) = ((byte)((10 * x) + y), (byte)(100 + x), (byte)(200 + y));
            }
        }

        TestImages.WritePng(Path.Combine(_folder, "pattern.png"), pattern, PatternWidth, PatternHeight, 3);
        var flat = new byte[10 * 10 * 3];
        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 10; x++)
            {
                var inSquare = x is >= 2 and <= 6 && y is >= 3 and <= 7;
                for (var c = 0; c < 3; c++)
                {
                    flat[(((y * 10) + x) * 3) + c] = (byte)(inSquare ? Square[c] : Flat[c]);
                }
            }
        }

        TestImages.WritePng(Path.Combine(_folder, "flat.png"), flat, 10, 10, 3);
    }

    [TearDown]
    public void DeleteImages() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_window_the_size_of_the_crop_is_copied_less_the_mean_and_scaled()
    {
        // One foreground window, columns 2..5, rows 1..4 of the pattern: a 4 x 4 crop, no resampling.
        var source = WindowFile("# 0\npattern.png\n3 8 10\n1\n7 0.9 2 1 5 4\n");
        var definition = Definition(source, batchSize: 1, crop: 4, fgFraction: 1f, scale: 0.5f);
        definition.TransformParam.MeanValue.Add([1f, 2f, 3f]);
        var top = ForwardOnce(definition);

        Assert.Multiple(() =>
        {
            Assert.That(top[0].Shape, Is.EqualTo(new[] { 1, 3, 4, 4 }));
            Assert.That(top[0].Data.ToArray(), Is.EqualTo(PatternSquare(left: 2, top: 1, side: 4, [1f, 2f, 3f], 0.5f)));
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 7f }));
        });
    }

    [Test]
    public void The_mean_file_centre_is_subtracted()
    {
        // A 1 x 3 x 6 x 6 mean and crop 4: Caffe reads it from offset (6 - 4) / 2 = 1 in rows and columns.
        var mean = new BlobProto { Shape = new BlobShape { Dim = { 1, 3, 6, 6 } } };
        mean.Data.Add(Enumerable.Range(0, 108).Select(i => i / 4f));
        var meanPath = Path.Combine(_folder, "mean.binaryproto");
        File.WriteAllBytes(meanPath, mean.ToByteArray());
        var definition = Definition(WindowFile("# 0\npattern.png\n3 8 10\n1\n7 0.9 2 1 5 4\n"), batchSize: 1, crop: 4, fgFraction: 1f);
        definition.TransformParam.MeanFile = meanPath;
        var top = ForwardOnce(definition);

        Assert.Multiple(() =>
        {
            // Channel 1 (green), row 2, column 3: pixel 100 + (2 + 3) = 105, mean index (1 * 6 + 2 + 1) * 6 + 3 + 1 = 58.
            Assert.That(top[0].Data[16 + (2 * 4) + 3], Is.EqualTo(105f - (58 / 4f)));

            // Channel 0, row 0, column 0: pixel 10 * 2 + 1 = 21, mean index (0 + 1) * 6 + 1 = 7.
            Assert.That(top[0].Data[0], Is.EqualTo(21f - (7 / 4f)));
        });
    }

    [Test]
    public void Context_padding_grows_the_window_and_pads_what_falls_outside_the_image()
    {
        // Window 0..3 x 0..3 (inside the flat colour), crop 8, context_pad 2: scale 8 / 4 = 2 about the centre (2, 2)
        // gives -2..6, 9 pixels; cut to 0..6, 7 pixels, warped to round(7 * 8 / 9) = 6, after round(2 * 8 / 9) = 2
        // rows and columns of zero padding. The region 0..6 x 0..6 holds both colours, so only the padding and the
        // geometry are checked here: rows and columns 0..1 zero, the rest not.
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n1\n1 0.9 0 0 3 3\n"), batchSize: 1, crop: 8, fgFraction: 1f, contextPad: 2);
        var top = ForwardOnce(definition);

        var blue = top[0].Data[..64].ToArray();
        Assert.Multiple(() =>
        {
            for (var h = 0; h < 8; h++)
            {
                for (var w = 0; w < 8; w++)
                {
                    var padding = h < 2 || w < 2;
                    Assert.That(blue[(h * 8) + w], padding ? Is.Zero : Is.GreaterThanOrEqualTo(10f), $"row {h}, column {w}");
                }
            }

            // The region's top-left pixel is the image's (0, 0), flat; its bottom-right (6, 6) lies in the square.
            Assert.That(blue[(2 * 8) + 2], Is.EqualTo(10f));
            Assert.That(blue[(7 * 8) + 7], Is.EqualTo(40f));
        });
    }

    [Test]
    public void Windows_are_picked_by_Caffes_prefetch_generator_seeded_at_set_up()
    {
        // Two foreground windows, labels 1 and 2. As Caffe: InitRand's draw, then DataLayerSetUp seeds the prefetch
        // generator with the net's second draw; each item takes window (draw % 2) (no mirror draw without mirror).
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n2\n1 0.9 0 0 3 3\n2 0.8 4 4 8 8\n"), batchSize: 8, crop: 3, fgFraction: 1f);
        var (layer, top) = SetUp(definition, seed: 7);
        using var _ = layer;
        var net = new RandomSource(7);
        net.NextUInt32();
        var prefetch = new RandomSource(net.NextUInt32());

        for (var batch = 0; batch < 3; batch++)
        {
            layer.Forward([], top);
            var expected = Enumerable.Range(0, 8).Select(_ => prefetch.NextInt(2) == 0 ? 1f : 2f).ToArray();
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(expected), $"batch {batch}");
        }
    }

    [Test]
    public void Mirroring_flips_the_crop_and_its_padding()
    {
        // As above with mirror: the padding moves to the right (round(cut right 0 * 8 / 9) = 0 columns on the left).
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n1\n1 0.9 0 0 3 3\n"), batchSize: 1, crop: 8, fgFraction: 1f, contextPad: 2, mirror: true);
        var (layer, top) = SetUp(definition, seed: 1);
        using var _ = layer;
        var sawMirrored = false;
        var sawPlain = false;

        for (var i = 0; i < 20; i++)
        {
            layer.Forward([], top);
            var blue = top[0].Data[..64].ToArray();
            var mirrored = blue[(4 * 8) + 7] == 0f;
            sawMirrored |= mirrored;
            sawPlain |= !mirrored;
            Assert.Multiple(() =>
            {
                for (var h = 0; h < 8; h++)
                {
                    for (var w = 0; w < 8; w++)
                    {
                        var padding = h < 2 || (mirrored ? w >= 6 : w < 2);
                        Assert.That(blue[(h * 8) + w], padding ? Is.Zero : Is.GreaterThanOrEqualTo(10f), $"batch {i}, row {h}, column {w}");
                    }
                }

                // The image's (0, 0) corner lands next to the padding: right of the region when mirrored.
                Assert.That(blue[(2 * 8) + (mirrored ? 5 : 2)], Is.EqualTo(10f));
                Assert.That(blue[(7 * 8) + (mirrored ? 0 : 7)], Is.EqualTo(40f));
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(sawMirrored, Is.True, "some crops are mirrored");
            Assert.That(sawPlain, Is.True, "some crops are not");
        });
    }

    [Test]
    public void Square_mode_takes_the_longer_side_about_the_centre()
    {
        // Window columns 2..5, rows 3..4 of the pattern (4 x 2): half sides 2 and 1, centre (4, 4); square: half
        // side 2 both ways, so columns and rows round(4 - 2) = 2 .. round(4 + 2) = 6, a 5 x 5 region and a crop of
        // 5: copied as it is, output (h, w) = pattern (2 + w, 2 + h).
        var definition = Definition(WindowFile("# 0\npattern.png\n3 8 10\n1\n2 0.9 2 3 5 4\n"), batchSize: 1, crop: 5, fgFraction: 1f, cropMode: "square");
        var top = ForwardOnce(definition);

        Assert.That(top[0].Data.ToArray(), Is.EqualTo(PatternSquare(left: 2, top: 2, side: 5, [0f, 0f, 0f], 1f)));
    }

    [Test]
    public void A_square_window_of_one_colour_stays_one_colour()
    {
        // Window columns 2..5, rows 4..5 of the flat image: squared to columns 2..6, rows 3..7, exactly the 5 x 5
        // square of one colour, warped to 8 x 8. One pixel off in any direction would bring the flat colour in.
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n1\n2 0.9 2 4 5 5\n"), batchSize: 1, crop: 8, fgFraction: 1f, cropMode: "square");
        var top = ForwardOnce(definition);

        var data = top[0].Data.ToArray();
        Assert.Multiple(() =>
        {
            for (var c = 0; c < 3; c++)
            {
                Assert.That(data[(c * 64)..((c + 1) * 64)], Is.All.EqualTo(Square[c]), $"channel {c}");
            }
        });
    }

    [Test]
    public void Square_mode_with_context_padding_takes_a_ring_of_the_surroundings()
    {
        // As above with context_pad 1: scale 8 / 6 about (4, 5), half side 2 * 4 / 3: columns round(1.33) = 1 ..
        // round(6.67) = 7, rows round(2.33) = 2 .. round(7.67) = 8, 7 x 7 inside the image, warped to 8 x 8. Its
        // one-pixel ring is the flat colour: output (0, 0) samples source (-0.06, -0.06), clamped to the ring's
        // corner; output (4, 4) samples (3.44, 3.44), inside the square.
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n1\n2 0.9 2 4 5 5\n"), batchSize: 1, crop: 8, fgFraction: 1f, cropMode: "square", contextPad: 1);
        var top = ForwardOnce(definition);

        var data = top[0].Data.ToArray();
        Assert.Multiple(() =>
        {
            for (var c = 0; c < 3; c++)
            {
                Assert.That(data[c * 64], Is.EqualTo(Flat[c]), $"channel {c}, top left");
                Assert.That(data[(c * 64) + 63], Is.EqualTo(Flat[c]), $"channel {c}, bottom right");
                Assert.That(data[(c * 64) + (4 * 8) + 4], Is.EqualTo(Square[c]), $"channel {c}, centre");
            }
        });
    }

    [Test]
    public void Warp_mode_stretches_the_window_alone()
    {
        // The same 4 x 2 window in warp mode covers columns 2..5, rows 4..5, inside the square: one colour.
        var definition = Definition(WindowFile("# 0\nflat.png\n3 10 10\n1\n2 0.9 2 4 5 5\n"), batchSize: 1, crop: 8, fgFraction: 1f);
        var top = ForwardOnce(definition);

        Assert.That(top[0].Data[..64].ToArray(), Is.All.EqualTo(40f));
    }

    [Test]
    public void Batches_hold_background_then_foreground_windows_in_the_fg_fraction()
    {
        // fg_threshold 0.5, bg_threshold 0.3: overlaps 0.9 and 0.6 are foreground (classes 3, 5), 0.1 and 0.2 are
        // background (class 0 whatever the file says), 0.4 is neither (class 9 must never appear).
        var source = WindowFile(
            "# 0\npattern.png\n3 8 10\n3\n3 0.9 0 0 3 3\n9 0.4 1 1 4 4\n4 0.1 2 2 5 5\n" +
            "# 1\nflat.png\n3 10 10\n2\n5 0.6 0 0 3 3\n6 0.2 4 4 7 7\n");
        var definition = Definition(source, batchSize: 10, crop: 4, fgFraction: 0.25f, bgThreshold: 0.3f);
        var (layer, top) = SetUp(definition);
        using var _ = layer;
        var foregroundLabels = new HashSet<float>();

        for (var i = 0; i < 10; i++)
        {
            layer.Forward([], top);
            var labels = top[1].Data.ToArray();

            // floor(10 * 0.25) = 2 foreground windows, last.
            Assert.That(labels[..8], Is.All.Zero, $"batch {i}: background first");
            Assert.That(labels[8..].All(label => label is 3f or 5f), Is.True, $"batch {i}: then foreground, got {string.Join(", ", labels[8..])}");
            foregroundLabels.UnionWith(labels[8..]);
        }

        Assert.That(foregroundLabels, Is.EquivalentTo(new[] { 3f, 5f }));
    }

    [Test]
    public void Cached_images_and_prefetching_give_the_same_batches()
    {
        var source = WindowFile(
            "# 0\npattern.png\n3 8 10\n2\n3 0.9 0 0 6 5\n0 0.1 2 2 9 7\n" +
            "# 1\nflat.png\n3 10 10\n2\n5 0.6 1 1 8 8\n0 0.2 4 4 7 7\n");
        float[] Batches(bool cache, uint prefetch)
        {
            var definition = Definition(source, batchSize: 6, crop: 5, fgFraction: 0.5f, contextPad: 1, mirror: true);
            definition.WindowDataParam.CacheImages = cache;
            definition.DataParam = new DataParameter { Prefetch = prefetch };
            var (layer, top) = SetUp(definition, seed: 5);
            using var _ = layer;
            var values = new List<float>();
            for (var i = 0; i < 5; i++)
            {
                layer.Forward([], top);
                values.AddRange(top[0].Data.ToArray());
                values.AddRange(top[1].Data.ToArray());
            }

            return [.. values];
        }

        var inline = Batches(cache: false, prefetch: 0);
        Assert.Multiple(() =>
        {
            Assert.That(Batches(cache: false, prefetch: 3), Is.EqualTo(inline));
            Assert.That(Batches(cache: true, prefetch: 2), Is.EqualTo(inline));
        });
    }

    [Test]
    public void Root_folder_prefixes_image_paths_and_runs_in_a_net()
    {
        using var services = new ServiceCollection().AddLayerNet().AddDataLayers().Services.BuildServiceProvider();
        File.WriteAllText(Path.Combine(_folder, "windows.txt"), "# 0\npattern.png\n3 8 10\n2\n1 0.9 0 0 3 3\n0 0.1 4 4 7 7\n");
        var text = $$"""
            name: "rcnn"
            layer {
              name: "windows" type: "WindowData" top: "data" top: "label"
              transform_param { crop_size: 4 mirror: true }
              window_data_param { source: "windows.txt" root_folder: "{{_folder.Replace("\\", "\\\\")}}/" batch_size: 4 fg_fraction: 0.5 context_pad: 1 }
            }
            """;
        var net = services.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(text, Path.Combine(_folder, "train.prototxt"));

        var built = new Nets.Net(net.Message, services.GetRequiredService<LayerFactory>(), new Nets.NetOptions { Source = net.Source });
        using var layer = (WindowDataLayer)built.Layers[0];
        built.Forward();

        Assert.Multiple(() =>
        {
            Assert.That(built.Blob("data").Shape, Is.EqualTo(new[] { 4, 3, 4, 4 }));
            Assert.That(built.Blob("label").Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 1f }));
        });
    }

    [Test]
    public void Errors_name_the_layer_the_file_and_the_line()
    {
        File.WriteAllText(Path.Combine(_folder, "broken.png"), "not an image");
        var badNumber = WindowFile("# 0\npattern.png\n3 8 10\n1\n1 0.9 0 0 x 3\n");
        var missingImage = WindowFile("# 0\npattern.png\n3 8 10\n1\n1 0.9 0 0 3 3\n# 1\nnowhere.png\n3 8 10\n0\n");
        var outOfOrder = WindowFile("# 0\npattern.png\n3 8 10\n1\n1 0.9 0 0 3 3\n# 2\nflat.png\n3 10 10\n0\n");
        var unlabelled = WindowFile("# 0\npattern.png\n3 8 10\n1\n0 0.9 0 0 3 3\n");
        var gray = WindowFile("# 0\npattern.png\n1 8 10\n1\n1 0.9 0 0 3 3\n");
        var noBackground = WindowFile("# 0\npattern.png\n3 8 10\n1\n1 0.9 0 0 3 3\n");
        var empty = WindowFile(" \n");
        var noParameter = new LayerParameter { Name = "windows", Type = "WindowData" };
        noParameter.Top.Add("data");
        var noCrop = Definition(noBackground, batchSize: 1, crop: 0, fgFraction: 1f);
        var badMode = Definition(noBackground, batchSize: 1, crop: 4, fgFraction: 1f, cropMode: "stretch");
        var tooMuchPad = Definition(noBackground, batchSize: 1, crop: 4, fgFraction: 1f, contextPad: 2);

        Assert.Multiple(() =>
        {
            Assert.That(SetUpError(noParameter), Is.EqualTo("layer 'windows' (WindowData): window_data_param is required (source, batch_size; crop_size in transform_param)"));
            Assert.That(SetUpError(noCrop), Is.EqualTo("layer 'windows' (WindowData): transform_param.crop_size is required: the side of the square windows WindowData outputs"));
            Assert.That(SetUpError(badMode), Is.EqualTo("layer 'windows' (WindowData): window_data_param.crop_mode must be \"warp\" or \"square\", got \"stretch\""));
            Assert.That(SetUpError(tooMuchPad), Is.EqualTo("layer 'windows' (WindowData): window_data_param.context_pad 2 leaves no room in crop_size 4 (needs crop_size > 2 x context_pad)"));
            Assert.That(SetUpError(Definition(badNumber, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{badNumber}' line 5: expected the x2 (an integer), got 'x'"));
            Assert.That(SetUpError(Definition(missingImage, 1, 4, 1f)), Does.StartWith($"layer 'windows' (WindowData): image 'nowhere.png' (window file '{missingImage}', line 7) not found (tried "));
            Assert.That(SetUpError(Definition(outOfOrder, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{outOfOrder}' line 6: image index 2 is out of order; expected 1 (images are numbered 0, 1, 2, ... in file order)"));
            Assert.That(SetUpError(Definition(unlabelled, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{unlabelled}' line 5: a foreground window (overlap 0.9 >= fg_threshold 0.5) needs a class above 0, got 0"));
            Assert.That(SetUpError(Definition(gray, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{gray}' line 2: image '{Path.Combine(_folder, "pattern.png")}' has 1 channels; WindowData reads images in colour, 3 channels"));
            Assert.That(SetUpError(Definition(noBackground, 4, 4, 0.25f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{noBackground}' has no background window (overlap < bg_threshold 0.5); each batch needs 3"));
            Assert.That(SetUpError(Definition(empty, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window file '{empty}' is empty"));
        });
    }

    [Test]
    public void An_unreadable_image_or_a_window_outside_it_stops_forward_naming_the_line()
    {
        File.WriteAllText(Path.Combine(_folder, "broken.png"), "not an image");
        var broken = WindowFile("# 0\nbroken.png\n3 8 10\n1\n1 0.9 0 0 3 3\n");
        var outside = WindowFile("# 0\npattern.png\n3 8 10\n1\n1 0.9 6 2 10 5\n");

        Assert.Multiple(() =>
        {
            Assert.That(ForwardError(Definition(broken, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): image '{Path.Combine(_folder, "broken.png")}' is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP) (window file '{broken}', line 2)"));
            Assert.That(ForwardError(Definition(outside, 1, 4, 1f)), Is.EqualTo($"layer 'windows' (WindowData): window 6 2 10 5 (window file '{outside}', line 5) does not fit image '{Path.Combine(_folder, "pattern.png")}', 10 x 8"));
        });
    }

    /// <summary>The pattern's square of <paramref name="side"/> at (<paramref name="left"/>, <paramref name="top"/>), channels first, less a mean per channel, scaled.</summary>
    private static float[] PatternSquare(int left, int top, int side, float[] mean, float scale)
    {
        var square = new float[3 * side * side];
        for (var h = 0; h < side; h++)
        {
            for (var w = 0; w < side; w++)
            {
                int x = left + w, y = top + h, at = (h * side) + w;
                square[at] = ((10 * x) + y - mean[0]) * scale;
                square[(side * side) + at] = (100 + x - mean[1]) * scale;
                square[(2 * side * side) + at] = (200 + y - mean[2]) * scale;
            }
        }

        return square;
    }

    private string WindowFile(string text)
    {
        var path = Path.Combine(_folder, $"windows-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text.Replace("pattern.png", Path.Combine(_folder, "pattern.png")).Replace("flat.png", Path.Combine(_folder, "flat.png")).Replace("broken.png", Path.Combine(_folder, "broken.png")));
        return path;
    }

    private static LayerParameter Definition(
        string source, uint batchSize, uint crop, float fgFraction, float scale = 1f, uint contextPad = 0,
        string cropMode = "warp", bool mirror = false, float bgThreshold = 0.5f)
    {
        var definition = new LayerParameter
        {
            Name = "windows",
            Type = "WindowData",
            TransformParam = new TransformationParameter { CropSize = crop, Mirror = mirror },
            WindowDataParam = new WindowDataParameter
            {
                Source = source,
                BatchSize = batchSize,
                FgFraction = fgFraction,
                BgThreshold = bgThreshold,
                Scale = scale,
                ContextPad = contextPad,
                CropMode = cropMode,
            },
        };
        if (crop == 0)
        {
            definition.TransformParam.ClearCropSize();
        }

        definition.Top.Add("data");
        definition.Top.Add("label");
        return definition;
    }

    private static (WindowDataLayer Layer, Blob[] Top) SetUp(LayerParameter definition, ulong seed = 0)
    {
        var layer = new WindowDataLayer(definition) { Random = new RandomSource(seed) };
        var top = definition.Top.Select(name => new Blob { Name = name }).ToArray();
        layer.SetUp([], top);
        return (layer, top);
    }

    private static Blob[] ForwardOnce(LayerParameter definition)
    {
        var (layer, top) = SetUp(definition);
        using (layer)
        {
            layer.Forward([], top);
        }

        return top;
    }

    private static string SetUpError(LayerParameter definition) =>
        Assert.Throws<LayerNetException>(() => SetUp(definition).Layer.Dispose())!.Message;

    private static string ForwardError(LayerParameter definition)
    {
        var (layer, top) = SetUp(definition);
        using var _ = layer;
        return Assert.Throws<LayerNetException>(() => layer.Forward([], top))!.Message;
    }
}
