using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet train</c> on Caffe's two-layer fixture, in this process: Caffe's log lines with Caffe's numbers,
/// snapshots that load, and the options that change a run.
/// </summary>
[TestFixture]
public sealed partial class TrainCommandTests
{
    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TwoLayerFolder.Create();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void Fifty_iterations_log_Caffes_lines_with_Caffes_losses()
    {
        _folder.WriteSolver(maxIter: 50, display: 10);

        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Error, Is.Empty);
        var caffe = CaffeLosses();
        var lines = run.OutputLines;
        var displays = lines.Select(line => DisplayLine().Match(line)).Where(match => match.Success).ToArray();
        var rates = lines.Select(line => RateLine().Match(line)).Where(match => match.Success).ToArray();
        var outputs = lines.Select(line => TrainOutputLine().Match(line)).Where(match => match.Success).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(displays.Select(match => Int(match.Groups[1])), Is.EqualTo(new[] { 0, 10, 20, 30, 40 }));
            Assert.That(displays.Select(match => Int(match.Groups[4])), Is.All.EqualTo(10), "s/10 iters");
            Assert.That(displays.Select(match => Number(match.Groups[2])), Is.All.GreaterThanOrEqualTo(0), "iter/s");
            Assert.That(displays.Select(match => Number(match.Groups[3])), Is.All.GreaterThanOrEqualTo(0), "seconds");
            foreach (var match in displays)
            {
                var iteration = Int(match.Groups[1]);
                Assert.That(Number(match.Groups[5]), Is.EqualTo(caffe[iteration]).Within(1e-4 * caffe[iteration]), $"loss at iteration {iteration}");
            }

            Assert.That(rates.Select(match => Int(match.Groups[1])), Is.EqualTo(new[] { 0, 10, 20, 30, 40 }));
            Assert.That(outputs, Has.Length.EqualTo(5));
            foreach (var match in outputs)
            {
                Assert.That(Number(match.Groups[2]), Is.EqualTo(128 * Number(match.Groups[1])).Within(1e-4 * Number(match.Groups[2])), match.Value);
            }

