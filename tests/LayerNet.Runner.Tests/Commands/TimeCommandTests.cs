namespace LayerNet.Runner.Tests.Commands;

/// <summary><c>layernet time</c> on the two-layer fixture: Caffe's benchmark report, one line per layer and pass.</summary>
[TestFixture]
public sealed class TimeCommandTests
{
    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TwoLayerFolder.Create();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void Reports_every_layers_forward_and_backward_time()
    {
        var run = CommandRun.Run("time", "--model", _folder.Net, "--iterations", "3");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.Multiple(() =>
        {
            foreach (var layer in new[] { "data", "fc1", "sig", "fc2", "loss" })
            {
                Assert.That(run.OutputLines, Has.One.Match($@"^\s*{layer}\tforward: \d+\.\d+ ms\.$"), layer);
                Assert.That(run.OutputLines, Has.One.Match($@"^\s*{layer}\tbackward: \d+\.\d+ ms\.$"), layer);
            }

            Assert.That(run.OutputLines, Has.One.Match(@"^Average Forward pass: \d+\.\d+ ms\.$"));
            Assert.That(run.OutputLines, Has.One.Match(@"^Average Backward pass: \d+\.\d+ ms\.$"));
            Assert.That(run.OutputLines, Has.One.Match(@"^Average Forward-Backward: \d+\.\d+ ms\.$"));
            Assert.That(run.OutputLines, Has.Exactly(3).Match(@"^Iteration: \d forward-backward time: \d+\.\d+ ms\.$"));
        });
    }

    [Test]
    public void Zero_iterations_are_refused()
    {
        var run = CommandRun.Run("time", "--model", _folder.Net, "--iterations", "0");

        run.AssertOneLineError("--iterations must be at least 1, got 0");
    }

    [Test]
    public void Warmup_sets_the_untimed_passes()
    {
        var run = CommandRun.Run("time", "--model", _folder.Net, "--iterations", "2", "--warmup", "0");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Has.One.EqualTo("Warming up for 0 iterations."));
    }

    [Test]
    public void A_negative_warmup_is_refused()
    {
        CommandRun.Run("time", "--model", _folder.Net, "--warmup", "-1").AssertOneLineError("--warmup must be 0 or more, got -1");
    }
}
