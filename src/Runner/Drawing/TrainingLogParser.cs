using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Errors;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// Reads Caffe's training log lines (<c>caffe train</c>'s or <c>layernet train</c>'s, with or without glog's
/// <c>I20261129 12:58:09.472326 16483 solver.cpp:239]</c> prefix) into <see cref="TrainingCurves"/>, one line at a
/// time, so a running training can feed it as it logs.
/// </summary>
/// <remarks>
/// Test outputs belong to the iteration of the <c>Iteration N, Testing net (#k)</c> line before them. A log cut
/// down to its outputs (no such line) tests at the start of an iteration, before that iteration's display line,
/// so such outputs belong to the next iteration line, or to the last one at the end of the log.
/// </remarks>
internal sealed partial class TrainingLogParser(string source)
{
    private readonly List<(string Name, double Value)> _pending = [];
    private int? _testIteration;
    private int _testNet;
    private int? _lastIteration;

    /// <summary>The curves read so far.</summary>
    public TrainingCurves Curves { get; } = new(source);

    /// <summary>Reads every line of <paramref name="path"/>.</summary>
    /// <exception cref="LayerNetException">The file is missing or unreadable, or has no iteration line.</exception>
    public static TrainingCurves ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new LayerNetException($"{path}: is a folder, not a training log");
        }

        if (!File.Exists(path))
        {
            throw new LayerNetException($"{path}: no such file");
        }

        var parser = new TrainingLogParser(Path.GetFileName(path));
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                parser.Read(line);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"{path}: cannot read: {exception.Message}", exception);
        }

        var curves = parser.Complete();
        if (!curves.HasIterations)
        {
            throw new LayerNetException($"{path}: no training iterations found (expected log lines such as 'Iteration 100 (...), loss = 0.5' from layernet train or caffe train)");
        }

        return curves;
    }

    /// <summary>Reads one line; returns what it was.</summary>
    public TrainingLogLine Read(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var message = GlogPrefix().Replace(line, string.Empty, 1).Trim();
        if (TestOutputLine().Match(message) is { Success: true } output)
        {
            var name = (_testNet > 0 ? $"#{_testNet} " : string.Empty) + output.Groups["name"].Value;
            var value = Number(output.Groups["value"].Value);
            if (_testIteration is { } iteration)
            {
                Curves.TestOutput(name)[iteration] = value;
            }
            else
            {
                _pending.Add((name, value));
            }

            return TrainingLogLine.TestOutput;
        }

        if (TestingLine().Match(message) is { Success: true } testing)
        {
            _testIteration = Iteration(testing);
            _testNet = int.Parse(testing.Groups["net"].Value, CultureInfo.InvariantCulture);
            return TrainingLogLine.Other;
        }

        if (LossLine().Match(message) is { Success: true } loss)
        {
            var iteration = Iteration(loss);
            Curves.TrainLoss[iteration] = Number(loss.Groups["value"].Value);
            return TrainingLogLine.TrainLoss;
        }

        if (RateLine().Match(message) is { Success: true } rate)
        {
            var iteration = Iteration(rate);
            Curves.LearningRate[iteration] = Number(rate.Groups["value"].Value);
            return TrainingLogLine.LearningRate;
        }

        return TrainingLogLine.Other;
    }

    /// <summary>Places test outputs still waiting for their iteration; returns the curves.</summary>
    public TrainingCurves Complete()
    {
        if (_lastIteration is { } last)
        {
            FlushPending(last);
        }

        return Curves;
    }

    private int Iteration(Match match)
    {
        var iteration = int.Parse(match.Groups["iteration"].Value, CultureInfo.InvariantCulture);
        if (match.Groups["net"].Success)
        {
            return iteration;
        }

        // A train line: the test block before it, if any, is over.
        FlushPending(iteration);
        _testIteration = null;
        _testNet = 0;
        _lastIteration = iteration;
        return iteration;
    }

    private void FlushPending(int iteration)
    {
        foreach (var (name, value) in _pending)
        {
            Curves.TestOutput(name)[iteration] = value;
        }

        _pending.Clear();
    }

    private static double Number(string text) => text.ToLowerInvariant().TrimStart('-', '+') switch
    {
        "nan" => double.NaN,
        "inf" or "infinity" => text.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN,
    };

    [GeneratedRegex(@"^[IWEF]\d{4,8}\s+\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[^\]]*\]\s?")]
    private static partial Regex GlogPrefix();

    [GeneratedRegex(@"^Test net output #\d+: (?<name>\S+) = (?<value>\S+)")]
    private static partial Regex TestOutputLine();

    [GeneratedRegex(@"^Iteration (?<iteration>\d+), Testing net \(#(?<net>\d+)\)")]
    private static partial Regex TestingLine();

    [GeneratedRegex(@"^Iteration (?<iteration>\d+)(?: \([^)]*\))?, loss = (?<value>\S+)")]
    private static partial Regex LossLine();

    [GeneratedRegex(@"^Iteration (?<iteration>\d+), lr = (?<value>\S+)")]
    private static partial Regex RateLine();
}
