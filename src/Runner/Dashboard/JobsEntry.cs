using System.Diagnostics;

namespace LayerNet.Runner.Dashboard;

/// <summary>One training job of <see cref="JobsQueue"/>: what it trains, its child process and how it ended.</summary>
internal sealed class JobsEntry(string id, string name, string solver, string? snapshot, int? iterations)
{
    /// <summary>The job's id in the queue (a number, as text).</summary>
    public string Id { get; } = id;

    /// <summary>The run's name: its folder <c>runs/NAME</c> under the root.</summary>
    public string Name { get; } = name;

    /// <summary>The solver file, relative to the root.</summary>
    public string Solver { get; } = solver;

    /// <summary>The solver state to resume from, relative to the root, or null for a fresh run.</summary>
    public string? Snapshot { get; } = snapshot;

    /// <summary>The <c>--iterations</c> bound, or null for the solver's <c>max_iter</c>.</summary>
    public int? Iterations { get; } = iterations;

    /// <summary>The run's log, relative to the root.</summary>
    public string Log => $"{JobsQueue.RunsFolder}/{Name}/{JobsQueue.LogName}";

    /// <summary>Where the job stands.</summary>
    public JobsState State { get; set; } = JobsState.Queued;

    /// <summary>The child, while it runs.</summary>
    public Process? Process { get; set; }

    /// <summary>True once a stop was asked for (SIGINT sent): a clean exit then reads as stopped, not finished.</summary>
    public bool StopRequested { get; set; }

    /// <summary>The child's exit code, once it ended.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The last line the child wrote to standard error (why a failed run failed).</summary>
    public string? LastError { get; set; }

    /// <summary>When the job was queued.</summary>
    public DateTimeOffset Queued { get; } = DateTimeOffset.UtcNow;

    /// <summary>When its child started.</summary>
    public DateTimeOffset? Started { get; set; }

    /// <summary>When it ended (or was cancelled).</summary>
    public DateTimeOffset? Ended { get; set; }

    /// <summary>Completes once the job has ended and its log is closed.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True while the job may still run (queued or running).</summary>
    public bool IsActive => State is JobsState.Queued or JobsState.Running;

    /// <summary>The pages' view of the job.</summary>
    public JobsInfo Info() => new(Id, Name, StateName(State), Solver, Snapshot, Iterations, Log, ExitCode,
        State == JobsState.Failed ? LastError : null);

    /// <summary>The state file's view of the job.</summary>
    public JobsRecord Record() => new(Name, Solver, Snapshot, Iterations, StateName(State), ExitCode,
        State == JobsState.Failed ? LastError : null, Queued, Started, Ended);

    /// <summary>A state's name as the pages and the state file write it.</summary>
    public static string StateName(JobsState state) => state.ToString().ToLowerInvariant();
}
