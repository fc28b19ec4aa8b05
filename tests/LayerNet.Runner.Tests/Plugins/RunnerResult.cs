using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerNet.Runner.Tests.Plugins;

/// <summary>One in-process run of the <c>layernet</c> command line: exit code, standard output and standard error.</summary>
internal sealed partial record RunnerResult(int ExitCode, string Output, string Error)
{
    /// <summary>Runs the command line in this process.</summary>
    public static RunnerResult Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = LayerNetCommandLine.Run(args, output, error);
        return new RunnerResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Standard error's lines, without empty ones.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The losses of Caffe's log lines "Iteration N (...), loss = X", in order.</summary>
    public IReadOnlyList<float> Losses =>
        [.. LossLine().Matches(Output + Error).Select(m => float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"\] Iteration \d+.*?, loss = ([-+0-9.eE]+)")]
    private static partial Regex LossLine();
}
