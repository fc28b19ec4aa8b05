using LayerNet.Plugins;
using LayerNet.Text;

namespace LayerNet.Solvers;

/// <summary>Where a solver runs: the folder its relative paths resolve against, where it logs, how it reads nets.</summary>
public sealed class SolverOptions
{
    /// <summary>
    /// The solver file, when it came from one: relative paths in it (net, test_net, snapshot_prefix,
    /// weights) resolve against its folder, and a missing snapshot_prefix defaults to its path without extension.
    /// </summary>
    public string? SolverFile { get; init; }

    /// <summary>Where log lines go.</summary>
    public TrainingLog Log { get; init; } = TrainingLog.None;

    /// <summary>
    /// The schema's extensions (the built-in layers' and the loaded plugins' typed parameters), with which net files,
    /// weights and snapshots are read and written.
    /// </summary>
    public required ParameterExtensions Schema { get; init; }

    /// <summary>Where the solver's definition was read from text: its errors, and those of nets written inside it, point there.</summary>
    public MessageSource? Source { get; init; }

    /// <summary>
    /// The workers this run is spread over (MPI ranks), or null to train alone. Each worker's train net reads its
    /// own batches (<see cref="Nets.DataShard"/>); after each iteration's forward and backward passes the workers sum
    /// their gradients and scale them by 1 / workers, as Caffe's multi-GPU solver does, so every worker applies the
    /// same update; worker 0 alone tests and snapshots (give the others a silent <see cref="Log"/>).
    /// </summary>
    public IWorkerGroup? Workers { get; init; }

    /// <summary>
    /// The device (a GPU) the solver's nets offer their layers to (<see cref="Nets.NetOptions.Device"/>); null trains
    /// on the CPU. A device that also runs the solver's work (<see cref="Devices.ISolverDevice"/>) runs the update too,
    /// keeping the parameters, their gradients and the solver's history there between iterations; otherwise the update
    /// runs on the host.
    /// </summary>
    public Devices.IDevice? Device { get; init; }

    /// <summary>Asked after every iteration whether a signal requested a stop or a snapshot; null never asks.</summary>
    public Func<SolverAction>? RequestedAction { get; init; }

    /// <summary>The folder relative paths resolve against, as the solver file's path gives it (empty for the working directory).</summary>
    public string BaseDirectory => SolverFile is null ? string.Empty : Path.GetDirectoryName(SolverFile) ?? string.Empty;

    /// <summary>
    /// Resolves a file the solver file names (<c>net</c>, <c>test_net</c>, <c>weights</c>): against the working folder
    /// first, as Caffe does (Caffe's examples name <c>examples/mnist/...</c> from a solver in that folder, run from the
    /// Caffe root), then against <see cref="BaseDirectory"/> when no such file is there. The result stays relative when
    /// the solver file's path is, so log lines read as the user wrote them.
    /// </summary>
    public string Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.IsPathRooted(path) || BaseDirectory.Length == 0 || File.Exists(path) || Directory.Exists(path)
            ? path
            : Path.Combine(BaseDirectory, path);
    }

    /// <summary>
    /// Resolves a <c>snapshot_prefix</c>: against the working folder first, as Caffe does, when the folder it names
    /// exists there (or it is itself a folder there); otherwise against <see cref="BaseDirectory"/>. A bare name
    /// (no folder) resolves against <see cref="BaseDirectory"/>, so snapshots land beside the solver file.
    /// </summary>
    public string ResolvePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (Path.IsPathRooted(prefix) || BaseDirectory.Length == 0)
        {
            return prefix;
        }

        var folder = Path.GetDirectoryName(prefix);
        return Directory.Exists(prefix) || (!string.IsNullOrEmpty(folder) && Directory.Exists(folder))
            ? prefix
            : Path.Combine(BaseDirectory, prefix);
    }
}
