namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// iter_size accumulates gradients over several forward/backward passes: two batches of 32 rows must train as one
/// batch of the same 64 rows (Caffe's CheckAccumulation), on the two_layer net with momentum and weight decay.
/// </summary>
public sealed class IterSizeTests
{
    private const string Settings = "net: 'NET' lr_policy: 'fixed' base_lr: 1e-4 momentum: 0.9 weight_decay: 0.01 max_iter: 5 display: 0 weights: 'init_iter_0.caffemodel' random_seed: 1701";

    // The runs differ only in the order of float32 sums (per half batch, then the two halves), about 1e-6 of a
    // gradient; 1e-4 of max(|w|, 0.1 rms) covers it with room, and is far below what a lost half batch moves.
    private const double Tolerance = 1e-4;

    [Test]
    public void Iter_size_2_of_batch_32_trains_like_batch_64()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var net = File.ReadAllText(folder.File("net.prototxt"));
        Assert.That(net, Does.Contain("batch_size: 64"));
        folder.Write("net32.prototxt", net.Replace("batch_size: 64", "batch_size: 32", StringComparison.Ordinal));

        var whole = Train(folder, "net.prototxt", iterSize: 1);
        var accumulated = Train(folder, "net32.prototxt", iterSize: 2);
        var half = Train(folder, "net32.prototxt", iterSize: 1);

        for (var p = 0; p < whole.Params.Length; p++)
        {
            var floor = 0.1 * Math.Sqrt(whole.Params[p].Average(v => (double)v * v));
            var worst = 0.0;
            var moved = 0.0;
            for (var i = 0; i < whole.Params[p].Length; i++)
            {
                var scale = Math.Max(Math.Abs(whole.Params[p][i]), floor);
                worst = Math.Max(worst, Math.Abs(accumulated.Params[p][i] - whole.Params[p][i]) / scale);
                moved = Math.Max(moved, Math.Abs(half.Params[p][i] - whole.Params[p][i]) / scale);
            }

            Assert.That(worst, Is.LessThanOrEqualTo(Tolerance), $"param {p}");
            Assert.That(moved, Is.GreaterThan(100 * Tolerance), $"param {p}: one half batch alone must train differently");
        }

        Assert.That(accumulated.Losses, Is.EqualTo(whole.Losses).Within(1e-4).Percent);
    }

    private static (float[][] Params, List<float> Losses) Train(TemporaryFolder folder, string net, int iterSize)
    {
        var solverFile = folder.Write($"solver_{Path.GetFileNameWithoutExtension(net)}_{iterSize}.prototxt", Settings.Replace("NET", net, StringComparison.Ordinal) + $" iter_size: {iterSize}");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        var losses = new List<float>();
        solver.IterationCompleted += s => losses.Add(s.LastLoss);
        solver.Step(5);
        return ([.. solver.Net.LearnableParams.Select(p => p.Data.ToArray())], losses);
    }
}
