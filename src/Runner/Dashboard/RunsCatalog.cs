using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The training runs under the root: the runs started here (<c>runs/NAME/</c>, with their state file) and every
/// training log found by a bounded scan (<c>layernet train ... &gt; x.log</c> anywhere: files named <c>*.log</c> whose
/// first lines are a training's), each with its state, progress and snapshots.
/// </summary>
internal sealed partial class RunsCatalog(DashboardRoot root, JobsQueue jobs)
{
    /// <summary>The deepest folder the scan enters, below the root.</summary>
    public const int MaxDepth = 8;

    /// <summary>The most files and folders the scan looks at.</summary>
    public const int MaxEntries = 20_000;

    /// <summary>The largest file read as a log.</summary>
    public const long MaxLogBytes = 1L << 30;

    /// <summary>A log written this recently, with no end and no job, reads as running (trained from a terminal).</summary>
    public static readonly TimeSpan RecentWrite = TimeSpan.FromSeconds(30);

    private const int SniffBytes = 16 * 1024;
    private static readonly TimeSpan ScanAge = TimeSpan.FromSeconds(2);
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", "node_modules" };

    private readonly object _gate = new();
    private readonly Dictionary<string, RunsLog> _logs = new(StringComparer.Ordinal);
    private (DateTime At, List<string> Logs)? _scan;

    /// <summary>Every run, the most recently written first.</summary>
    public IReadOnlyList<RunsSummary> List()
    {
        var ids = Scan().Concat(JobRuns()).Distinct(StringComparer.Ordinal).ToList();
        var rows = new List<(DateTime At, RunsSummary Row)>();
        foreach (var id in ids)
        {
            var log = Follow(id);
            lock (log)
            {
                log.Update();
                rows.Add((log.LastWrite, Summary(id, log)));
            }
        }

        return rows.OrderByDescending(row => row.At).ThenBy(row => row.Row.Id, StringComparer.Ordinal).Select(row => row.Row).ToList();
    }

    /// <summary>
    /// The log of run <paramref name="id"/> (its path relative to the root, as <see cref="List"/> gives it).
    /// </summary>
    /// <exception cref="DashboardPathException">The path leaves the root.</exception>
    /// <exception cref="Errors.LayerNetException">It is no training log.</exception>
    public string Resolve(string? id)
    {
        var full = root.Resolve(id);
        if (!IsLogName(full) || (!File.Exists(full) && !IsRunLog(id!)))
        {
            throw new Errors.LayerNetException($"'{id}': no training log of that name under the root");
        }

        if (File.Exists(full) && !IsRunLog(id!) && !LooksLikeLog(full))
        {
            throw new Errors.LayerNetException($"'{id}': not a training log (no lines of layernet train or caffe train)");
        }

        return full;
    }

    /// <summary>A run's row, from a log that the caller follows (and has updated).</summary>
    public RunsSummary Summary(string id, RunsLog log)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(log);
        var job = jobs.ForLog(id);
        var record = ReadRecord(id);
        string state;
        if (job is not null)
        {
            state = job.State;
        }
        else if (record is not null)
        {
            // A state file left queued or running by a server that ended: that run was stopped with it.
            state = record.State is "queued" or "running" ? "stopped" : record.State;
        }
        else
        {
            state = log.Done ? (log.StoppedEarly ? "stopped" : "finished") : DateTime.UtcNow - log.LastWrite < RecentWrite ? "running" : "stopped";
        }

