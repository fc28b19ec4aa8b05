using System.Globalization;

namespace LayerNet.Solvers;

/// <summary>
/// Writes the solver's log lines in Caffe's format, glog prefix included
/// (<c>I20261129 12:58:10.551982 16483 solver] Iteration 1997 (...), loss = 5.82258</c>), so the scripts
/// that read Caffe's logs (parse_log, plot_training_log) read ours unchanged.
/// </summary>
public sealed class TrainingLog
{
    private readonly TextWriter? _writer;
    private readonly int _processId = Environment.ProcessId;

    /// <summary>Creates a log writing to <paramref name="writer"/>; null discards every line.</summary>
    public TrainingLog(TextWriter? writer)
    {
        _writer = writer;
    }

    /// <summary>A log that discards everything.</summary>
    public static TrainingLog None { get; } = new(null);

    /// <summary>Raised with each message (without the prefix) after it is written; used by progress displays and plots.</summary>
    public event Action<string>? LineWritten;

    /// <summary>Writes one line from <paramref name="source"/> (e.g. "solver", "sgd_solver").</summary>
    public void Info(string source, string message) => Write('I', source, message);

    /// <summary>Writes one warning line from <paramref name="source"/>, with glog's <c>W</c> prefix.</summary>
    public void Warning(string source, string message) => Write('W', source, message);

    private void Write(char severity, string source, string message)
    {
        if (_writer is not null)
        {
            var now = DateTime.Now;
            _writer.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{severity}{now:yyyyMMdd} {now:HH:mm:ss.ffffff} {_processId} {source}] {message}"));
        }

        LineWritten?.Invoke(message);
    }

    /// <summary>
    /// One net output as Caffe prints it: <c>NAME = V</c>, followed for a loss by its weighted value,
    /// <c>NAME = V (* W = W*V loss)</c>.
    /// </summary>
    public static string Output(string name, double value, float lossWeight) =>
        lossWeight != 0f
            ? $"{name} = {Number(value)} (* {Number(lossWeight)} = {Number(lossWeight * value)} loss)"
            : $"{name} = {Number(value)}";

    /// <summary>Formats a number as Caffe's log does (C++ stream default: 6 significant digits).</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // C++ ostream's default is %g with precision 6: no trailing zeros, exponent with at least two digits.
        var text = value.ToString("G6", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        var mantissa = text[..e];
        var exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}");
    }
}
