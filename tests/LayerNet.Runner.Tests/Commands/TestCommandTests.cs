using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary><c>layernet test</c> with Caffe's final weights of the two-layer fixture scores what Caffe logged.</summary>
[TestFixture]
public sealed partial class TestCommandTests
{
    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TwoLayerFolder.Create();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void Caffes_final_weights_give_Caffes_final_loss()
    {
        var weights = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.caffemodel");

        var run = CommandRun.Run("test", "--model", _folder.Net, "--weights", weights, "--iterations", "2");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var match = run.OutputLines.Select(line => LossLine().Match(Message(line))).Single(m => m.Success);
        var loss = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var weighted = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.That(weighted, Is.EqualTo(5.79263).Within(5.79263e-4), run.Output);
        Assert.That(loss, Is.EqualTo(0.0452549).Within(0.0452549e-4), run.Output);
    }

    [Test]
    public void Weights_that_do_not_fit_the_net_are_one_line()
    {
        var run = CommandRun.Run("test", "--model", _folder.Net, "--weights", _folder.File("data.h5"), "--iterations", "1");

        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
        Assert.That(run.Error, Does.Contain("data.h5"));
    }

    [Test]
    public void Prints_caffes_lines_with_the_glog_prefix_batch_by_batch_then_the_means()
    {
        var weights = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.caffemodel");

        var run = CommandRun.Run("test", "--model", _folder.Net, "--weights", weights, "--iterations", "3");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Has.All.Match(@"^I\d{8} \d\d:\d\d:\d\d\.\d{6} \d+ caffe\] "), run.Output);
        var messages = run.OutputLines.Select(line => Message(line)).ToArray();
        Assert.That(messages, Has.Length.EqualTo(6), run.Output);
        Assert.That(messages[0], Is.EqualTo("Running for 3 iterations."));
        var batches = messages[1..4].Select(m => BatchLine().Match(m)).ToArray();
        Assert.That(batches.Select(m => m.Success ? m.Groups[1].Value : "?"), Is.EqualTo(new[] { "0", "1", "2" }), run.Output);
        Assert.That(messages[4], Does.Match(@"^Loss: [\d.e+-]+$"));
        var mean = LossLine().Match(messages[5]);
        Assert.That(mean.Success, run.Output);

        // The mean is the float mean of the printed batch values, as Caffe's (to their six printed digits).
        var values = batches.Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(double.Parse(mean.Groups[1].Value, CultureInfo.InvariantCulture), Is.EqualTo(values.Average()).Within(1e-5 * values.Average()));
        var loss = double.Parse(messages[4]["Loss: ".Length..], CultureInfo.InvariantCulture);
        Assert.That(loss, Is.EqualTo(double.Parse(mean.Groups[2].Value, CultureInfo.InvariantCulture)).Within(1e-5 * loss), "the loss is the weighted mean");
    }

    [GeneratedRegex(@"^Batch (\d+), loss = ([\d.e+-]+)$")]
    private static partial Regex BatchLine();

    [GeneratedRegex(@"^loss = ([\d.e+-]+) \(\* 128 = ([\d.e+-]+) loss\)$")]
    private static partial Regex LossLine();

    /// <summary>A log line without its glog prefix (a line without one is kept whole).</summary>
    private static string Message(string line)
    {
        var at = line.IndexOf("] ", StringComparison.Ordinal);
        return at < 0 ? line : line[(at + 2)..];
    }
}
