using Caffe;
using LayerNet.Fillers;
using LayerNet.Files;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Samples.Ssd.Tests;
using LayerNet.Testing;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Tests.Plugins;

/// <summary>
/// The published MobileNet-SSD deploy file (chuanqi305/MobileNet-SSD) with the SSD sample plugin loaded as the runner
/// loads it: built with its fillers from a fixed seed, run forward on a seeded input, its detection_out in the fork's
/// layout and equal to the float64 reference applied to the net's own mbox_loc, mbox_conf_flatten and mbox_priorbox.
/// </summary>
public sealed class MobileNetSsdTests
{
    // At the file's threshold, drawn weights leave few boxes; at 0.01 NMS and keep_top_k cut hundreds.
    [TestCase(0.25)]
    [TestCase(0.01)]
    public void The_deploy_file_runs_and_its_detections_are_the_references(double threshold)
    {
        var services = new ServiceCollection();
        var builder = services.AddLayerNet().AddStandardLayers();
        PluginLoader.Load(PluginFiles.Ssd, builder);
        using var provider = services.BuildServiceProvider();
        var path = Fixtures.File("zoo", "ssd_mobilenet_deploy.prototxt");
        var text = File.ReadAllText(path).Replace("confidence_threshold: 0.25", FormattableString.Invariant($"confidence_threshold: {threshold}"), StringComparison.Ordinal);
        var document = NetUpgrade.Upgrade(provider.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(text, path));
        var net = new Net(
            document.Message,
            provider.GetRequiredService<LayerFactory>(),
            new NetOptions { Source = document.Source, File = path, State = new NetState { Phase = Phase.Test }, Random = new RandomSource(1701) });
        var random = new RandomSource(2024);
        var data = net.Blob("data").Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.NextUniform(-1f, 1f);
        }

        net.Forward();

        var output = net.Blob("detection_out");
        var priors = net.Blob("mbox_priorbox");
        var expected = SsdReference.Detect(
            net.Blob("mbox_loc").Data.ToArray(), net.Blob("mbox_conf_flatten").Data.ToArray(), priors.Data.ToArray(),
            1, 21, 0, 2, false, threshold, 0.45, 1, 100, 100);
        Assert.Multiple(() =>
        {
            Assert.That(expected, Has.Count.GreaterThanOrEqualTo(threshold < 0.1 ? 100 : 1), "rows the check covers");
            Assert.That(priors.Shape.ToArray(), Is.EqualTo(new[] { 1, 2, 1917 * 4 }));
            Assert.That(net.Blob("mbox_loc").Shape.ToArray(), Is.EqualTo(new[] { 1, 1917 * 4 }));
            Assert.That(net.Blob("mbox_conf_flatten").Shape.ToArray(), Is.EqualTo(new[] { 1, 1917 * 21 }));
            Assert.That(output.Shape.ToArray(), Is.EqualTo(new[] { 1, 1, expected.Count, 7 }));
            Assert.That(output.Data.ToArray().Select(v => (double)v), Is.EqualTo(expected.SelectMany(r => r)).Within(1e-5));
        });
    }

    [Test]
    public void Detect_prints_in_pixels_the_boxes_of_the_forward_pass_and_draws_them()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-ssd-").FullName;
        try
        {
            // A 300 x 300 image (the net's input size, so boxes are 300 times the normalised ones) of seeded noise.
            var image = Path.Combine(folder, "noise.png");
            var random = new RandomSource(31);
            using (var bitmap = new SkiaSharp.SKBitmap(300, 300, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque))
            {
                for (var y = 0; y < 300; y++)
                {
                    for (var x = 0; x < 300; x++)
                    {
                        bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.NextUInt32(), (byte)random.NextUInt32(), (byte)random.NextUInt32()));
                    }
                }

                using var encoded = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(image, encoded.ToArray());
            }

            var model = Path.Combine(folder, "deploy.prototxt");
            File.WriteAllText(model, File.ReadAllText(Fixtures.File("zoo", "ssd_mobilenet_deploy.prototxt"))
                .Replace("confidence_threshold: 0.25", "confidence_threshold: 0.02", StringComparison.Ordinal));
            string[] common = ["--plugin", PluginFiles.Ssd, "--model", model, "--mean-values", "127.5,127.5,127.5", "--scale", "0.007843"];
            var annotated = Path.Combine(folder, "annotated");

            var detect = RunnerResult.Run(["detect", .. common, "--threshold", "0", "--json", "-o", annotated, image]);
            var forward = RunnerResult.Run(["forward", .. common, "--input", $"data={image}", "--blobs", "detection_out", "--json"]);

            Assert.That(detect.ExitCode, Is.Zero, detect.Error);
            Assert.That(forward.ExitCode, Is.Zero, forward.Error);
            using var rows = System.Text.Json.JsonDocument.Parse(forward.Output);
            var values = rows.RootElement.GetProperty("blobs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var expected = values.Chunk(7).Where(r => r[0] >= 0)
                .Select(r => (Label: (int)r[1], Confidence: r[2], Box: new[] { r[3], r[4], r[5], r[6] }.Select(v => Math.Clamp(v, 0, 1) * 300).ToArray()))
                .OrderByDescending(r => r.Confidence)
                .ToList();
            using var printed = System.Text.Json.JsonDocument.Parse(detect.Output);
            var detections = printed.RootElement.GetProperty("detections").EnumerateArray().ToList();

            Assert.That(expected, Has.Count.GreaterThan(10), "rows the check covers");
            Assert.That(detections, Has.Count.EqualTo(expected.Count));
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.That(detections[i].GetProperty("label").GetInt32(), Is.EqualTo(expected[i].Label), $"row {i}");
                Assert.That(detections[i].GetProperty("confidence").GetDouble(), Is.EqualTo(expected[i].Confidence).Within(1e-6), $"row {i}");
                Assert.That(detections[i].GetProperty("box").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(expected[i].Box).Within(1e-3), $"row {i}");
            }

            using var drawn = SkiaSharp.SKBitmap.Decode(Path.Combine(annotated, "noise.png"));
            Assert.That((drawn.Width, drawn.Height), Is.EqualTo((300, 300)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
