using System.Globalization;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// Issue 20's "done when" on ILGPU's CPU accelerator (<c>LAYERNET_GPU_BACKEND=cpu</c>): <c>layernet train --solver
/// S --gpu 0</c> on Caffe's two-layer fixture, with the layers and the solver's update on the device, follows the loss
/// curve Caffe logged, within the tolerance the CPU run's acceptance test uses.
/// </summary>
/// <remarks>
/// A prefix of the curve: the CPU accelerator runs each device thread as host code, about a second of CPU time per
/// iteration of this net (its 64 x 1000 x 100 products), so the whole 2,000 iterations (TwoLayerAcceptanceTests runs
/// them on the CPU) would take most of an hour; 30 iterations keep the test within a minute on two cores. On a GPU the
/// whole run is cheap (the device check script runs it).
/// </remarks>
[TestFixture]
[NonParallelizable]
public sealed partial class GpuFixtureCurveTests
{
    private const int Iterations = 30;

    // As TwoLayerAcceptanceTests: float32 sums in another order than Caffe's stay about 1e-5 relative, and Caffe
    // printed 6 significant digits.
    private const double LossTolerance = 1e-3;

    private CpuAcceleratorScope _backend = null!;
    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void UseTheCpuAccelerator()
    {
        _backend = new CpuAcceleratorScope();
        _folder = TwoLayerFolder.Create();
        File.Copy(Fixtures.File("caffe", "two_layer", "solver.prototxt"), _folder.Solver);
    }

    [TearDown]
    public void Restore()
    {
        _backend.Dispose();
        _folder.Dispose();
    }

    [Test]
    public void The_two_layer_fixture_trained_with_gpu_0_follows_caffes_loss_curve()
    {
        var run = CommandRun.Run("train", "--solver", _folder.Solver, "--weights", _folder.InitialWeights, "--gpu", "0", "--iterations", Iterations.ToString(CultureInfo.InvariantCulture));

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Output, Does.Contain("Using GPU 0: CPUAccelerator (CPU)"));
        var caffe = CaffeLosses();
        var ours = run.OutputLines.Select(line => LossLine().Match(line)).Where(match => match.Success)
            .Select(match => (Iteration: int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), Loss: double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.That(ours.Select(point => point.Iteration), Is.EqualTo(Enumerable.Range(0, Iterations + 1)), "display: 1, and the loss after the last update");
        var worst = 0.0;
        var worstIteration = -1;
        foreach (var (iteration, loss) in ours)
        {
            var difference = Math.Abs(loss - caffe[iteration]) / Math.Abs(caffe[iteration]);
            if (difference > worst)
            {
                worst = difference;
                worstIteration = iteration;
            }
        }

        Assert.That(worst, Is.LessThanOrEqualTo(LossTolerance), $"worst relative difference at iteration {worstIteration}");
        Assert.That(ours[^1].Loss, Is.LessThan(ours[0].Loss / 5), "it learns");

        // The solver's history (SGD keeps its last step; the fixture has no momentum) lived on the device; the snapshot
        // after training brought it home.
        var state = Caffe.SolverState.Parser.ParseFrom(File.ReadAllBytes(_folder.File($"two_layer_iter_{Iterations}.solverstate")));
        Assert.That(state.History.Select(blob => blob.Data.Count), Is.EqualTo(new[] { 100 * 1000, 10 * 100 }));
        Assert.That(state.History.All(blob => blob.Data.Any(value => value != 0f)), Is.True, "the history is not zero");
    }

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

    [GeneratedRegex(@"solver\] Iteration (\d+)(?: \([^)]*\))?, loss = (\S+)$")]
    private static partial Regex LossLine();
}
