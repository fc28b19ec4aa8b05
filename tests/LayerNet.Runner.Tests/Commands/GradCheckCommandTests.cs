namespace LayerNet.Runner.Tests.Commands;

/// <summary><c>layernet gradcheck</c>'s own options: a bad value is one line naming the option, before any net is built.</summary>
[TestFixture]
public sealed class GradCheckCommandTests
{
    private static readonly string Model = Path.Combine(LayerNet.Testing.Fixtures.RepositoryRoot, "models", "lecture", "sigmoid_neuron.prototxt");

    [TestCase("0")]
    [TestCase("-0.01")]
    [TestCase("NaN")]
    public void A_step_that_is_not_positive_is_refused(string step) =>
        CommandRun.Run("gradcheck", "--model", Model, "--step", step).AssertOneLineError("--step must be a positive number, got ");

    [Test]
    public void A_negative_threshold_is_refused() =>
        CommandRun.Run("gradcheck", "--model", Model, "--threshold", "-1").AssertOneLineError("--threshold must be a number at least 0, got -1");

    [Test]
    public void A_negative_sample_count_is_refused() =>
        CommandRun.Run("gradcheck", "--model", Model, "--samples", "-3").AssertOneLineError("--samples must be at least 0 (0 checks every element), got -3");

    [Test]
    public void The_lecture_neuron_passes_on_every_element()
    {
        var run = CommandRun.Run("gradcheck", "--model", Model, "--samples", "0");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Has.Some.StartsWith("ok   layer "));
        Assert.That(run.OutputLines[^1], Does.StartWith("all gradients within 0.01"));
    }
}
