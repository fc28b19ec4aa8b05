using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// The acceptance test of Caffe's data path: the LeNet Caffe trained on Fashion-MNIST (2000 iterations), run by
/// <c>layernet test</c> in the fixture's own folder over Caffe's LMDB of the 10,000 test images, read in place,
/// scores exactly what Caffe logged at its last test: accuracy 0.8763, loss 0.335212.
/// </summary>
// The run changes the working directory (as `cd fixture && layernet test ...`), so nothing may run beside it.
[TestFixture]
[NonParallelizable]
public sealed partial class LenetFashionFixtureTests
{
    [Test]
    public void Caffes_lenet_scores_caffes_accuracy_and_loss_on_caffes_lmdb()
    {
        var folder = Fixtures.File("caffe", "lenet_fashion");
        Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb", "data.mdb");
        var saved = Environment.CurrentDirectory;
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code;
        try
        {
            Environment.CurrentDirectory = folder;
            code = LayerNetCommandLine.Run(
                ["test", "--model", "lenet_train_test.prototxt", "--weights", "lenet_fashion_iter_2000.caffemodel", "--iterations", "100"],
                output,
                error);
        }
        finally
        {
            Environment.CurrentDirectory = saved;
        }

        var text = output.ToString();
        Assert.That(code, Is.EqualTo(0), $"stdout: {text}\nstderr: {error}");
        // The glog prefix (issue 13: `layernet test` prints Caffe's lines) is set aside to compare the messages.
        var lines = text.Split('\n').Select(line => line.Trim()).Select(line => Message(line)).ToArray();
        var loss = lines.Select(line => LossLine().Match(line)).Single(m => m.Success);
        Assert.Multiple(() =>
        {
            // caffe_train_summary.log's last test: "accuracy = 0.8763", "loss = 0.335212 (* 1 = 0.335212 loss)".
            Assert.That(lines, Does.Contain("accuracy = 0.8763"), text);
            Assert.That(double.Parse(loss.Groups[1].Value, CultureInfo.InvariantCulture), Is.EqualTo(0.335212).Within(0.335212e-4), text);
            Assert.That(double.Parse(loss.Groups[2].Value, CultureInfo.InvariantCulture), Is.EqualTo(0.335212).Within(0.335212e-4), text);
            Assert.That(Directory.GetFiles(Path.Combine(folder, "fashion_mnist_test_lmdb")).Select(Path.GetFileName), Is.EqualTo(new[] { "data.mdb" }), "no lock file is made");
        });
    }

    [GeneratedRegex(@"^loss = (\S+) \(\* 1 = (\S+) loss\)$")]
    private static partial Regex LossLine();

    /// <summary>A log line without its glog prefix (a line without one is kept whole).</summary>
    private static string Message(string line)
    {
        var at = line.IndexOf("] ", StringComparison.Ordinal);
        return at < 0 ? line : line[(at + 2)..];
    }
}
