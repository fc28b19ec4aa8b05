using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// Issue 20's "same numbers" on Caffe's trained LeNet (Fashion-MNIST, the fixture whose accuracy Caffe printed as
/// 0.8763): <c>layernet test --gpu 0</c> on ILGPU's CPU accelerator scores every batch as the CPU does, with the
/// convolutions, pooling, inner products, ReLU and softmax loss on the device and Accuracy on the host. The net is the
/// fixture's, its TEST batch cut from 100 to 10 images so that five batches take half a minute on the CPU accelerator; the
/// whole 10,000 images (the README's figure) are run by hand.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class GpuLenetFixtureTests
{
    private const int Batches = 5;
    private CpuAcceleratorScope _backend = null!;
    private string _folder = null!;

    [SetUp]
    public void UseTheCpuAccelerator()
    {
        _backend = new CpuAcceleratorScope();
        _folder = Directory.CreateTempSubdirectory("layernet-lenet-gpu-").FullName;
    }

    [TearDown]
    public void Restore()
    {
        _backend.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public void The_trained_lenet_scores_every_batch_on_the_device_as_on_the_cpu()
    {
        var fixture = Path.GetDirectoryName(Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt"))!;
        var text = File.ReadAllText(Path.Combine(fixture, "lenet_train_test.prototxt"));
        var testData = text.IndexOf("fashion_mnist_test_lmdb", StringComparison.Ordinal);
        Assert.That(testData, Is.GreaterThan(0), "the fixture's TEST data layer");
        text = text.Replace("\"fashion_mnist_test_lmdb\"", $"\"{Path.Combine(fixture, "fashion_mnist_test_lmdb")}\"", StringComparison.Ordinal)
            .Replace("batch_size: 100", "batch_size: 10", StringComparison.Ordinal);
        var model = Path.Combine(_folder, "lenet.prototxt");
        File.WriteAllText(model, text);
        var weights = Path.Combine(fixture, "lenet_fashion_iter_2000.caffemodel");
        string[] arguments = ["test", "--model", model, "--weights", weights, "--iterations", Batches.ToString(CultureInfo.InvariantCulture)];

        var cpu = CommandRun.Run(arguments);
        var device = CommandRun.Run([.. arguments, "--gpu", "0"]);

        Assert.That(cpu.ExitCode, Is.Zero, cpu.Error);
        Assert.That(device.ExitCode, Is.Zero, device.Error);
        Assert.That(device.Output, Does.Contain("Using GPU 0: CPUAccelerator (CPU)"));
        var onCpu = Scores(cpu.OutputLines);
        var onDevice = Scores(device.OutputLines);
        Assert.That(onCpu, Has.Count.EqualTo(2 * Batches), "accuracy and loss for each batch");
        Assert.That(onDevice.Keys, Is.EquivalentTo(onCpu.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (key, value) in onCpu)
            {
                // Accuracy counts images: one image classified otherwise moves it by 0.1. The loss is a mean of ten
                // logs of float32 softmax outputs summed in another order: 1e-5 relative (printed to 6 digits).
                var tolerance = key.Output == "accuracy" ? 0 : 1e-5 * Math.Max(1, Math.Abs(value));
                Assert.That(onDevice[key], Is.EqualTo(value).Within(tolerance), $"batch {key.Batch}, {key.Output}");
            }
        });
        Assert.That(onCpu.Where(pair => pair.Key.Output == "accuracy").Average(pair => pair.Value), Is.GreaterThan(0.7), "the trained net classifies");
    }

    private static Dictionary<(int Batch, string Output), double> Scores(IEnumerable<string> lines) =>
        lines.Select(line => BatchLine().Match(line)).Where(match => match.Success)
            .ToDictionary(
                match => (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value),
                match => double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"Batch (\d+), (\w+) = ([-+0-9.eE]+)$")]
    private static partial Regex BatchLine();
}
