using System.Globalization;
using System.Text.Json;
using Caffe;
using Google.Protobuf;
using LayerNet.Testing;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet classify</c> and <c>forward --input NAME=IMAGE</c> on a tiny deploy net (Input 1 x 3 x 2 x 2, an
/// InnerProduct with weights written here, Softmax) and PNG files written here; expected values from a float64
/// reference in the test.
/// </summary>
[TestFixture]
public sealed class ClassifyCommandTests
{
    private const string Model = """
        name: "Tiny"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 2 dim: 2 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 4 } }
        layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
        """;

    private static readonly string[] Labels = ["n01 blue thing", "n02 green thing", "n03 red thing", "n04 nothing"];

    private string _folder = null!;

    private string ModelFile => Path.Combine(_folder, "deploy.prototxt");

    private string WeightsFile => Path.Combine(_folder, "tiny.caffemodel");

    private string LabelsFile => Path.Combine(_folder, "labels.txt");

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-classify-").FullName;
        File.WriteAllText(ModelFile, Model);
        File.WriteAllLines(LabelsFile, Labels);
        var ip = new LayerParameter { Name = "ip", Type = "InnerProduct" };
        ip.Blobs.Add(Proto([4, 12], Weights()));
        ip.Blobs.Add(Proto([4], Bias));
        var weights = new NetParameter { Name = "Tiny" };
        weights.Layer.Add(ip);
        File.WriteAllBytes(WeightsFile, weights.ToByteArray());
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void The_top_classes_are_printed_with_probabilities_and_labels()
    {
        var image = WritePng("blueish.png", 2, 2, (x, y, c) => c == 0 ? 200 : 10 + (10 * x) + y);

        var run = Classify("--labels", LabelsFile, "--top", "3", image);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var p = Probabilities(Input(image, 2, 2, (_, value) => value));
        Assert.That(p[0], Is.GreaterThan(p[2]).And.GreaterThan(p[1]));
        Assert.That(p[2], Is.GreaterThan(p[1]).And.GreaterThan(p[3]));
        Assert.That(run.OutputLines, Is.EqualTo(new[] { $"{image}: {F(p[0])} n01 blue thing; {F(p[2])} n03 red thing; {F(p[1])} n02 green thing" }));
    }

    [Test]
    public void Mean_values_scale_raw_scale_and_channel_swap_give_the_input_blob_hand_computed()
    {
        // B = 10 + x + 2 y, G = 100 + 10 x + 20 y, R = 250 - x - y.
        var image = WritePng("ramp.png", 2, 2, (x, y, c) => c switch { 0 => 10 + x + (2 * y), 1 => 100 + (10 * x) + (20 * y), _ => 250 - x - y });

        var plain = Forward(image, "--mean-values", "104,117,123", "--scale", "0.5");
        var swapped = Forward(image, "--channel-swap", "2,1,0", "--raw-scale", "1", "--mean-values", "0.5");

        Assert.That(plain, Is.EqualTo(new[]
        {
            (10 - 104) * 0.5f, (11 - 104) * 0.5f, (12 - 104) * 0.5f, (13 - 104) * 0.5f,
            (100 - 117) * 0.5f, (110 - 117) * 0.5f, (120 - 117) * 0.5f, (130 - 117) * 0.5f,
            (250 - 123) * 0.5f, (249 - 123) * 0.5f, (249 - 123) * 0.5f, (248 - 123) * 0.5f,
        }));
        Assert.That(swapped, Is.EqualTo(new[]
        {
            (250 / 255.0) - 0.5, (249 / 255.0) - 0.5, (249 / 255.0) - 0.5, (248 / 255.0) - 0.5,
            (100 / 255.0) - 0.5, (110 / 255.0) - 0.5, (120 / 255.0) - 0.5, (130 / 255.0) - 0.5,
            (10 / 255.0) - 0.5, (11 / 255.0) - 0.5, (12 / 255.0) - 0.5, (13 / 255.0) - 0.5,
        }.Select(value => (float)value).ToArray()));
    }

    [Test]
    public void A_mean_file_subtracts_the_mean_of_each_of_its_channels()
    {
        var image = WritePng("flat.png", 2, 2, (_, _, c) => 50 * (c + 1));
        var mean = new BlobProto { Num = 1, Channels = 3, Height = 1, Width = 3 };
        mean.Data.Add([1, 2, 6, 10, 20, 30, 0, 0, 3]);
        var meanFile = Path.Combine(_folder, "mean.binaryproto");
        File.WriteAllBytes(meanFile, mean.ToByteArray());

        var data = Forward(image, "--mean", meanFile);

        Assert.That(data, Is.EqualTo(new float[] { 47, 47, 47, 47, 80, 80, 80, 80, 149, 149, 149, 149 }));
    }

    [Test]
    public void An_image_of_another_size_is_resized_to_the_input()
    {
        var image = WritePng("four.png", 4, 4, (x, y, c) => 40 * c);

        var data = Forward(image);

        Assert.That(data, Is.EqualTo(new float[] { 0, 0, 0, 0, 40, 40, 40, 40, 80, 80, 80, 80 }));
    }

    [Test]
    public void A_folder_is_walked_in_order_and_batched_as_asked()
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        var inner = Directory.CreateDirectory(Path.Combine(images, "inner")).FullName;
        string[] names = [Path.Combine(images, "a.png"), Path.Combine(images, "b.PNG"), Path.Combine(images, "c.png"), Path.Combine(inner, "d.png"), Path.Combine(images, "e.png")];
        for (var k = 0; k < names.Length; k++)
        {
            var shade = k;
            var directory = Path.GetDirectoryName(names[k])!;
            WritePng(Path.GetRelativePath(_folder, Path.Combine(directory, Path.GetFileName(names[k]))), 2, 2, (x, y, c) => (30 * shade) + (50 * c) + x + y);
        }

        File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image");
        var sorted = names.Order(StringComparer.Ordinal).ToArray();

        var batched = Classify("--batch", "2", "--top", "4", images);
        var alone = sorted.Select(name => Classify("--top", "4", name).Output.Trim()).ToArray();

        Assert.That(batched.ExitCode, Is.Zero, batched.Error);
        Assert.That(batched.OutputLines, Is.EqualTo(alone));
        Assert.That(batched.OutputLines.Select(line => line[..line.IndexOf(": ", StringComparison.Ordinal)]), Is.EqualTo(sorted));
        var p = Probabilities(Input(sorted[3], 2, 2, (_, value) => value));
        var best = Array.IndexOf(p, p.Max());
        Assert.That(batched.OutputLines[3], Does.StartWith($"{sorted[3]}: {F(p[best])} {best}; "));
    }

    [Test]
    public void Json_lines_carry_class_probability_and_label()
    {
        var first = WritePng("one.png", 2, 2, (x, y, c) => c == 2 ? 220 : 30);
        var second = WritePng("two.png", 2, 2, (x, y, c) => c == 1 ? 180 : 20 + x);

        var run = Classify("--labels", LabelsFile, "--top", "2", "--json", first, second);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Has.Length.EqualTo(2));
        string[] files = [first, second];
        int[] best = [2, 1];
        for (var i = 0; i < 2; i++)
        {
            using var document = JsonDocument.Parse(run.OutputLines[i]);
            var root = document.RootElement;
            var top = root.GetProperty("top");
            var p = Probabilities(Input(files[i], 2, 2, (_, value) => value));
            Assert.That(root.GetProperty("path").GetString(), Is.EqualTo(files[i]));
            Assert.That(top.GetArrayLength(), Is.EqualTo(2));
            Assert.That(top[0].GetProperty("class").GetInt32(), Is.EqualTo(best[i]));
            Assert.That(top[0].GetProperty("label").GetString(), Is.EqualTo(Labels[best[i]]));
            Assert.That(top[0].GetProperty("probability").GetDouble(), Is.EqualTo(p[best[i]]).Within(1e-6));
        }
    }

    [Test]
    public void Oversampling_averages_the_ten_crops_and_center_only_takes_the_centre()
    {
        // 4 x 4, every pixel different, classified through a 2 x 2 input after --images-dim 4,4 (no resampling);
        // --scale 0.1 keeps the probabilities away from 0 and 1, where views would hardly differ.
        static int Value(int x, int y, int c) => (c * 70) + (13 * x) + (3 * y) + (x * y);
        var image = WritePng("sixteen.png", 4, 4, Value);

        var oversampled = Classify("--images-dim", "4,4", "--oversample", "--scale", "0.1", "--top", "4", "--json", image);
        var centre = Classify("--images-dim", "4,4", "--center-only", "--scale", "0.1", "--top", "4", "--json", image);

        Assert.That(oversampled.ExitCode, Is.Zero, oversampled.Error);
        (int Top, int Left)[] corners = [(0, 0), (0, 2), (2, 0), (2, 2), (1, 1)];
        var expected = new double[4];
        foreach (var mirror in new[] { false, true })
        {
            foreach (var (top, left) in corners)
            {
                var p = Probabilities(Crop(Value, top, left, mirror));
                for (var j = 0; j < 4; j++)
                {
                    expected[j] += p[j] / 10;
                }
            }
        }

        Assert.That(JsonProbabilities(oversampled.Output), Is.EqualTo(expected).Within(1e-6));
        Assert.That(JsonProbabilities(centre.Output), Is.EqualTo(Probabilities(Crop(Value, 1, 1, mirror: false))).Within(1e-6));
        Assert.That(expected, Is.Not.EqualTo(Probabilities(Crop(Value, 1, 1, mirror: false))).Within(1e-3));
    }

    [Test]
    public void The_mtcnn_onet_input_blob_is_the_hand_computed_preprocessing_of_a_synthetic_image()
    {
        var model = Fixtures.File("zoo", "mtcnn_det3.prototxt");
        var weights = Fixtures.File("zoo", "mtcnn_det3.caffemodel");
        static int Value(int x, int y, int c) => ((5 * x) + (3 * y) + (40 * c)) % 256;
        var image = WritePng("face.png", 48, 48, Value);

        var run = CommandRun.Run("forward", "--model", model, "--weights", weights, "--input", $"data={image}", "--mean-values", "127.5", "--scale", "0.0078125", "--blobs", "data,prob1", "--json");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var expected = new float[3 * 48 * 48];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < 48; y++)
            {
                for (var x = 0; x < 48; x++)
                {
                    expected[(((c * 48) + y) * 48) + x] = (float)((Value(x, y, c) - 127.5) * 0.0078125);
                }
            }
        }

        Assert.That(BlobValues(run.Output, "data"), Is.EqualTo(expected));
        var prob = BlobValues(run.Output, "prob1");
        Assert.That(prob, Has.Length.EqualTo(2));
        Assert.That(prob.Sum(), Is.EqualTo(1).Within(1e-5));

        var classified = CommandRun.Run("classify", "--model", model, "--weights", weights, "--output", "prob1", "--mean-values", "127.5", "--scale", "0.0078125", "--top", "1", image);
        Assert.That(classified.ExitCode, Is.Zero, classified.Error);
        var best = prob[0] >= prob[1] ? 0 : 1;
        Assert.That(classified.OutputLines, Is.EqualTo(new[] { $"{image}: {F(prob[best])} {best}" }));
    }

    [Test]
    public void A_missing_image_is_named()
    {
        var missing = Path.Combine(_folder, "nowhere.png");

        Classify(missing).AssertOneLineError($"image '{missing}' not found");
    }

    [Test]
    public void A_file_that_is_not_an_image_is_named()
    {
        var bogus = Path.Combine(_folder, "bogus.png");
        File.WriteAllText(bogus, "this is text");

        Classify(bogus).AssertOneLineError($"image '{bogus}' is not an image LayerNet can read");
        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={bogus}").AssertOneLineError($"image '{bogus}' is not an image");
    }

    [Test]
    public void A_labels_file_with_too_few_lines_is_an_error()
    {
        var image = WritePng("x.png", 2, 2, (_, _, _) => 1);
        File.WriteAllLines(LabelsFile, Labels[..3]);

        Classify("--labels", LabelsFile, image).AssertOneLineError($"--labels '{LabelsFile}' has 3 lines; output blob 'prob' has 4 classes (one label a line, in class order)");
    }

    [Test]
    public void An_output_blob_that_is_not_n_by_k_is_an_error()
    {
        var image = WritePng("x.png", 2, 2, (_, _, _) => 1);

        Classify("--output", "data", image).AssertOneLineError("classify: output blob 'data' has shape 1 3 2 2 (12); class probabilities are N x K");
    }

    [Test]
    public void Options_that_do_not_fit_the_input_are_errors()
    {
        var image = WritePng("x.png", 2, 2, (_, _, _) => 1);

        Classify("--mean-values", "1,2", image).AssertOneLineError("--mean-values has 2 values; input blob 'data' has 3 channels (give one value, or one per channel)");
        Classify("--channel-swap", "0,0,1", image).AssertOneLineError("--channel-swap 0,0,1 is not an order of input blob 'data''s 3 channels (0 to 2, each once)");
        Classify("--images-dim", "1,1", image).AssertOneLineError("--images-dim 1,1 is smaller than input blob 'data''s 2 x 2");
        Classify("--oversample", "--center-only", image).AssertOneLineError("give --center-only or --oversample, not both");
        Classify("--mean-values", "1", "--mean", LabelsFile, image).AssertOneLineError("give --mean or --mean-values, not both");
    }

    private static readonly float[] Bias = [0.1f, 0, -0.1f, 0];

    // Class j < 3 weighs channel j's four values by 0.01, 0.02, 0.03, 0.04 (so that a mirrored view differs) and
    // the next channel's by 0.002; class 3 weighs nothing.
    private static float[] Weights()
    {
        var weights = new float[48];
        for (var j = 0; j < 3; j++)
        {
            for (var i = 0; i < 4; i++)
            {
                weights[(j * 12) + (j * 4) + i] = 0.01f * (i + 1);
                weights[(j * 12) + (((j + 1) % 3) * 4) + i] = 0.002f;
            }
        }

        return weights;
    }

    private static BlobProto Proto(int[] shape, float[] values)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        proto.Shape.Dim.Add([.. shape.Select(d => (long)d)]);
        proto.Data.Add(values);
        return proto;
    }

    // The net's answer in float64: softmax(W x + b).
    private static double[] Probabilities(double[] input)
    {
        var weights = Weights();
        var logits = new double[4];
        for (var j = 0; j < 4; j++)
        {
            logits[j] = Bias[j];
            for (var i = 0; i < 12; i++)
            {
                logits[j] += (double)weights[(j * 12) + i] * input[i];
            }
        }

        var max = logits.Max();
        var sum = logits.Sum(l => Math.Exp(l - max));
        return [.. logits.Select(l => Math.Exp(l - max) / sum)];
    }

    // The 2 x 2 view at (top, left) of a 4 x 4 image, mirrored left to right when asked, as C x H x W, times 0.1.
    private static double[] Crop(Func<int, int, int, int> value, int top, int left, bool mirror)
    {
        var input = new double[12];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < 2; y++)
            {
                for (var x = 0; x < 2; x++)
                {
                    input[(c * 4) + (y * 2) + x] = (float)(value(left + (mirror ? 1 - x : x), top + y, c) * 0.1);
                }
            }
        }

        return input;
    }

    // An image file's pixels as C x H x W, through the decoder this command uses, each value mapped.
    private static double[] Input(string path, int width, int height, Func<int, byte, double> map)
    {
        using var bitmap = SKBitmap.Decode(path);
        var input = new double[3 * width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var color = bitmap.GetPixel(x, y);
                byte[] bgr = [color.Blue, color.Green, color.Red];
                for (var c = 0; c < 3; c++)
                {
                    input[(((c * height) + y) * width) + x] = map(c, bgr[c]);
                }
            }
        }

        return input;
    }

    private static string F(double probability) => ((float)probability).ToString("F4", CultureInfo.InvariantCulture);

    private static double[] JsonProbabilities(string output)
    {
        using var document = JsonDocument.Parse(output);
        var probabilities = new double[4];
        foreach (var entry in document.RootElement.GetProperty("top").EnumerateArray())
        {
            probabilities[entry.GetProperty("class").GetInt32()] = entry.GetProperty("probability").GetDouble();
        }

        return probabilities;
    }

    private static float[] BlobValues(string json, string name)
    {
        using var document = JsonDocument.Parse(json);
        var blob = document.RootElement.GetProperty("blobs").EnumerateArray().First(b => b.GetProperty("name").GetString() == name);
        return [.. blob.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];
    }

    private CommandRun Classify(params string[] arguments) =>
        CommandRun.Run(["classify", "--model", ModelFile, "--weights", WeightsFile, .. arguments]);

    private float[] Forward(string image, params string[] arguments)
    {
        var run = CommandRun.Run(["forward", "--model", ModelFile, "--input", $"data={image}", "--blobs", "data", "--json", .. arguments]);
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        return BlobValues(run.Output, "data");
    }

    // Writes a colour PNG whose pixel (x, y) has channel c (B, G, R) = value(x, y, c).
    private string WritePng(string name, int width, int height, Func<int, int, int, int> value)
    {
        var path = Path.Combine(_folder, name);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)value(x, y, 2), (byte)value(x, y, 1), (byte)value(x, y, 0)));
            }
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, encoded.ToArray());
        return path;
    }
}
