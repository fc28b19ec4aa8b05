using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LayerNet.Runner.Drawing;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// A training log followed as it grows (<c>layernet train</c>'s or <c>caffe train</c>'s): each <see cref="Update"/>
/// reads the whole lines written since the last one into the curves (through <see cref="TrainingLogParser"/>), and
/// picks up what the Runs table shows beside them: <c>max_iter</c>, speed, snapshots, the end.
/// </summary>
internal sealed partial class RunsLog(string path)
{
    private const int ChunkBytes = 1 << 20;

    private readonly List<string> _snapshotFiles = [];
    private TrainingLogParser _parser = new(System.IO.Path.GetFileName(path));
    private long _offset;

    /// <summary>The log's absolute path.</summary>
    public string Path { get; } = path;

    /// <summary>The curves read so far.</summary>
    public TrainingCurves Curves => _parser.Curves;

    /// <summary>The solver's <c>max_iter</c> as the log printed it (after <c>--iterations</c>), when it did.</summary>
    public int? MaxIter { get; private set; }

    /// <summary>The last iteration a line named.</summary>
    public int? Iteration { get; private set; }

    /// <summary>The speed of the last display line (<c>Iteration N (X iter/s, ...)</c>).</summary>
    public double? IterationsPerSecond { get; private set; }

    /// <summary>True once the log says <c>Optimization Done.</c>.</summary>
    public bool Done { get; private set; }

    /// <summary>True once the log says <c>Optimization stopped early.</c> (a stop asked for by a signal).</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>The snapshot files the log names, as it wrote them (relative to the training's working folder).</summary>
    public IReadOnlyList<string> SnapshotFiles => _snapshotFiles;

    /// <summary>When the file was last written, as of the last update.</summary>
    public DateTime LastWrite { get; private set; }

    /// <summary>
    /// Reads what was added since the last call; returns true when the log had been rewritten (shorter than what was
    /// read) and was read again from its start.
    /// </summary>
    public bool Update()
    {
        var reset = false;
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            LastWrite = File.GetLastWriteTimeUtc(Path);
            if (stream.Length < _offset)
            {
                Clear();
                reset = true;
            }

            stream.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[ChunkBytes];
            var carried = 0;
            int read;
            while ((read = stream.Read(buffer, carried, buffer.Length - carried)) > 0)
            {
                var filled = carried + read;
                var end = Array.LastIndexOf(buffer, (byte)'\n', filled - 1);
                if (end < 0)
                {
                    if (filled == buffer.Length)
                    {
                        // A "line" longer than a chunk is no log line: skip it.
                        _offset += filled;
                        carried = 0;
                    }
                    else
                    {
                        carried = filled;
                    }

                    continue;
                }

                foreach (var line in Encoding.UTF8.GetString(buffer, 0, end).Split('\n'))
                {
                    Read(line.TrimEnd('\r'));
                }

                _offset += end + 1;
                carried = filled - end - 1;
                Array.Copy(buffer, end + 1, buffer, 0, carried);
            }
        }
        catch (FileNotFoundException)
        {
            // Not written yet (a queued run) or deleted: nothing to read.
        }
        catch (DirectoryNotFoundException)
        {
        }

        return reset;
    }

    private void Clear()
    {
        _parser = new TrainingLogParser(System.IO.Path.GetFileName(Path));
        _snapshotFiles.Clear();
        _offset = 0;
        MaxIter = null;
        Iteration = null;
        IterationsPerSecond = null;
        Done = false;
        StoppedEarly = false;
    }

    private void Read(string line)
    {
        _parser.Read(line);
        if (IterationLine().Match(line) is { Success: true } iteration)
        {
            Iteration = int.Parse(iteration.Groups["iteration"].Value, CultureInfo.InvariantCulture);
            if (iteration.Groups["speed"].Success && double.TryParse(iteration.Groups["speed"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var speed))
            {
                IterationsPerSecond = speed;
            }
        }
        else if (SnapshotLine().Match(line) is { Success: true } snapshot)
        {
            _snapshotFiles.Add(snapshot.Groups["file"].Value.Trim());
            // A run stopped between display lines snapshots at an iteration no line named yet.
            if (SnapshotIteration().Match(snapshot.Groups["file"].Value) is { Success: true } at)
            {
                Iteration = Math.Max(Iteration ?? 0, int.Parse(at.Groups["iteration"].Value, CultureInfo.InvariantCulture));
            }
        }
        else if (MaxIter is null && MaxIterLine().Match(line) is { Success: true } maxIter)
        {
            MaxIter = int.Parse(maxIter.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        else if (line.EndsWith("Optimization Done.", StringComparison.Ordinal))
        {
            Done = true;
        }
        else if (line.EndsWith("Optimization stopped early.", StringComparison.Ordinal))
        {
            StoppedEarly = true;
        }
    }

    [GeneratedRegex(@"(?:^|\]\s)Iteration (?<iteration>\d+)(?: \((?<speed>[0-9.eE+-]+) iter/s)?")]
    private static partial Regex IterationLine();

    [GeneratedRegex(@"Snapshotting (?:solver state )?to binary proto file (?<file>.+)$")]
    private static partial Regex SnapshotLine();

    [GeneratedRegex(@"_iter_(?<iteration>\d+)\.(?:caffemodel|solverstate)\s*$")]
    private static partial Regex SnapshotIteration();

    [GeneratedRegex(@"^\s*max_iter: (?<value>\d+)\s*$")]
    private static partial Regex MaxIterLine();
}
