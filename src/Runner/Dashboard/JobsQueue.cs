using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Plugins;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The training jobs queued on this machine: each runs <c>layernet train</c> as a child process of this same
/// executable, one at a time by default, with an argument list built here from paths under the root (never a command
/// line from a client). A job's run lives in <c>runs/NAME/</c>: a copy of its solver whose snapshot prefix points
/// there (two runs of one solver would otherwise write the same snapshot files), the child's output as
/// <c>train.log</c>, its snapshots, and the job's state as <c>run.json</c>. Stopping sends SIGINT, after which <c>layernet train</c> finishes its iteration and
/// snapshots.
/// </summary>
internal sealed partial class JobsQueue : IDisposable
{
    /// <summary>The folder under the root that holds the runs started here.</summary>
    public const string RunsFolder = "runs";

    /// <summary>A run's log, written by its child.</summary>
    public const string LogName = "train.log";

    /// <summary>A run's state file.</summary>
    public const string RecordName = "run.json";

    /// <summary>A run's copy of its solver, which snapshots into the run's folder.</summary>
    public const string SolverName = "solver.prototxt";

    /// <summary>The longest run name.</summary>
    public const int MaxNameLength = 64;

    private const int SignalInterrupt = 2;
    private const int SignalTerminate = 15;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly DashboardRoot _root;
    private readonly object _gate = new();
    private readonly List<JobsEntry> _jobs = [];
    private int _lastId;
    private bool _disposed;

    /// <summary>A queue over <paramref name="root"/> that runs one job at a time.</summary>
    public JobsQueue(DashboardRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        _root = root;
    }

    /// <summary>How many jobs run at once.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>
    /// Queues <c>layernet train --solver S [--snapshot X] [--iterations N]</c>; the paths are relative to the root and
    /// checked again here. <paramref name="name"/> (letters, digits, <c>.-_</c>) names the run; a taken or missing
    /// name gets a fresh one.
    /// </summary>
    /// <exception cref="DashboardPathException">A path leaves the root.</exception>
    /// <exception cref="LayerNetException">A file is missing, or the name or bound is not allowed.</exception>
    public JobsInfo Enqueue(string solver, string? snapshot, int? iterations, string? name)
    {
        ArgumentNullException.ThrowIfNull(solver);
        RequireFile(solver, ".prototxt", "solver");
        if (snapshot is not null)
        {
            RequireFile(snapshot, ".solverstate", "snapshot");
        }

        if (iterations is < 0)
        {
            throw new LayerNetException($"iterations: expected 0 or more, got {iterations}");
        }

        if (!string.IsNullOrEmpty(name) && !ValidName().IsMatch(name))
        {
            throw new LayerNetException($"run name '{name}': use up to {MaxNameLength} letters, digits, '.', '-' or '_', not starting with '.'");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var runName = FreeName(string.IsNullOrEmpty(name) ? DefaultName(solver) : name);
            var folder = _root.Resolve($"{RunsFolder}/{runName}");
            Directory.CreateDirectory(folder);
            var job = new JobsEntry((++_lastId).ToString(CultureInfo.InvariantCulture), runName, solver, snapshot, iterations);
            _jobs.Add(job);
            WriteRecord(job);
            StartWaiting();
            return job.Info();
        }
    }

    /// <summary>Every job of this server's life, oldest first.</summary>
    public IReadOnlyList<JobsInfo> List()
    {
        lock (_gate)
        {
            return _jobs.Select(job => job.Info()).ToList();
        }
    }

    /// <summary>The job of this id, or null.</summary>
    public JobsInfo? Find(string id)
    {
        lock (_gate)
        {
            return _jobs.Find(job => job.Id == id)?.Info();
        }
    }

    /// <summary>The job whose run writes the log <paramref name="log"/> (relative to the root), or null.</summary>
    public JobsInfo? ForLog(string log)
    {
        lock (_gate)
        {
            return _jobs.FindLast(job => job.Log == log)?.Info();
        }
    }

    /// <summary>Completes when the job has ended (for tests and for a caller that waits on a stop).</summary>
    public Task WhenEnded(string id)
    {
        lock (_gate)
        {
            return _jobs.Find(job => job.Id == id)?.Completion.Task ?? throw new LayerNetException($"no job {id}");
        }
    }

