using System.Diagnostics;
using System.Globalization;
using LayerNet.Solvers;

namespace LayerNet.Runner;

/// <summary>
/// A live progress line for training in a terminal: a bar, the iteration, the rate and the smoothed loss,
/// redrawn at most ten times a second below the log lines. Log lines written through this writer first clear
/// the progress line, so the two never mix. When output is redirected it is not used and the log is plain.
/// </summary>
internal sealed class ProgressDisplay(TextWriter terminal) : TextWriter
{
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();
    private string _line = string.Empty;
    private int _startIteration = -1;

    /// <inheritdoc/>
    public override System.Text.Encoding Encoding => terminal.Encoding;

    /// <summary>True when standard output is an interactive terminal.</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && Supervisor.ErrorIsTerminal;

    /// <summary>Updates the line after an iteration (throttled).</summary>
    public void Update(Solver solver)
    {
        if (_startIteration < 0)
        {
            _startIteration = solver.Iteration - 1;
        }

        if (_sinceDraw.ElapsedMilliseconds < 100 && solver.Iteration < solver.Parameter.MaxIter)
        {
            return;
        }

        _sinceDraw.Restart();
        var max = Math.Max(1, solver.Parameter.MaxIter);
        var fraction = Math.Clamp((double)solver.Iteration / max, 0, 1);
        const int width = 30;
        var filled = (int)(fraction * width);
        var rate = (solver.Iteration - _startIteration) / Math.Max(_sinceStart.Elapsed.TotalSeconds, 1e-9);
        _line = string.Create(
            CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {solver.Iteration}/{max} {rate:F0} iter/s loss {TrainingLog.Number(solver.SmoothedLoss)}");
        terminal.Write($"\r\u001b[K{_line}");
        terminal.Flush();
    }

    /// <summary>Removes the progress line (at the end of training).</summary>
    public void Clear()
    {
        if (_line.Length > 0)
        {
            terminal.Write("\r\u001b[K");
            terminal.Flush();
            _line = string.Empty;
        }
    }

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        terminal.Write("\r\u001b[K");
        terminal.WriteLine(value);
        if (_line.Length > 0)
        {
            terminal.Write(_line);
        }

        terminal.Flush();
    }

    /// <inheritdoc/>
    public override void Write(char value) => terminal.Write(value);
}
