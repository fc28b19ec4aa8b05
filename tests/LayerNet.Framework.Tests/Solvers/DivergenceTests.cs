using Caffe;
using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>A learning rate far too large drives the loss to NaN; training stops with an error that says where.</summary>
public sealed class DivergenceTests
{
    // 1e3 overflows the loss to inf after a few iterations; 3e38 overflows the weights at once, so the first
    // layer's output is already NaN (inf - inf) and every later top too: the error must name the first.
    [TestCase("1e3")]
    [TestCase("3e38")]
    public void A_diverging_run_stops_naming_the_iteration_and_the_first_layer_with_a_non_finite_top(string learningRate)
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.Write(
            "solver.prototxt",
            $"net: 'net.prototxt' lr_policy: 'fixed' base_lr: {learningRate} max_iter: 100 display: 0 snapshot: 1 snapshot_prefix: 'd' random_seed: 1701 weights: 'init_iter_0.caffemodel'");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);

        var error = Assert.Throws<LayerNetException>(() => solver.Solve());

        // Find, independently, where the last forward pass first produced a non-finite value.
        var net = solver.Net;
        var first = Enumerable.Range(0, net.Layers.Count)
            .First(i => net.Tops[i].Any(top => top.Data.ToArray().Any(v => !float.IsFinite(v))));
        var top = net.Tops[first].First(blob => blob.Data.ToArray().Any(v => !float.IsFinite(v)));
        Assert.That(solver.Iteration, Is.GreaterThan(0).And.LessThan(100));
        Assert.That(error.Message, Does.Contain($"training diverged at iteration {solver.Iteration}"));
        Assert.That(error.Message, Does.Contain($"top '{top.Name}' of layer '{net.Layers[first].Name}' ({net.Layers[first].Type})"));

        // Every snapshot written before the divergence is complete and readable.
        for (var iteration = 1; iteration <= solver.Iteration; iteration++)
        {
            var state = SolverState.Parser.ParseFrom(File.ReadAllBytes(folder.File($"d_iter_{iteration}.solverstate")));
            var model = NetParameter.Parser.ParseFrom(File.ReadAllBytes(folder.File($"d_iter_{iteration}.caffemodel")));
            Assert.That(state.Iter, Is.EqualTo(iteration));
            Assert.That(model.Layer.Single(layer => layer.Name == "fc1").Blobs[0].Data, Has.Count.EqualTo(100 * 1000));
        }

        Assert.That(folder.Entries().Count(name => name.StartsWith("d_iter_", StringComparison.Ordinal)), Is.EqualTo(2 * solver.Iteration));
        Assert.That(folder.Entries().Where(name => name.StartsWith('.')), Is.Empty);
    }
}
