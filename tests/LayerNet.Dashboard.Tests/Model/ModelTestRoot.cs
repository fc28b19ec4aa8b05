using System.Globalization;
using LayerNet.Testing;
using SkiaSharp;

namespace LayerNet.Dashboard.Tests.Model;

/// <summary>
/// A root for the Model, Inference and Datasets tests: the trained LeNet of ../shared/fixtures/caffe/lenet_fashion
/// (its snapshot copied, its train/test net beside it without the LMDB), a deploy net for it, the Fashion-MNIST class
/// names, a net file with a mistake, and a few small images with a list file.
/// </summary>
internal static class ModelTestRoot
{
    /// <summary>Fashion-MNIST's classes, in label order.</summary>
    public static readonly string[] FashionLabels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The colours of the dataset images (R, G, B), one uniform 4 x 4 image each.</summary>
    public static readonly (byte R, byte G, byte B)[] Colours = [(10, 20, 30), (40, 50, 60), (70, 80, 90)];

    /// <summary>The deploy net: LeNet's layers after an Input of 1 x 1 x 28 x 28, ending in a Softmax.</summary>
    public const string Deploy = """
        name: "LeNet"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 20 kernel_size: 5 stride: 1 } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 50 kernel_size: 5 stride: 1 } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 500 } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 } }
        layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" }
        """;

    /// <summary>Fills <paramref name="root"/>.</summary>
    public static void Fill(string root)
    {
        var lenet = Directory.CreateDirectory(Path.Combine(root, "lenet")).FullName;
        File.WriteAllText(Path.Combine(lenet, "deploy.prototxt"), Deploy);
        File.Copy(Fixtures.File("caffe", "lenet_fashion", "lenet_fashion_iter_2000.caffemodel"), Path.Combine(lenet, "lenet.caffemodel"));
        File.Copy(Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt"), Path.Combine(lenet, "lenet_train_test.prototxt"));
        File.WriteAllLines(Path.Combine(lenet, "labels.txt"), FashionLabels);
        File.WriteAllText(Path.Combine(lenet, "bad.prototxt"), "name: \"bad\"\nlayer {\n  name: \"x\" type: \"Input\" top: \"data\" input_param { shape { dim: 1 }\n  nonsense: 3\n}\n");
        var images = Directory.CreateDirectory(Path.Combine(root, "images")).FullName;
        var list = new List<string>();
        for (var i = 0; i < Colours.Length; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"colour{i}.png");
            File.WriteAllBytes(Path.Combine(images, name), Png(4, 4, Colours[i]));
            list.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {i}"));
        }

        File.WriteAllLines(Path.Combine(root, "images.txt"), list);
        File.WriteAllBytes(Path.Combine(images, "shirt.png"), Stripes());
        var shapes = Directory.CreateDirectory(Path.Combine(root, "shapes")).FullName;
        var shapeList = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"disc{i}.png");
            File.WriteAllBytes(Path.Combine(shapes, name), Disc(i));
            shapeList.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {i % 2}"));
        }

        File.WriteAllLines(Path.Combine(root, "shapes.txt"), shapeList);
    }

    /// <summary>A 48 x 48 PNG: a coloured disc on a dark gradient, placed and coloured by <paramref name="index"/>.</summary>
    public static byte[] Disc(int index)
    {
        using var bitmap = new SKBitmap(48, 48, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var background = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(48, 48), [new SKColor(20, 24, 40), new SKColor(60, 70, 90)], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, 48, 48, background);
            SKColor[] colours = [new(230, 80, 60), new(60, 180, 90), new(70, 110, 230)];
            using var disc = new SKPaint { Color = colours[index % 3], IsAntialias = true };
            canvas.DrawCircle(12 + (12 * (index % 3)), 16 + (16 * (index / 3)), 11, disc);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A uniform PNG.</summary>
    public static byte[] Png(int width, int height, (byte R, byte G, byte B) colour)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(colour.R, colour.G, colour.B));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A 40 x 40 PNG of stripes: something for LeNet to classify that is not uniform.</summary>
    public static byte[] Stripes()
    {
        using var bitmap = new SKBitmap(40, 40, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < 40; y++)
        {
            for (var x = 0; x < 40; x++)
            {
                var on = x is > 8 and < 32 && (y / 4) % 2 == 0;
                bitmap.SetPixel(x, y, on ? new SKColor(230, 230, 230) : new SKColor(12, 12, 12));
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>What <c>layernet classify</c> prints for one image, as "probability label" entries, most probable first.</summary>
    public static string[] ClassifyCommandTop(string root, string image, params string[] options)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        string[] arguments =
        [
            "classify", "--model", Path.Combine(root, "lenet", "deploy.prototxt"), "--weights", Path.Combine(root, "lenet", "lenet.caffemodel"),
            "--labels", Path.Combine(root, "lenet", "labels.txt"), .. options, image,
        ];
        var code = LayerNet.Runner.LayerNetCommandLine.Run(arguments, output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString());
        var line = output.ToString().Trim();
        return line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split("; ");
    }
}
