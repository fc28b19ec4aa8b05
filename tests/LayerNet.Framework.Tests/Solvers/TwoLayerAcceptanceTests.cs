using System.Globalization;
using Caffe;
using LayerNet.Solvers;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Caffe's own run of the two-layer net (fixtures/caffe/two_layer): the same solver file, the same initial
/// weights and data must give Caffe's loss curve and Caffe's trained weights.
/// </summary>
public sealed class TwoLayerAcceptanceTests
{
    // Float32 sums in another order differ from Caffe's in the last bits; over 2000 iterations that stays
    // about 1e-5 relative. Caffe printed 6 significant digits, which is itself 5e-6 relative.
    private const double LossTolerance = 1e-3;

    // Each element of a blob is compared relative to max(|caffe|, 0.1 * rms(caffe blob)). Float32 rounding
    // leaves absolute differences of a few ulp of the blob's typical weight (O(1) here: gaussian std 1),
    // whatever an element's own size, so a weight near zero is measured against a tenth of the blob's scale.
    private const double WeightTolerance = 1e-4;
    private const double WeightFloorOfRms = 0.1;

    private TemporaryFolder _folder = null!;
    private string _log = string.Empty;
    private Solver _solver = null!;

    [OneTimeSetUp]
    public void TrainLikeCaffe()
    {
        _folder = TemporaryFolder.WithTwoLayer();
        (_solver, _log) = Train(_folder, maxIter: 2000, resumeFrom: null);
    }

    [OneTimeTearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public void The_loss_follows_Caffes_curve_at_every_iteration()
    {
        var caffe = File.ReadAllLines(Fixtures.File("caffe", "two_layer", "caffe_loss.csv"))
            .Select(line => line.Split(','))
            .Where(parts => parts.Length == 2 && int.TryParse(parts[0], out _))
            .Select(parts => (Iteration: int.Parse(parts[0], CultureInfo.InvariantCulture), Loss: TrainingRun.Number(parts[1])))
            .ToList();
        var ours = TrainingRun.LossLines(_log);

        Assert.That(caffe, Has.Count.EqualTo(2001));
        Assert.That(ours.Select(line => line.Iteration), Is.EqualTo(caffe.Select(point => point.Iteration)));
        var worst = 0.0;
        var worstIteration = -1;
        for (var i = 0; i < caffe.Count; i++)
        {
            var difference = Math.Abs(TrainingRun.Number(ours[i].Loss) - caffe[i].Loss) / Math.Abs(caffe[i].Loss);
            if (difference > worst)
            {
                worst = difference;
                worstIteration = caffe[i].Iteration;
            }
        }

        Assert.That(worst, Is.LessThanOrEqualTo(LossTolerance), $"worst relative difference at iteration {worstIteration}");
    }

    [Test]
    public void The_first_loss_is_Caffes_to_six_digits()
    {
        var first = TrainingRun.LossLines(_log)[0];

        Assert.That(first, Is.EqualTo((0, "37363.6")));
    }

    [Test]
    public void The_trained_weights_are_Caffes()
    {
        var ours = NetParameter.Parser.ParseFrom(File.ReadAllBytes(_folder.File("two_layer_iter_2000.caffemodel")));
        var caffe = NetParameter.Parser.ParseFrom(File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.caffemodel")));

        var caffeLayers = caffe.Layer.Where(layer => layer.Blobs.Count > 0).ToList();
        Assert.That(caffeLayers.Select(layer => layer.Name), Is.EqualTo(new[] { "fc1", "fc2" }));
        foreach (var caffeLayer in caffeLayers)
        {
            var ourLayer = ours.Layer.Single(layer => layer.Name == caffeLayer.Name);
            Assert.That(ourLayer.Blobs, Has.Count.EqualTo(caffeLayer.Blobs.Count), caffeLayer.Name);
            for (var b = 0; b < caffeLayer.Blobs.Count; b++)
            {
                var expected = caffeLayer.Blobs[b];
                var actual = ourLayer.Blobs[b];
                Assert.That(actual.Shape.Dim, Is.EqualTo(expected.Shape.Dim), $"{caffeLayer.Name} blob {b} shape");
                Assert.That(actual.Data, Has.Count.EqualTo(expected.Data.Count));
                var floor = WeightFloorOfRms * Math.Sqrt(expected.Data.Average(value => (double)value * value));
                var worst = 0.0;
                for (var i = 0; i < expected.Data.Count; i++)
                {
                    var difference = Math.Abs(actual.Data[i] - expected.Data[i]) / Math.Max(Math.Abs(expected.Data[i]), floor);
                    worst = Math.Max(worst, difference);
                }

                Assert.That(worst, Is.LessThanOrEqualTo(WeightTolerance), $"{caffeLayer.Name} blob {b}");
            }
        }
    }

    [Test]
    public void Stopping_at_1000_and_resuming_gives_the_same_weights_and_losses_as_the_straight_run()
    {
        using var resumedFolder = TemporaryFolder.WithTwoLayer();
        var (_, first) = Train(resumedFolder, maxIter: 1000, resumeFrom: null);
        var (resumed, log) = Train(resumedFolder, maxIter: 2000, resumeFrom: resumedFolder.File("two_layer_iter_1000.solverstate"));

        Assert.That(resumed.Iteration, Is.EqualTo(2000));
        Assert.That(
            File.ReadAllBytes(resumedFolder.File("two_layer_iter_2000.caffemodel")),
            Is.EqualTo(File.ReadAllBytes(_folder.File("two_layer_iter_2000.caffemodel"))),
            "the final weights, byte for byte");
        var straightLosses = TrainingRun.LossLines(_log).Where(line => line.Iteration >= 1000).ToList();
        Assert.That(TrainingRun.LossLines(log), Is.EqualTo(straightLosses), "iterations 1000..2000");
        Assert.That(straightLosses, Has.Count.EqualTo(1001));
        Assert.That(TrainingRun.LossLines(first)[^1], Is.EqualTo(straightLosses[0]), "the stopped run's last loss");
    }

    [Test]
    public void The_weights_moved_from_the_initial_ones()
    {
        // Guards the comparison above: the trained weights must differ from the start by far more than its tolerance.
        var initial = NetParameter.Parser.ParseFrom(File.ReadAllBytes(_folder.File("init_iter_0.caffemodel")));
        var trained = NetParameter.Parser.ParseFrom(File.ReadAllBytes(_folder.File("two_layer_iter_2000.caffemodel")));

        var before = initial.Layer.Single(layer => layer.Name == "fc2").Blobs[0].Data;
        var after = trained.Layer.Single(layer => layer.Name == "fc2").Blobs[0].Data;
        var largest = before.Zip(after, (b, a) => Math.Abs(a - b)).Max();

        Assert.That(largest, Is.GreaterThan(100 * WeightTolerance));
        Assert.That(_solver.Iteration, Is.EqualTo(2000));
    }

    /// <summary>Caffe's run: its solver file, started from its initial weights (caffe train --weights).</summary>
    private static (Solver Solver, string Log) Train(TemporaryFolder folder, int maxIter, string? resumeFrom)
    {
        var solverFile = folder.File("solver.prototxt");
        var solver0 = TrainingRun.ReadSolver(solverFile);
        var parameter = solver0.Message;
        parameter.Weights.Add("init_iter_0.caffemodel");
        parameter.MaxIter = maxIter;
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var solver = TrainingRun.Create(solver0, solverFile, log);
        solver.Solve(resumeFrom);
        return (solver, log.ToString());
    }
}
