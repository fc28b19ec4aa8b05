using Caffe;
using LayerNet.Errors;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Snapshots are Caffe's files: <c>&lt;prefix&gt;_iter_N.caffemodel</c> (NetParameter) and
/// <c>&lt;prefix&gt;_iter_N.solverstate</c> (SolverState), the prefix relative to the solver file's folder, and
/// each written atomically.
/// </summary>
public sealed class SnapshotTests
{
    private const string Settings = "net: 'net.prototxt' lr_policy: 'fixed' base_lr: 1e-4 momentum: 0.9 max_iter: 4 display: 0 snapshot: 2 random_seed: 1701 weights: 'init_iter_0.caffemodel'";

    [Test]
    public void Snapshots_are_named_by_prefix_and_iteration_and_load_as_Caffes_messages()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        Directory.CreateDirectory(folder.File("out"));
        var solver = Create(folder, "solver_a.prototxt", Settings + " snapshot_prefix: 'out/run'");

        solver.Solve();

        Assert.That(Directory.GetFiles(folder.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal), Is.EqualTo(new[]
        {
            "run_iter_2.caffemodel", "run_iter_2.solverstate", "run_iter_4.caffemodel", "run_iter_4.solverstate",
        }));
        foreach (var iteration in new[] { 2, 4 })
        {
            var model = folder.File($"out/run_iter_{iteration}.caffemodel");
            var state = SolverState.Parser.ParseFrom(File.ReadAllBytes(folder.File($"out/run_iter_{iteration}.solverstate")));
            Assert.That(state.Iter, Is.EqualTo(iteration));
            Assert.That(Path.GetFullPath(state.LearnedNet), Is.EqualTo(model));
            Assert.That(state.History, Has.Count.EqualTo(2), "one momentum blob per learnable parameter");
            Assert.That(state.History.Select(blob => blob.Shape.Dim.ToArray()), Is.EqualTo(new[] { new long[] { 100, 1000 }, [10, 100] }));
            Assert.That(state.CurrentStep, Is.Zero);
            var net = NetParameter.Parser.ParseFrom(File.ReadAllBytes(model));
            Assert.That(net.Name, Is.EqualTo("TwoLayerNet"));
            Assert.That(net.Layer.Where(layer => layer.Blobs.Count > 0).Select(layer => layer.Name), Is.EqualTo(new[] { "fc1", "fc2" }));
        }

