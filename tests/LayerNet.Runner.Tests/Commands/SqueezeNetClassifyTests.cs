using System.Text.Json;
using Caffe;
using Google.Protobuf;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Testing;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// Issue 14's "done when": <c>layernet classify --model deploy.prototxt --weights squeezenet.caffemodel --mean-values
/// 104,117,123 cat.png</c> on SqueezeNet v1.1 (the zoo's deploy file, forresti/SqueezeNet) prints the top-5 that an
/// independent implementation gives on the same preprocessed input. No trained SqueezeNet is in the fixtures, so the
/// weights are drawn here (He-scaled Gaussians from a fixed seed, written as a .caffemodel), and the independent
/// implementation is the float64 interpreter below: direct loops over the model file's Convolution, ReLU, Pooling
/// (Caffe's ceil-mode output size), Concat, Dropout and Softmax, sharing no code with LayerNet's kernels.
/// </summary>
[TestFixture]
public sealed class SqueezeNetClassifyTests
{
    private const int Side = 227;
    private static readonly double[] Mean = [104, 117, 123];

    // The classifier's weights are scaled down from He's so that the class scores spread over a few units: the
    // input's pixels are about 50 from the mean, and He's scale keeps that size to the last layer, where a
    // softmax would give one class all the probability and the others none.
    private const double ClassifierScale = 0.01;

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-squeezenet-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Classify_prints_the_top_five_of_an_independent_float64_implementation()
    {
        var model = Fixtures.File("zoo", "squeezenet_v1.1_deploy.prototxt");
        var net = MessageFile.Read<NetParameter>(model, ParameterExtensions.None);
        var weights = DrawWeights(net, seed: 1701);
        var weightsFile = Path.Combine(_folder, "squeezenet.caffemodel");
        File.WriteAllBytes(weightsFile, weights.ToByteArray());
        var image = WriteCatLikePng(Path.Combine(_folder, "cat.png"));

        var expected = new Float64Net(net, weights).Run(Preprocessed(image));
        var order = Enumerable.Range(0, expected.Length).OrderByDescending(i => expected[i]).ToArray();
        var run = CommandRun.Run("classify", "--model", model, "--weights", weightsFile, "--mean-values", "104,117,123", "--top", "5", "--json", image);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var document = JsonDocument.Parse(run.OutputLines.Single());
        var top = document.RootElement.GetProperty("top").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            // The reference's top six are apart by more than float32 rounding could move them: the order is a fact.
            for (var k = 0; k < 5; k++)
            {
                Assert.That(expected[order[k]] - expected[order[k + 1]], Is.GreaterThan(1e-5), $"gap after rank {k + 1}");
            }

            Assert.That(top.Select(t => t.GetProperty("class").GetInt32()), Is.EqualTo(order.Take(5)));
            for (var k = 0; k < 5; k++)
            {
                Assert.That(top[k].GetProperty("probability").GetDouble(), Is.EqualTo(expected[order[k]]).Within(1e-5));
            }
        });
    }

    // Caffe's preprocessing of classify.py / cpp_classification for a 227 x 227 BGR image and mean values: the
    // decoded bytes in B, G, R planes minus the mean of each channel, no resize (the image has the net's size).
    private static double[] Preprocessed(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        var input = new double[3 * Side * Side];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var color = bitmap.GetPixel(x, y);
                byte[] bgr = [color.Blue, color.Green, color.Red];
                for (var c = 0; c < 3; c++)
                {
                    input[(((c * Side) + y) * Side) + x] = bgr[c] - Mean[c];
                }
            }
        }

        return input;
    }

    // A picture with a cat's broad features for a random net: a warm gradient, two ear-like triangles, eyes, stripes.
    private static string WriteCatLikePng(string path)
    {
        using var bitmap = new SKBitmap(Side, Side, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var background = new SKPaint();
            background.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(Side, Side), [new SKColor(190, 140, 90), new SKColor(60, 50, 40)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, Side, Side, background);
            using var fur = new SKPaint { Color = new SKColor(120, 90, 60), IsAntialias = false };
            using var ears = new SKPath();
            ears.MoveTo(50, 90);
            ears.LineTo(80, 20);
            ears.LineTo(110, 90);
            ears.MoveTo(120, 90);
            ears.LineTo(150, 20);
            ears.LineTo(180, 90);
            canvas.DrawPath(ears, fur);
            canvas.DrawCircle(115, 130, 70, fur);
            using var eye = new SKPaint { Color = new SKColor(40, 160, 60), IsAntialias = false };
            canvas.DrawCircle(90, 115, 12, eye);
            canvas.DrawCircle(140, 115, 12, eye);
            using var stripe = new SKPaint { Color = new SKColor(30, 25, 20), StrokeWidth = 4, IsAntialias = false };
            for (var i = 0; i < 6; i++)
            {
                canvas.DrawLine(60 + (i * 20), 170, 70 + (i * 20), 215, stripe);
            }
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, encoded.ToArray());
        return path;
    }

    // Weights for every Convolution of the model: N(0, 2 / fan-in) (He's scale keeps activations alive through 26
    // layers) and biases N(0, 0.01^2), from System.Random with a fixed seed (Box-Muller), as a .caffemodel's layers.
    private static NetParameter DrawWeights(NetParameter net, int seed)
    {
        var random = new Random(seed);
        var channels = new Dictionary<string, int> { ["data"] = 3 };
        var weights = new NetParameter { Name = net.Name };
        foreach (var layer in net.Layer)
        {
            switch (layer.Type)
            {
                case "Convolution":
                    var p = layer.ConvolutionParam;
                    var input = channels[layer.Bottom[0]];
                    var k = (int)p.KernelSize[0];
                    var fanIn = input * k * k;
                    var saved = new LayerParameter { Name = layer.Name, Type = layer.Type };
                    saved.Blobs.Add(Blob([(int)p.NumOutput, input, k, k], random, Math.Sqrt(2.0 / fanIn) * (layer.Name == "conv10" ? ClassifierScale : 1)));
                    saved.Blobs.Add(Blob([(int)p.NumOutput], random, 0.01));
                    weights.Layer.Add(saved);
                    channels[layer.Top[0]] = (int)p.NumOutput;
                    break;
                case "Concat":
                    channels[layer.Top[0]] = layer.Bottom.Sum(b => channels[b]);
                    break;
                case "Input":
                    break;
                default:
                    channels[layer.Top[0]] = channels[layer.Bottom[0]];
                    break;
            }
        }

        return weights;
    }

    private static BlobProto Blob(int[] shape, Random random, double std)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        blob.Shape.Dim.AddRange(shape.Select(d => (long)d));
        var count = shape.Aggregate(1, (a, b) => a * b);
        for (var i = 0; i < count; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            blob.Data.Add((float)(gaussian * std));
        }

        return blob;
    }

    /// <summary>The model's layers run on one image in float64 with direct loops: the independent implementation.</summary>
    private sealed class Float64Net(NetParameter net, NetParameter weights)
    {
        private readonly Dictionary<string, (double[] Data, int C, int H, int W)> _blobs = [];

        public double[] Run(double[] image)
        {
            _blobs["data"] = (image, 3, Side, Side);
            string last = "data";
            foreach (var layer in net.Layer.Where(l => l.Type != "Input"))
            {
                var bottom = _blobs[layer.Bottom[0]];
                _blobs[layer.Top[0]] = layer.Type switch
                {
                    "Convolution" => Convolve(layer, bottom),
                    "ReLU" => (bottom.Data.Select(v => Math.Max(v, 0)).ToArray(), bottom.C, bottom.H, bottom.W),
                    "Pooling" => Pool(layer.PoolingParam, bottom),
                    "Concat" => Concat(layer),
                    "Dropout" => bottom,
                    "Softmax" => (Softmax(bottom.Data), bottom.C, bottom.H, bottom.W),
                    _ => throw new InvalidOperationException($"the reference has no {layer.Type}"),
                };
                last = layer.Top[0];
            }

            return _blobs[last].Data;
        }

        private (double[], int, int, int) Convolve(LayerParameter layer, (double[] Data, int C, int H, int W) x)
        {
            var p = layer.ConvolutionParam;
            var k = (int)p.KernelSize[0];
            var stride = p.Stride.Count > 0 ? (int)p.Stride[0] : 1;
            var pad = p.Pad.Count > 0 ? (int)p.Pad[0] : 0;
            var outputs = (int)p.NumOutput;
            var h = ((x.H + (2 * pad) - k) / stride) + 1;
            var w = ((x.W + (2 * pad) - k) / stride) + 1;
            var saved = weights.Layer.Single(l => l.Name == layer.Name);
            var filter = saved.Blobs[0].Data;
            var bias = saved.Blobs[1].Data;
            var y = new double[outputs * h * w];
            for (var o = 0; o < outputs; o++)
            {
                for (var oy = 0; oy < h; oy++)
                {
                    for (var ox = 0; ox < w; ox++)
                    {
                        double sum = bias[o];
                        for (var c = 0; c < x.C; c++)
                        {
                            for (var ky = 0; ky < k; ky++)
                            {
                                var iy = (oy * stride) - pad + ky;
                                if (iy < 0 || iy >= x.H)
                                {
                                    continue;
                                }

                                for (var kx = 0; kx < k; kx++)
                                {
                                    var ix = (ox * stride) - pad + kx;
                                    if (ix >= 0 && ix < x.W)
                                    {
                                        sum += filter[(((((o * x.C) + c) * k) + ky) * k) + kx] * x.Data[(((c * x.H) + iy) * x.W) + ix];
                                    }
                                }
                            }
                        }

                        y[(((o * h) + oy) * w) + ox] = sum;
                    }
                }
            }

            return (y, outputs, h, w);
        }

        // Caffe's pooling: output size rounds up, a window is clipped to the input (MAX) and AVE divides by the
        // window clipped to the padded input; global pooling takes the whole map.
        private static (double[], int, int, int) Pool(PoolingParameter p, (double[] Data, int C, int H, int W) x)
        {
            var global = p.GlobalPooling;
            var k = global ? x.H : (int)p.KernelSize;
            var stride = global ? 1 : (int)p.Stride;
            var h = global ? 1 : (int)Math.Ceiling((x.H - k) / (double)stride) + 1;
            var w = global ? 1 : (int)Math.Ceiling((x.W - k) / (double)stride) + 1;
            var y = new double[x.C * h * w];
            for (var c = 0; c < x.C; c++)
            {
                for (var oy = 0; oy < h; oy++)
                {
                    for (var ox = 0; ox < w; ox++)
                    {
                        var y0 = oy * stride;
                        var x0 = ox * stride;
                        var y1 = Math.Min(y0 + k, x.H);
                        var x1 = Math.Min(x0 + k, x.W);
                        var max = double.NegativeInfinity;
                        var sum = 0.0;
                        for (var iy = y0; iy < y1; iy++)
                        {
                            for (var ix = x0; ix < x1; ix++)
                            {
                                var v = x.Data[(((c * x.H) + iy) * x.W) + ix];
                                max = Math.Max(max, v);
                                sum += v;
                            }
                        }

                        y[(((c * h) + oy) * w) + ox] = p.Pool == PoolingParameter.Types.PoolMethod.Max ? max : sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }

            return (y, x.C, h, w);
        }

        private (double[], int, int, int) Concat(LayerParameter layer)
        {
            var parts = layer.Bottom.Select(b => _blobs[b]).ToArray();
            return (parts.SelectMany(part => part.Data).ToArray(), parts.Sum(part => part.C), parts[0].H, parts[0].W);
        }

        private static double[] Softmax(double[] logits)
        {
            var max = logits.Max();
            var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
            var sum = exp.Sum();
            return [.. exp.Select(v => v / sum)];
        }
    }
}
