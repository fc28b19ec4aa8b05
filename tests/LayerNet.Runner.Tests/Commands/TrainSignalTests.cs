using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// POSIX signals to a real <c>layernet train</c> process, as a user's Ctrl+C, <c>kill</c> or <c>kill -HUP</c>:
/// SIGINT stops after the current iteration with a final snapshot, SIGHUP snapshots and goes on, and
/// <c>--sigint_effect none</c> ignores SIGINT and SIGTERM.
/// </summary>
[TestFixture]
[Platform("Linux")]
public sealed partial class TrainSignalTests
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);

    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = TwoLayerFolder.Create();
        _folder.WriteSolver(maxIter: 100000, display: 100);
    }

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void SIGINT_stops_after_the_current_iteration_with_a_final_snapshot()
    {
        using var train = RunnerProcess.Start(_folder.Path, "train", "--solver", _folder.Solver);
        WaitForIteration(train, 200);

        train.Signal(RunnerProcess.SignalInterrupt);

        Assert.That(train.WaitForExit(ExitTimeout), Is.EqualTo(0), train.Error);
        Assert.That(train.Output, Does.Contain("] Optimization stopped early."));
        Assert.That(train.Error, Is.Empty);
        var snapshots = _folder.SnapshotIterations();
        Assert.That(snapshots, Has.Length.EqualTo(1));
        Assert.That(snapshots[0], Is.GreaterThan(200));
        Assert.That(train.Output, Does.Contain("Snapshotting solver state to binary proto file ").And.Contain($"{TwoLayerFolder.SnapshotPrefix}_iter_{snapshots[0]}.solverstate"));
        _folder.AssertSnapshotLoads(snapshots[0]);
        Assert.That(_folder.TemporaryFiles(), Is.Empty);
    }

    [Test]
    public void SIGHUP_snapshots_and_training_goes_on()
    {
        using var train = RunnerProcess.Start(_folder.Path, "train", "--solver", _folder.Solver);
        var (_, index) = WaitForIteration(train, 200);

        train.Signal(RunnerProcess.SignalHangUp);
        var (snapshotLine, snapshotIndex) = train.WaitForLine(line => line.Contains("Snapshotting solver state", StringComparison.Ordinal), LineTimeout, index);
        var snapshotIteration = int.Parse(SnapshotIteration().Match(snapshotLine).Groups[1].Value, CultureInfo.InvariantCulture);
        WaitForIteration(train, snapshotIteration + 200, snapshotIndex);

        Assert.That(train.HasExited, Is.False, "training goes on after SIGHUP");
        _folder.AssertSnapshotLoads(snapshotIteration);
        train.Signal(RunnerProcess.SignalInterrupt);
        Assert.That(train.WaitForExit(ExitTimeout), Is.EqualTo(0), train.Error);
        var snapshots = _folder.SnapshotIterations();
        Assert.That(snapshots, Has.Length.EqualTo(2));
        Assert.That(snapshots[0], Is.EqualTo(snapshotIteration));
        Assert.That(snapshots[1], Is.GreaterThan(snapshotIteration + 200));
        _folder.AssertSnapshotLoads(snapshots[1]);
        Assert.That(train.Output, Does.Contain("] Optimization stopped early."));
    }

    [Test]
    public void With_sigint_effect_none_SIGINT_and_SIGTERM_are_ignored()
    {
        using var train = RunnerProcess.Start(_folder.Path, "train", "--solver", _folder.Solver, "--sigint_effect", "none");
        var (_, index) = WaitForIteration(train, 200);

        train.Signal(RunnerProcess.SignalInterrupt);
        var (line, afterInterrupt) = train.WaitForLine(IsDisplayLine, LineTimeout, index + 1);
        (_, afterInterrupt) = WaitForIteration(train, Iteration(line) + 200, afterInterrupt);
        train.Signal(RunnerProcess.SignalTerminate);
        (line, var afterTerminate) = train.WaitForLine(IsDisplayLine, LineTimeout, afterInterrupt + 1);
        WaitForIteration(train, Iteration(line) + 200, afterTerminate);

        Assert.That(train.HasExited, Is.False, "SIGINT and SIGTERM do nothing with --sigint_effect none");
        train.Signal(RunnerProcess.SignalKill);
        train.WaitForExit(ExitTimeout);
        Assert.That(train.Output, Does.Not.Contain("stopped early").And.Not.Contain("Snapshotting"));
        Assert.That(_folder.SnapshotIterations(), Is.Empty);
        Assert.That(_folder.TemporaryFiles(), Is.Empty, "no partial or temporary snapshot file");
        Assert.That(
            Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "data.h5", "data.txt", "init_iter_0.caffemodel", "net.prototxt", "solver.prototxt" }));
    }

    private static (string Line, int Index) WaitForIteration(RunnerProcess train, int atLeast, int from = 0) =>
        train.WaitForLine(line => IsDisplayLine(line) && Iteration(line) >= atLeast, LineTimeout, from);

    private static bool IsDisplayLine(string line) => DisplayLine().IsMatch(line);

    private static int Iteration(string line) => int.Parse(DisplayLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\] Iteration (\d+) \(")]
    private static partial Regex DisplayLine();

    [GeneratedRegex(@"_iter_(\d+)\.solverstate")]
    private static partial Regex SnapshotIteration();
}
