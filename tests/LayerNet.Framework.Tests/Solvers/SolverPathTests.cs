using LayerNet.Plugins;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Paths a solver file names (net, test_net, weights, snapshot_prefix) resolve against the working folder first, as
/// Caffe resolves them, then against the solver file's folder. These tests change the working folder, so they run
/// alone.
/// </summary>
[NonParallelizable]
public sealed class SolverPathTests
{
    private string _savedWorkingDirectory = string.Empty;

    [SetUp]
    public void SaveWorkingDirectory() => _savedWorkingDirectory = Environment.CurrentDirectory;

    [TearDown]
    public void RestoreWorkingDirectory() => Environment.CurrentDirectory = _savedWorkingDirectory;

    [Test]
    public void A_file_found_in_the_working_folder_wins_over_one_beside_the_solver()
    {
        using var root = new TemporaryFolder();
        Directory.CreateDirectory(root.File("solvers"));
        root.Write("net.prototxt", string.Empty);
        root.Write("solvers/net.prototxt", string.Empty);
        root.Write("solvers/only_here.prototxt", string.Empty);
        Environment.CurrentDirectory = root.Path;
        var options = new SolverOptions { SolverFile = Path.Combine("solvers", "solver.prototxt"), Schema = ParameterExtensions.None };

        Assert.That(options.Resolve("net.prototxt"), Is.EqualTo("net.prototxt"), "working folder first");
        Assert.That(options.Resolve("only_here.prototxt"), Is.EqualTo(Path.Combine("solvers", "only_here.prototxt")), "then the solver's folder");
        Assert.That(options.Resolve("missing.prototxt"), Is.EqualTo(Path.Combine("solvers", "missing.prototxt")), "a missing file is reported beside the solver");
    }

    [Test]
    public void A_snapshot_prefix_resolves_against_the_working_folder_when_its_folder_is_there()
    {
        using var root = new TemporaryFolder();
        Directory.CreateDirectory(root.File("examples/mnist"));
        Directory.CreateDirectory(root.File("solvers/out"));
        Environment.CurrentDirectory = root.Path;
        var options = new SolverOptions { SolverFile = Path.Combine("solvers", "solver.prototxt"), Schema = ParameterExtensions.None };

        Assert.That(options.ResolvePrefix("examples/mnist/lenet"), Is.EqualTo("examples/mnist/lenet"), "working folder first");
        Assert.That(options.ResolvePrefix("out/run"), Is.EqualTo(Path.Combine("solvers", "out/run")), "then the solver's folder");
        Assert.That(options.ResolvePrefix("run"), Is.EqualTo(Path.Combine("solvers", "run")), "a bare name lands beside the solver");
    }

    [Test]
    public void Caffes_examples_layout_trains_from_the_root_with_paths_relative_to_it()
    {
        // Caffe's examples/mnist: the solver sits in examples/mnist and names examples/mnist/... paths, run from the root.
        using var root = TemporaryFolder.WithTwoLayer();
        var example = Path.Combine("examples", "two_layer");
        Directory.CreateDirectory(root.File(example));
        foreach (var name in new[] { "net.prototxt", "init_iter_0.caffemodel" })
        {
            File.Move(root.File(name), root.File(Path.Combine(example, name)));
        }

        var solverFile = root.Write(
            Path.Combine(example, "solver.prototxt"),
            "net: 'examples/two_layer/net.prototxt' weights: 'examples/two_layer/init_iter_0.caffemodel' snapshot_prefix: 'examples/two_layer/run' "
            + "lr_policy: 'fixed' base_lr: 1e-4 max_iter: 2 display: 0 snapshot: 2 random_seed: 1701");
        Environment.CurrentDirectory = root.Path;

        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), Path.Combine(example, "solver.prototxt"));
        solver.Solve();

        Assert.That(File.Exists(root.File(Path.Combine(example, "run_iter_2.caffemodel"))), Is.True);
        Assert.That(Directory.Exists(root.File(Path.Combine(example, "examples"))), Is.False, "nothing resolved against the solver's folder");
    }
}
