using LayerNet.Runner.Tests.Commands;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// A command line the parser refuses is one line naming the command and what is wrong, exit 1, instead of the
/// parser's messages followed by the whole help text; asking for help still prints it.
/// </summary>
[TestFixture]
public sealed class CommandLineTests
{
    [TestCase(new[] { "train" }, "layernet train: Option '--solver' is required (layernet train --help lists the options)")]
    [TestCase(new[] { "test", "--model" }, "layernet test: Required argument missing for option: '--model' (layernet test --help lists the options)")]
    [TestCase(new[] { "forward", "--model", "x", "--plugn", "y" }, "layernet forward: unknown option '--plugn'; did you mean '--plugin'?")]
    [TestCase(new[] { "forward", "--model", "x", "--zzzzzz" }, "layernet forward: unknown option '--zzzzzz' (layernet forward --help lists the options)")]
    [TestCase(new[] { "forward", "--model", "x", "extra" }, "layernet forward: unexpected argument 'extra' (layernet forward --help lists the options)")]
    [TestCase(new[] { "time", "--model", "x", "--iterations", "abc" }, "layernet time: Cannot parse argument 'abc' for option '--iterations'")]
    [TestCase(new string[0], "layernet: give a command: convert, upgrade, forward, train, test, time, device-query, layers, gradcheck, draw, plot, convert-imageset, compute-image-mean, idx-to-images, classify, detect, export, import, serve (layernet --help describes them)")]
    public void A_command_line_the_parser_refuses_is_one_line(string[] args, string expected)
    {
        CommandRun.Run(args).AssertOneLineError(expected);
    }

    [Test]
    public void Help_is_still_help_when_a_required_option_is_missing()
    {
        var run = CommandRun.Run("train", "--help");

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.Output, Does.Contain("--solver <solver> (REQUIRED)"));
            Assert.That(run.Error, Is.Empty);
        });
    }

    [Test]
    public void The_executable_refuses_a_missing_option_in_one_line()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-cli-").FullName;
        try
        {
            HostileRun.Run(folder, ["classify", "--model", "deploy.prototxt"])
                .AssertRefused("layernet classify: Required argument missing for command: 'classify' (layernet classify --help lists the options)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