        var curves = log.Curves;
        var tests = curves.TestOutputs.Where(t => t.Value.Count > 0).ToDictionary(t => t.Key, t => t.Value.Values[^1], StringComparer.Ordinal);
        var solver = job?.Solver ?? record?.Solver;
        var snapshots = Snapshots(id, log, solver);
        return new RunsSummary(
            id,
            RunName(id),
            state,
            log.Iteration,
            log.MaxIter,
            log.IterationsPerSecond,
            curves.TrainLoss.Count > 0 ? curves.TrainLoss.Values[^1] : null,
            tests,
            snapshots,
            solver ?? GuessSolver(id, snapshots),
            job?.Id,
            job?.Message ?? record?.Message);
    }

    /// <summary>The shared follower of a log (lock it while using it).</summary>
    public RunsLog Follow(string id)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(id, out var log))
            {
                log = new RunsLog(root.Resolve(id));
                _logs[id] = log;
            }

            return log;
        }
    }

    /// <summary>The record of a run started here, read from its state file, or null.</summary>
    public JobsRecord? ReadRecord(string id)
    {
        if (!IsRunLog(id) || root.TryResolve(id[..^JobsQueue.LogName.Length] + JobsQueue.RecordName) is not { } path || !File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JobsRecord>(File.ReadAllText(path), RunsArea.Json);
        }
        catch (Exception exception) when (exception is JsonException or IOException)
        {
            // Being rewritten (the queue replaces it whole) or edited by hand: the log alone tells the state.
            return null;
        }
    }

    private static bool IsRunLog(string id) =>
        RunLogName().IsMatch(id);

    private static string RunName(string id) =>
        IsRunLog(id) ? id.Split('/')[1] : id;

    private static bool IsLogName(string path) =>
        path.EndsWith(".log", StringComparison.OrdinalIgnoreCase);

    // The runs started here, listed before their child has written a line (the scan knows a log by its lines).
    private IEnumerable<string> JobRuns() =>
        jobs.List().Where(job => job.State != "cancelled").Select(job => job.Log);

    private List<string> Scan()
    {
        lock (_gate)
        {
            if (_scan is { } recent && DateTime.UtcNow - recent.At < ScanAge)
            {
                return recent.Logs;
            }
        }

        var found = new List<string>();
        var seen = 0;
        var folders = new Queue<(string Path, int Depth)>();
        folders.Enqueue((root.FullPath, 0));
        // Links are not entered: a link back up would make the scan go round; files they point to are read by name.
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        while (folders.Count > 0 && seen < MaxEntries)
        {
            var (folder, depth) = folders.Dequeue();
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options))
            {
                if (++seen > MaxEntries)
                {
                    break;
                }

                if (entry is DirectoryInfo directory)
                {
                    if (depth < MaxDepth && !directory.Name.StartsWith('.') && !SkippedFolders.Contains(directory.Name))
                    {
                        folders.Enqueue((directory.FullName, depth + 1));
                    }
                }
                else if (IsLogName(entry.Name) && ((FileInfo)entry).Length <= MaxLogBytes && LooksLikeLog(entry.FullName))
                {
                    found.Add(root.Relative(entry.FullName));
                }
            }
        }

        lock (_gate)
        {
            _scan = (DateTime.UtcNow, found);
        }

        return found;
    }

    // The first lines of a training log (glog's prefix or none): the solver's parameters, "Solving", an iteration.
    private static bool LooksLikeLog(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[SniffBytes];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            return read == 0 ? false : LogSignature().IsMatch(text);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private List<RunsSnapshot> Snapshots(string id, RunsLog log, string? solver)
    {
        var folders = new List<string> { Path.GetDirectoryName(root.Resolve(id))! };
        if (solver is not null && root.TryResolve(solver) is { } solverFile)
        {
            // The runs started here train in their solver's folder.
            folders.Insert(0, Path.GetDirectoryName(solverFile)!);
        }

        var byIteration = new SortedDictionary<int, (string? Weights, string? State)>();
        foreach (var file in log.SnapshotFiles)
        {
            if (SnapshotName().Match(file) is not { Success: true } name || Locate(file, folders) is not { } relative)
            {
                continue;
            }

            var iteration = int.Parse(name.Groups["iteration"].Value, System.Globalization.CultureInfo.InvariantCulture);
            byIteration.TryGetValue(iteration, out var pair);
            byIteration[iteration] = name.Groups["kind"].Value == "caffemodel" ? (relative, pair.State) : (pair.Weights, relative);
        }

        return byIteration.Select(pair => new RunsSnapshot(pair.Key, pair.Value.Weights, pair.Value.State)).ToList();
    }

    // A file the log names, relative to the root: from the folder the training ran in (the solver's for the runs
    // started here, the log's for `cd models/x && layernet train ... > train.log`), else from the root; null when it
    // is not there or not under the root.
    private string? Locate(string file, IEnumerable<string> folders)
    {
        var candidates = Path.IsPathRooted(file)
            ? [file]
            : folders.Select(folder => Path.Combine(folder, file)).Append(Path.Combine(root.FullPath, file)).ToList();
        foreach (var candidate in candidates)
        {
            var relative = root.Relative(Path.GetFullPath(candidate));
            if (root.TryResolve(relative) is { } full && File.Exists(full))
            {
                return relative;
            }
        }

        return null;
    }

    // For a log from a terminal: a solver file beside its snapshots or the log (resume needs one; the page lets the
    // person change it).
    private string? GuessSolver(string id, IReadOnlyList<RunsSnapshot> snapshots)
    {
        var folders = snapshots.Select(s => s.State ?? s.Weights).OfType<string>().Select(p => Path.GetDirectoryName(root.Resolve(p))!)
            .Append(Path.GetDirectoryName(root.Resolve(id))!)
            .Distinct(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            if (Directory.Exists(folder)
                && Directory.EnumerateFiles(folder, "*solver*.prototxt").Order(StringComparer.Ordinal).FirstOrDefault() is { } solver)
            {
                return root.Relative(solver);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^runs/[^/]+/train\.log$")]
    private static partial Regex RunLogName();

    [GeneratedRegex(@"_iter_(?<iteration>\d+)\.(?<kind>caffemodel|solverstate)$")]
    private static partial Regex SnapshotName();

    [GeneratedRegex(@"Initializing solver from parameters|Solving \S|(?:^|\]\s)Iteration \d+[ ,]", RegexOptions.Multiline)]
    private static partial Regex LogSignature();
}
