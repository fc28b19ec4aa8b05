using System.Diagnostics;
using LayerNet.Errors;
using LayerNet.Solvers;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// <c>layernet train --plot OUT</c>: reads the solver's own log lines as they are written and redraws the training
/// curves at display and test lines (at most every <see cref="Interval"/>), and once more at the end.
/// </summary>
internal sealed class LiveTrainingPlot : IDisposable
{
    /// <summary>The shortest time between two redraws while training.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly TrainingLog _log;
    private readonly string _path;
    private readonly TextWriter _error;
    private readonly TrainingLogParser _parser;
    private readonly Stopwatch _sinceDraw = new();
    private bool _warned;

    private LiveTrainingPlot(TrainingLog log, string path, TextWriter error)
    {
        _log = log;
        _path = path;
        _error = error;
        _parser = new TrainingLogParser(Path.GetFileName(path));
        _log.LineWritten += OnLine;
    }

    /// <summary>Starts following <paramref name="log"/> when <paramref name="path"/> is given; null otherwise.</summary>
    /// <exception cref="LayerNetException">The path is not a .png or .svg file in an existing folder.</exception>
    public static LiveTrainingPlot? Start(TrainingLog log, string? path, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (PlotFormat.Of(path) is null)
        {
            throw new LayerNetException($"--plot '{path}': expected a .png or .svg file");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new LayerNetException($"--plot '{path}': the folder '{folder}' does not exist");
        }

        return new LiveTrainingPlot(log, path, error);
    }

    /// <summary>Draws the final picture.</summary>
    /// <exception cref="LayerNetException">The picture cannot be written.</exception>
    public void Finish()
    {
        var curves = _parser.Complete();
        if (curves.HasIterations)
        {
            TrainingPlot.Save([curves], _path, Commands.PlotCommand.DefaultWidth, Commands.PlotCommand.DefaultHeight);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _log.LineWritten -= OnLine;

    private void OnLine(string line)
    {
        var kind = _parser.Read(line);
        if (kind is TrainingLogLine.Other)
        {
            return;
        }

        if (kind is TrainingLogLine.LearningRate || (_sinceDraw.IsRunning && _sinceDraw.Elapsed < Interval))
        {
            return;
        }

        try
        {
            TrainingPlot.Save([_parser.Curves], _path, Commands.PlotCommand.DefaultWidth, Commands.PlotCommand.DefaultHeight);
        }
        catch (LayerNetException exception) when (!_warned)
        {
            // A picture that cannot be written must not stop a training; say it once, and try again later.
            _warned = true;
            _error.WriteLine($"warning: {exception.Message}");
        }
        catch (LayerNetException)
        {
        }

        _sinceDraw.Restart();
    }
}