        var final = NetParameter.Parser.ParseFrom(File.ReadAllBytes(folder.File("out/run_iter_4.caffemodel")));
        Assert.That(final.Layer.Single(layer => layer.Name == "fc2").Blobs[0].Data, Is.EqualTo(solver.Net.LearnableParams[1].Data.ToArray()));
        Assert.That(File.Exists(Path.Combine(Environment.CurrentDirectory, "out", "run_iter_2.caffemodel")), Is.False, "the prefix is relative to the solver file, not the working folder");
    }

    [Test]
    public void Without_a_prefix_snapshots_take_the_solver_files_path_without_extension()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solver = Create(folder, "my_solver.prototxt", Settings);

        solver.Solve();

        Assert.That(solver.SnapshotPrefix, Is.EqualTo(folder.File("my_solver")));
        Assert.That(folder.Entries().Where(name => name.StartsWith("my_solver_iter_", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "my_solver_iter_2.caffemodel", "my_solver_iter_2.solverstate", "my_solver_iter_4.caffemodel", "my_solver_iter_4.solverstate",
        }));
    }

    [Test]
    public void A_prefix_naming_a_folder_puts_the_snapshots_in_it_under_the_solver_files_name()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        Directory.CreateDirectory(folder.File("snapshots"));
        var solver = Create(folder, "my_solver.prototxt", Settings + " snapshot_prefix: 'snapshots'");

        solver.Step(2);

        Assert.That(Directory.GetFiles(folder.File("snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal), Is.EqualTo(new[]
        {
            "my_solver_iter_2.caffemodel", "my_solver_iter_2.solverstate",
        }));
    }

    [Test]
    public void Snapshot_after_train_writes_the_last_iteration_once()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solver = Create(folder, "s.prototxt", Settings.Replace("max_iter: 4", "max_iter: 3", StringComparison.Ordinal) + " snapshot_prefix: 'p'");

        solver.Solve();

        Assert.That(folder.Entries().Where(name => name.StartsWith("p_iter_", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "p_iter_2.caffemodel", "p_iter_2.solverstate", "p_iter_3.caffemodel", "p_iter_3.solverstate",
        }));
    }

    [Test]
    public void Adam_and_AdaDelta_keep_two_history_blobs_per_parameter()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        foreach (var type in new[] { "Adam", "AdaDelta" })
        {
            var solver = Create(folder, $"{type}.prototxt", Settings.Replace("momentum: 0.9", "momentum: 0.9 type: '" + type + "'", StringComparison.Ordinal));
            solver.Step(2);

            var state = SolverState.Parser.ParseFrom(File.ReadAllBytes(folder.File($"{type}_iter_2.solverstate")));

            Assert.That(state.History.Select(blob => blob.Shape.Dim.ToArray()), Is.EqualTo(new[] { new long[] { 100, 1000 }, [10, 100], [100, 1000], [10, 100] }), type);
        }
    }

    [Test]
    public void A_failed_write_leaves_the_previous_file_intact_and_no_partial_file()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solver = Create(folder, "s.prototxt", Settings.Replace("snapshot: 2", "snapshot: 0", StringComparison.Ordinal) + " snapshot_prefix: 'p'");
        solver.Step(2);
        solver.Snapshot();
        var model2 = File.ReadAllBytes(folder.File("p_iter_2.caffemodel"));
        var state2 = File.ReadAllBytes(folder.File("p_iter_2.solverstate"));
        solver.Step(1);

        // Running as root ignores permission bits; a folder sitting where the temporary file goes fails the write
        // for anyone. The target itself already holds an older file that must survive.
        var target = folder.File("p_iter_3.caffemodel");
        File.WriteAllText(target, "the previous contents");
        var blocker = folder.File($".p_iter_3.caffemodel.{Environment.ProcessId}.tmp");
        Directory.CreateDirectory(blocker);

        var error = Assert.Throws<LayerNetException>(solver.Snapshot);

        Assert.That(error.Message, Does.Contain("p_iter_3.caffemodel"));
        Assert.That(File.ReadAllText(target), Is.EqualTo("the previous contents"));
        Assert.That(File.ReadAllBytes(folder.File("p_iter_2.caffemodel")), Is.EqualTo(model2));
        Assert.That(File.ReadAllBytes(folder.File("p_iter_2.solverstate")), Is.EqualTo(state2));
        Assert.That(File.Exists(folder.File("p_iter_3.solverstate")), Is.False, "no state for a model that was not written");
        Assert.That(Directory.GetFiles(folder.Path, ".*"), Is.Empty, "no temporary file left behind");
        Assert.That(Directory.Exists(blocker), Is.True);
    }

    [Test]
    public void A_failed_state_write_leaves_no_partial_state_file()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solver = Create(folder, "s.prototxt", Settings.Replace("snapshot: 2", "snapshot: 0", StringComparison.Ordinal) + " snapshot_prefix: 'p'");
        solver.Step(1);
        Directory.CreateDirectory(folder.File($".p_iter_1.solverstate.{Environment.ProcessId}.tmp"));

        var error = Assert.Throws<LayerNetException>(solver.Snapshot);

        Assert.That(error.Message, Does.Contain("p_iter_1.solverstate"));
        Assert.That(File.Exists(folder.File("p_iter_1.solverstate")), Is.False);
        Assert.That(Directory.GetFiles(folder.Path, ".*"), Is.Empty, "no temporary file left behind");
    }

    private static Solver Create(TemporaryFolder folder, string solverName, string text)
    {
        var solverFile = folder.Write(solverName, text);
        return TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
    }
}