    /// <summary>
    /// Stops a running job (SIGINT: the child finishes its iteration and snapshots) or cancels a queued one.
    /// </summary>
    /// <exception cref="LayerNetException">No such job, or it has ended already.</exception>
    public JobsInfo Stop(string id)
    {
        lock (_gate)
        {
            var job = _jobs.Find(j => j.Id == id) ?? throw new LayerNetException($"no job {id}");
            switch (job.State)
            {
                case JobsState.Queued:
                    job.State = JobsState.Cancelled;
                    job.Ended = DateTimeOffset.UtcNow;
                    // Nothing ran: the run's folder holds only its state file, and a cancelled job is no run to list.
                    Directory.Delete(_root.Resolve($"{RunsFolder}/{job.Name}"), recursive: true);
                    job.Completion.TrySetResult();
                    break;
                case JobsState.Running when !job.StopRequested:
                    job.StopRequested = true;
                    Interrupt(job.Process!);
                    break;
                case JobsState.Running:
                    break;
                default:
                    throw new LayerNetException($"job {id} ({job.Name}) has {JobsEntry.StateName(job.State)} already");
            }

            return job.Info();
        }
    }

    /// <summary>Stops the running jobs as a stop from the page does (killing those that do not end in time) and cancels the queued ones.</summary>
    public void Dispose()
    {
        List<JobsEntry> running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var job in _jobs.Where(j => j.State == JobsState.Queued))
            {
                job.State = JobsState.Cancelled;
                job.Ended = DateTimeOffset.UtcNow;
                WriteRecord(job);
                job.Completion.TrySetResult();
            }

