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

    /// <summary>Asked after every iteration whether a signal requested a stop or a snapshot; null never asks.</summary>
    public Func<SolverAction>? RequestedAction { get; init; }

    /// <summary>The folder relative paths resolve against, as the solver file's path gives it (empty for the working directory).</summary>
    public string BaseDirectory => SolverFile is null ? string.Empty : Path.GetDirectoryName(SolverFile) ?? string.Empty;

    /// <summary>
    /// Resolves a path from the solver file against <see cref="BaseDirectory"/>. The result stays relative when the
    /// solver file's path is, so snapshot names and log lines read as the user wrote them.
    /// </summary>
    public string Resolve(string path) => Path.IsPathRooted(path) || BaseDirectory.Length == 0 ? path : Path.Combine(BaseDirectory, path);
}
