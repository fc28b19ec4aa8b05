using System.Globalization;
using Caffe;
using LayerNet.Solvers;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// A run stopped at a snapshot and resumed from its .solverstate continues exactly as if it had never stopped
/// (DESIGN: determinism), and a snapshot Caffe wrote resumes here.
/// </summary>
public sealed class ResumeTests
{
    private static IEnumerable<TestCaseData> Runs()
    {
        // Caffe's own two_layer settings, 1000 + 1000, are in TwoLayerAcceptanceTests (it reuses that straight run).
        yield return new TestCaseData("lr_policy: 'multistep' stepvalue: 5 stepvalue: 15 stepvalue: 35 gamma: 0.5 base_lr: 2e-5 momentum: 0.9 weight_decay: 0.001", 50)
            .SetName("{m}(SGD with momentum and multistep, 25 + 25)");
        yield return new TestCaseData("type: 'Nesterov' lr_policy: 'step' stepsize: 15 gamma: 0.5 base_lr: 2e-5 momentum: 0.9", 40).SetName("{m}(Nesterov, 20 + 20)");
        yield return new TestCaseData("type: 'Adam' lr_policy: 'fixed' base_lr: 1e-3 momentum: 0.9 momentum2: 0.999", 40).SetName("{m}(Adam, 20 + 20)");
        yield return new TestCaseData("type: 'AdaDelta' lr_policy: 'fixed' base_lr: 1 momentum: 0.95 delta: 1e-6", 40).SetName("{m}(AdaDelta, 20 + 20)");
        yield return new TestCaseData("type: 'RMSProp' lr_policy: 'fixed' base_lr: 1e-3 rms_decay: 0.9", 40).SetName("{m}(RMSProp, 20 + 20)");
        yield return new TestCaseData("type: 'AdaGrad' lr_policy: 'fixed' base_lr: 1e-2", 40).SetName("{m}(AdaGrad, 20 + 20)");
    }

    [TestCaseSource(nameof(Runs))]
    public void Resuming_from_the_midway_snapshot_gives_the_straight_runs_weights_and_losses(string settings, int iterations)
    {
        var half = iterations / 2;
        using var straightFolder = TemporaryFolder.WithTwoLayer();
        using var resumedFolder = TemporaryFolder.WithTwoLayer();

        var straight = Solve(straightFolder, settings, iterations, resumeFrom: null);
        var first = Solve(resumedFolder, settings, half, resumeFrom: null);
        Assert.That(History(resumedFolder, half).SelectMany(blob => blob), Has.Some.Not.EqualTo(0f), "the snapshot carries history");
        var resumed = Solve(resumedFolder, settings, iterations, resumeFrom: resumedFolder.File($"two_layer_iter_{half}.solverstate"));

        Assert.That(
            File.ReadAllBytes(resumedFolder.File($"two_layer_iter_{iterations}.caffemodel")),
            Is.EqualTo(File.ReadAllBytes(straightFolder.File($"two_layer_iter_{iterations}.caffemodel"))),
            "the final weights, byte for byte");
        var straightLosses = TrainingRun.LossLines(straight).Where(line => line.Iteration >= half).ToList();
        var resumedLosses = TrainingRun.LossLines(resumed);
        Assert.That(resumedLosses, Has.Count.EqualTo(iterations - half + 1));
        Assert.That(resumedLosses, Is.EqualTo(straightLosses), "the losses after the snapshot");
        Assert.That(TrainingRun.LossLines(first)[^1], Is.EqualTo(straightLosses[0]), "the first run's final loss is the straight run's at the snapshot");
        Assert.That(History(resumedFolder, iterations), Is.EqualTo(History(straightFolder, iterations)), "the final solver history");
        Assert.That(resumed, Does.Contain($"Restoring previous solver status from {resumedFolder.File($"two_layer_iter_{half}.solverstate")}"));
    }

    [Test]
    public void Caffes_final_snapshot_restores_and_training_continues_from_its_loss()
    {
        var solverFile = Fixtures.File("caffe", "two_layer", "solver.prototxt");
        var document = TrainingRun.ReadSolver(solverFile);
        document.Message.SnapshotAfterTrain = false;
        var solver = TrainingRun.Create(document, solverFile);
        var losses = new List<float>();
        solver.IterationCompleted += s => losses.Add(s.LastLoss);

        // learned_net inside names "two_layer_iter_2000.caffemodel", relative; Restore finds it beside the state.
        solver.Restore(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate"));
        Assert.That((solver.Iteration, solver.CurrentStep), Is.EqualTo((2000, 0)));
        solver.Step(5);

        // Caffe's log ends "Iteration 2000, loss = 5.79263": a forward pass on these very weights and data, so
        // only float32 summation order (1e-6) and the log's 6 digits (1e-6) separate it from ours.
        Assert.That(losses[0], Is.EqualTo(5.79263).Within(1e-5 * 5.79263));
        for (var i = 1; i < losses.Count; i++)
        {
            Assert.That(losses[i], Is.LessThan(losses[i - 1]).And.GreaterThan(0.99 * losses[i - 1]), $"iteration {2000 + i}: still descending smoothly");
        }

        Assert.That(solver.Iteration, Is.EqualTo(2005));
    }

    [Test]
    public void Caffes_snapshot_weights_are_loaded_not_the_initial_ones()
    {
        var solverFile = Fixtures.File("caffe", "two_layer", "solver.prototxt");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);

        solver.Restore(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate"));

        var caffe = NetParameter.Parser.ParseFrom(File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.caffemodel")));
        Assert.That(solver.Net.LearnableParams[0].Data.ToArray(), Is.EqualTo(caffe.Layer.Single(l => l.Name == "fc1").Blobs[0].Data));
        Assert.That(solver.Net.LearnableParams[1].Data.ToArray(), Is.EqualTo(caffe.Layer.Single(l => l.Name == "fc2").Blobs[0].Data));
    }

    private static string Solve(TemporaryFolder folder, string settings, int maxIter, string? resumeFrom)
    {
        var solverFile = folder.Write(
            $"solver_{maxIter}.prototxt",
            $"net: 'net.prototxt' {settings} max_iter: {maxIter} display: 1 snapshot: 0 snapshot_prefix: 'two_layer' random_seed: 1701 weights: 'init_iter_0.caffemodel'");
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile, log);
        solver.Solve(resumeFrom);
        Assert.That(solver.Iteration, Is.EqualTo(maxIter));
        return log.ToString();
    }

    private static List<float[]> History(TemporaryFolder folder, int iteration) =>
        [.. SolverState.Parser.ParseFrom(File.ReadAllBytes(folder.File($"two_layer_iter_{iteration}.solverstate"))).History.Select(blob => blob.Data.ToArray())];
}
