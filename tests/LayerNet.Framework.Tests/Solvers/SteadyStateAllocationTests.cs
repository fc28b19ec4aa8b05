using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// DESIGN: shapes are set once, then forward, backward and the update run without allocating. A training
/// iteration that allocates turns into GC pauses over millions of iterations.
/// </summary>
public sealed class SteadyStateAllocationTests
{
    private static IEnumerable<TestCaseData> SolverTypes()
    {
        yield return new TestCaseData("type: 'SGD' momentum: 0.9 weight_decay: 0.001").SetName("{m}(SGD, L2)");
        yield return new TestCaseData("type: 'SGD' momentum: 0.9 weight_decay: 0.001 regularization_type: 'L1' clip_gradients: 1e9").SetName("{m}(SGD, L1, clip_gradients not reached)");
        yield return new TestCaseData("type: 'Nesterov' momentum: 0.9 lr_policy: 'multistep' stepvalue: 2 stepvalue: 1000").SetName("{m}(Nesterov, multistep)");
        yield return new TestCaseData("type: 'AdaGrad' lr_policy: 'step' stepsize: 3 gamma: 0.5").SetName("{m}(AdaGrad, step)");
        yield return new TestCaseData("type: 'RMSProp' lr_policy: 'inv' gamma: 0.01 power: 0.75").SetName("{m}(RMSProp, inv)");
        yield return new TestCaseData("type: 'AdaDelta' momentum: 0.95 base_lr: 1").SetName("{m}(AdaDelta)");
        yield return new TestCaseData("type: 'Adam' momentum: 0.9 iter_size: 2").SetName("{m}(Adam, iter_size 2)");
    }

    [TestCaseSource(nameof(SolverTypes))]
    public void Training_iterations_allocate_nothing_once_warm(string settings)
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var text = $"net: 'net.prototxt' {settings} max_iter: 1000 display: 0 test_interval: 0 snapshot: 0 random_seed: 1701 weights: 'init_iter_0.caffemodel'";
        if (!settings.Contains("lr_policy", StringComparison.Ordinal))
        {
            text += " lr_policy: 'fixed'";
        }

        if (!settings.Contains("base_lr", StringComparison.Ordinal))
        {
            text += " base_lr: 1e-5";
        }

        var solverFile = folder.Write("solver.prototxt", text);
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        for (var i = 0; i < 3; i++)
        {
            solver.Step(1);
        }

        var windows = AssertStepsAllocateNothing(solver);
        Assert.That(solver.Iteration, Is.EqualTo(3 + (50 * windows)));
    }

    /// <summary>
    /// Up to three windows of 50 iterations, one of which must allocate nothing; returns how many ran. An allocation
    /// per iteration shows in every window; a one-off runtime event on this thread (seen once, 8 KB, on a machine
    /// under heavy load: a JIT tier-up is the likely cause) shows in one window only and is not the training loop's doing.
    /// </summary>
    internal static int AssertStepsAllocateNothing(Solver solver)
    {
        var windows = new List<long>();
        while (windows.Count < 3 && !windows.Contains(0))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            solver.Step(50);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.That(windows.Min(), Is.Zero, $"bytes allocated in each window of 50 iterations: {string.Join(", ", windows)}");
        return windows.Count;
    }
}