            var final = lines.Select(line => FinalLine().Match(line)).Where(match => match.Success).ToArray();
            Assert.That(final, Has.Length.EqualTo(1), "one final 'Iteration 50, loss = ' line");
            Assert.That(Number(final[0].Groups[1]), Is.EqualTo(caffe[50]).Within(1e-4 * caffe[50]), "loss after the last update");
            Assert.That(lines.Where(line => line.Contains("Iteration ", StringComparison.Ordinal)), Is.All.Match(GlogPrefix), "glog prefix");
            Assert.That(lines[0], Does.Match(GlogPrefix));
            Assert.That(lines, Has.Some.EndsWith("] Optimization Done."));
        });
        _folder.AssertSnapshotLoads(50);
        Assert.That(_folder.SnapshotIterations(), Is.EqualTo(new[] { 50 }));
        Assert.That(_folder.TemporaryFiles(), Is.Empty);
    }

    [Test]
    public void Weights_and_snapshot_together_are_refused()
    {
        _folder.WriteSolver(maxIter: 50, display: 10);
        var state = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate");

        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights, "--snapshot", state);

        run.AssertOneLineError("give either --weights (fine-tune from weights) or --snapshot (resume a run), not both");
        Assert.That(_folder.SnapshotIterations(), Is.Empty);
    }

    [Test]
    public void Iterations_overrides_max_iter()
    {
        _folder.WriteSolver(maxIter: 50, display: 10);

        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights, "--iterations", "20");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Has.One.Matches<string>(line => line.Contains("] Iteration 20, loss = ", StringComparison.Ordinal)));
        Assert.That(run.Output, Does.Not.Contain("Iteration 30"));
        Assert.That(_folder.SnapshotIterations(), Is.EqualTo(new[] { 20 }));
        _folder.AssertSnapshotLoads(20);
    }

    [Test]
    public void Solver_mode_GPU_is_a_one_line_notice_and_training_goes_on_on_the_CPU()
    {
        _folder.WriteSolver(maxIter: 5, display: 1, snapshot: 0, "solver_mode: GPU");

        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(run.Error, Does.Contain("GPU").And.Contain("CPU"));
        Assert.That(run.OutputLines, Has.One.Matches<string>(line => line.Contains("] Iteration 5, loss = ", StringComparison.Ordinal)));
        _folder.AssertSnapshotLoads(5);
    }

    [Test]
    public void A_resumed_run_continues_from_the_saved_iteration_as_if_never_stopped()
    {
        _folder.WriteSolver(maxIter: 50, display: 10, snapshot: 20);
        var whole = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights);
        Assert.That(whole.ExitCode, Is.EqualTo(0), whole.Error);
        Assert.That(_folder.SnapshotIterations(), Is.EqualTo(new[] { 20, 40, 50 }));
        var wholeWeights = File.ReadAllBytes(_folder.SnapshotFiles(50).Model);
        File.Delete(_folder.SnapshotFiles(40).Model);
        File.Delete(_folder.SnapshotFiles(40).State);
        File.Delete(_folder.SnapshotFiles(50).Model);
        File.Delete(_folder.SnapshotFiles(50).State);

        var resumed = CommandRun.Run("train", "--solver", _folder.Solver, "--snapshot", _folder.SnapshotFiles(20).State);

        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        var displayed = resumed.OutputLines.Select(line => DisplayLine().Match(line)).Where(match => match.Success).Select(match => Int(match.Groups[1]));
        Assert.That(displayed, Is.EqualTo(new[] { 20, 30, 40 }));
        Assert.That(resumed.Output, Does.Contain("Restoring previous solver status from"));
        Assert.That(FinalLoss(resumed), Is.EqualTo(FinalLoss(whole)));
        Assert.That(_folder.SnapshotIterations(), Is.EqualTo(new[] { 20, 40, 50 }));
        _folder.AssertSnapshotLoads(50);
        Assert.That(File.ReadAllBytes(_folder.SnapshotFiles(50).Model), Is.EqualTo(wholeWeights), "the same weights as the run that never stopped");
    }

    [Test]
    public void A_missing_solver_file_is_one_line()
    {
        var missing = _folder.File("missing_solver.prototxt");

        var run = CommandRun.Run("train", "--solver", missing);

        run.AssertOneLineError($"cannot read '{missing}': no such file");
    }

    [Test]
    public void A_solver_without_lr_policy_says_so()
    {
        File.WriteAllText(_folder.Solver, "net: \"net.prototxt\"\nbase_lr: 1e-4\nmax_iter: 2\n");

        var run = CommandRun.Run("train", "--solver", _folder.Solver);

        run.AssertOneLineError("the solver gives no lr_policy; add one of: fixed, step,");
    }

    [Test]
    public void A_snapshot_folder_that_does_not_exist_fails_before_training()
    {
        _folder.WriteSolver(maxIter: 5, display: 1);
        File.WriteAllText(_folder.Solver, File.ReadAllText(_folder.Solver).Replace(
            $"snapshot_prefix: \"{TwoLayerFolder.SnapshotPrefix}\"", "snapshot_prefix: \"no_such_folder/run\"", StringComparison.Ordinal));

        var run = CommandRun.Run("train", "--solver", _folder.Solver);

        run.AssertOneLineError("cannot write snapshots to snapshot_prefix 'no_such_folder/run': folder '");
        Assert.That(run.Error, Does.Contain("no_such_folder' does not exist"));
        Assert.That(run.Output, Does.Not.Contain("] Iteration 0"));
    }

    [Test]
    public void Negative_iterations_are_refused()
    {
        _folder.WriteSolver(maxIter: 5, display: 1);

        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--iterations", "-3");

        run.AssertOneLineError("--iterations must be at least 0, got -3");
        Assert.That(_folder.SnapshotIterations(), Is.Empty);
    }

    private const string GlogPrefix = @"^I\d{8} \d\d:\d\d:\d\d\.\d{6} \d+ ";

    private static Dictionary<int, double> CaffeLosses()
    {
        var losses = new Dictionary<int, double>();
        foreach (var line in File.ReadLines(Fixtures.File("caffe", "two_layer", "caffe_loss.csv")))
        {
            var parts = line.Split(',');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var iteration))
            {
                losses[iteration] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        return losses;
    }

    private static string FinalLoss(CommandRun run) =>
        run.OutputLines.Select(line => FinalLine().Match(line)).Single(match => match.Success).Groups[1].Value;

    private static int Int(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);

    private static double Number(Group group) => double.Parse(group.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Iteration (\d+) \(([\d.e+-]+) iter/s, ([\d.e+-]+)s/(\d+) iters\), loss = ([\d.e+-]+)$")]
    private static partial Regex DisplayLine();

    [GeneratedRegex(@"Iteration (\d+), lr = 0\.0001$")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"\]     Train net output #0: loss = ([\d.e+-]+) \(\* 128 = ([\d.e+-]+) loss\)$")]
    private static partial Regex TrainOutputLine();

    [GeneratedRegex(@"\] Iteration 50, loss = ([\d.e+-]+)$")]
    private static partial Regex FinalLine();
}