            running = _jobs.Where(j => j.State == JobsState.Running).ToList();
            foreach (var job in running)
            {
                job.StopRequested = true;
                Interrupt(job.Process!);
            }
        }

        foreach (var job in running)
        {
            if (!job.Completion.Task.Wait(StopGrace))
            {
                job.Process?.Kill(entireProcessTree: true);
                job.Completion.Task.Wait(StopGrace);
            }
        }
    }

    /// <summary>How this process starts another <c>layernet</c>: the executable and the arguments before the command.</summary>
    internal static (string FileName, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath;
        if (path is not null && Path.GetFileNameWithoutExtension(path) == "layernet")
        {
            return (path, []);
        }

        // `dotnet layernet.dll serve` (and the test host, which runs this assembly inside another process): the child
        // is `dotnet layernet.dll train ...`, with the assembly beside its runtimeconfig.json.
        var host = path is not null && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet";
        return (host, [typeof(JobsQueue).Assembly.Location]);
    }

    private void RequireFile(string relative, string extension, string what)
    {
        var full = _root.Resolve(relative);
        if (!relative.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        {
            throw new LayerNetException($"{what} '{relative}': expected a {extension} file");
        }

        if (!File.Exists(full))
        {
            throw new LayerNetException($"{what} '{relative}': no such file under the root");
        }
    }

    // The solver's folder names the model (models/two_layer/solver.prototxt: two_layer), then the time.
    private static string DefaultName(string solver)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(solver.Replace('/', Path.DirectorySeparatorChar)) ?? "");
        var model = folder is { Length: > 0 } ? folder : Path.GetFileNameWithoutExtension(solver);
        var safe = new string(model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).TrimStart('.');
        return $"{(safe.Length > 0 ? safe : "run")}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
    }

    private string FreeName(string wanted)
    {
        var name = wanted.Length > MaxNameLength ? wanted[..MaxNameLength] : wanted;
        var candidate = name;
        for (var n = 2; Directory.Exists(_root.Resolve($"{RunsFolder}/{candidate}")) || _jobs.Exists(j => j.Name == candidate); n++)
        {
            candidate = $"{name}-{n}";
        }

        return candidate;
    }

    // Under _gate.
    private void StartWaiting()
    {
        while (!_disposed && _jobs.Count(j => j.State == JobsState.Running) < Parallel
            && _jobs.Find(j => j.State == JobsState.Queued) is { } next)
        {
            Start(next);
        }
    }

    // Under _gate.
    private void Start(JobsEntry job)
    {
        var (fileName, prefix) = SelfCommand();
        // Run in the solver's folder, as its README says to (`cd models/x; layernet train --solver solver.prototxt`):
        // the net and its data resolve there first, whatever the root is, also from the run's copy of the solver.
        var solverFull = _root.Resolve(job.Solver);
        var folder = Path.GetDirectoryName(solverFull)!;
        string solverCopy;
        try
        {
            solverCopy = CopySolver(job, solverFull, folder);
        }
        catch (Exception exception) when (exception is LayerNetException or IOException)
        {
            Fail(job, $"cannot copy the solver: {LayerNetCommandLine.OneLine(exception.Message)}");
            return;
        }

        var start = new ProcessStartInfo
        {
            FileName = fileName,
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("train");
        start.ArgumentList.Add("--solver");
        start.ArgumentList.Add(Path.GetRelativePath(folder, solverCopy));
        if (job.Snapshot is not null)
        {
            start.ArgumentList.Add("--snapshot");
            start.ArgumentList.Add(Path.GetRelativePath(folder, _root.Resolve(job.Snapshot)));
        }

        if (job.Iterations is { } iterations)
        {
            start.ArgumentList.Add("--iterations");
            start.ArgumentList.Add(iterations.ToString(CultureInfo.InvariantCulture));
        }

        var log = new StreamWriter(new FileStream(_root.Resolve(job.Log), FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Append(log, e.Data);
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                job.LastError = e.Data.Trim();
            }
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            log.Dispose();
            process.Dispose();
            Fail(job, $"cannot start {fileName}: {exception.Message}");
            return;
        }

        // No input for the child: a training reads none, and a closed standard input cannot block it.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        job.Process = process;
        job.State = JobsState.Running;
        job.Started = DateTimeOffset.UtcNow;
        WriteRecord(job);
        _ = WaitAsync(job, process, log);
    }

    // Under _gate.
    private void Fail(JobsEntry job, string why)
    {
        job.State = JobsState.Failed;
        job.LastError = why;
        job.Ended = DateTimeOffset.UtcNow;
        WriteRecord(job);
        job.Completion.TrySetResult();
    }

    // runs/NAME/solver.prototxt: the solver with its snapshot prefix moved into the run's folder (keeping the prefix's
    // own name), relative to the folder the child runs in. The net and data paths stay as written: they resolve from
    // that folder first.
    private string CopySolver(JobsEntry job, string solverFull, string folder)
    {
        var schema = ParameterExtensions.None;
        var solver = schema.Reader.Parse<Caffe.SolverParameter>(MessageFile.ReadAllText(solverFull), job.Solver);
        var stem = Path.GetFileNameWithoutExtension(solverFull);
        var prefixName = solver.SnapshotPrefix.Length == 0 || solver.SnapshotPrefix.EndsWith('/') ? stem : Path.GetFileName(solver.SnapshotPrefix);
        var runFolder = _root.Resolve($"{RunsFolder}/{job.Name}");
        solver.SnapshotPrefix = Path.GetRelativePath(folder, Path.Combine(runFolder, prefixName)).Replace(Path.DirectorySeparatorChar, '/');
        var copy = Path.Combine(runFolder, SolverName);
        File.WriteAllText(copy, $"# {job.Solver}, as run {job.Name} trains it: snapshots in its folder.\n" + schema.Write(solver));
        return copy;
    }

    private async Task WaitAsync(JobsEntry job, Process process, StreamWriter log)
    {
        // Waits for the exit and for the end of both output streams, so the log is whole before the state changes.
        await process.WaitForExitAsync().ConfigureAwait(false);
        lock (log)
        {
            log.Dispose();
        }

        lock (_gate)
        {
            job.ExitCode = process.ExitCode;
            job.State = job.StopRequested && process.ExitCode is 0 or InterruptScope.ExitCode ? JobsState.Stopped
                : process.ExitCode == 0 ? JobsState.Finished
                : JobsState.Failed;
            job.Ended = DateTimeOffset.UtcNow;
            job.Process = null;
            process.Dispose();
            WriteRecord(job);
            job.Completion.TrySetResult();
            StartWaiting();
        }
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A line that comes after the exit was awaited: the log is closed, the run over.
            }
        }
    }

    private void WriteRecord(JobsEntry job)
    {
        var path = _root.Resolve($"{RunsFolder}/{job.Name}/{RecordName}");
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(job.Record(), RecordJson));
            File.Move(temporary, path, overwrite: true);
        }
    }

    private static void Interrupt(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            // No SIGINT to another process on Windows: the run ends without its last snapshot.
            process.Kill(entireProcessTree: true);
            return;
        }

        // A server started in the background (`layernet serve &`, nohup) ignores SIGINT, and so does every child it
        // starts; layernet train takes SIGTERM as it takes SIGINT (InterruptScope), so that one is sent instead.
        _ = Kill(process.Id, IgnoresInterrupt(process.Id) ? SignalTerminate : SignalInterrupt);
    }

    private static bool IgnoresInterrupt(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null
                && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var ignored)
                && (ignored & (1UL << (SignalInterrupt - 1))) != 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No /proc (not Linux) or the child just ended: SIGINT, as a terminal's Ctrl+C.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidName();
}
