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
        var match = run.OutputLines.Select(line => LossLine().Match(line)).Single(m => m.Success);
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

    [GeneratedRegex(@"^loss = ([\d.e+-]+) \(\* 128 = ([\d.e+-]+) loss\)$")]
    private static partial Regex LossLine();
}
