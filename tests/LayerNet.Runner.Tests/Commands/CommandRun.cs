using System.Globalization;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>One in-process run of the <c>layernet</c> command line: exit code, standard output and standard error.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs the command line in this process, as <c>layernet ARGS</c> would.</summary>
    public static CommandRun Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = LayerNetCommandLine.Run(args, output, error);
        return new CommandRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Standard output's lines, without line ends.</summary>
    public string[] OutputLines => Lines(Output);

    /// <summary>Standard error's non-empty lines.</summary>
    public string[] ErrorLines => Lines(Error);

    /// <summary>Asserts a user's mistake: exit code 1 and exactly one line on standard error, containing <paramref name="expected"/>.</summary>
    public void AssertOneLineError(string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(ExitCode, Is.EqualTo(1), $"stdout: {Output}\nstderr: {Error}");
            Assert.That(ErrorLines, Has.Length.EqualTo(1), Error);
            Assert.That(Error, Does.Contain(expected));
            Assert.That(Error, Does.Not.Contain("   at "));
        });
    }

    internal static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0).ToArray();
}
