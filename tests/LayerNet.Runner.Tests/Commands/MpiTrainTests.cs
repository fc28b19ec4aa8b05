using System.Diagnostics;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>mpirun -np 2 layernet train</c>: two workers against one worker with <c>iter_size: 2</c>, bit for bit, on the
/// real executable under Open MPI (.ci/run installs openmpi-bin).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MpiTrainTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        RequireMpirun();
        _folder = Directory.CreateTempSubdirectory("layernet-mpi-").FullName;
    }

    [TearDown]
    public void DeleteFolder()
    {
        if (_folder.Length > 0)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public void Two_workers_write_the_snapshots_of_one_worker_with_iter_size_2()
    {
        var (alone, together) = AssertOneWorkerEqualsTwo(TwoLayerRun, "two_layer_iter_4.caffemodel", "two_layer_iter_8.caffemodel", "two_layer_iter_8.solverstate");

        // Worker 0 alone logs: as many "Optimization Done." lines and the same loss lines as the single worker.
        Assert.That(together.Output.Split("Optimization Done.").Length, Is.EqualTo(alone.Output.Split("Optimization Done.").Length), together.Output);
        Assert.That(LossLines(together.Output), Is.EqualTo(LossLines(alone.Output)).And.Not.Empty);
    }

    [Test]
    public void Two_workers_drawing_dropout_masks_write_the_snapshots_of_one_worker_with_iter_size_2()
    {
        // Each worker passes over the masks the other's pass draws, so its masks are those of its pass of one worker.
        string WithDropout(string name, string extra)
        {
            var folder = TwoLayerRun(name, extra);
            var net = Path.Combine(folder, "net.prototxt");
            File.WriteAllText(net, File.ReadAllText(net).Replace(
                "layer { name: \"sig\" type: \"Sigmoid\" bottom: \"h\" top: \"h\" }",
                "layer { name: \"sig\" type: \"Sigmoid\" bottom: \"h\" top: \"h\" }\nlayer { name: \"drop\" type: \"Dropout\" bottom: \"h\" top: \"h\" }",
                StringComparison.Ordinal));
            Assert.That(File.ReadAllText(net), Does.Contain("Dropout"));
            return folder;
        }

        AssertOneWorkerEqualsTwo(WithDropout, "two_layer_iter_4.caffemodel", "two_layer_iter_8.caffemodel", "two_layer_iter_8.solverstate");
    }

    [Test]
    public void Two_LeNet_workers_reading_their_own_batches_equal_one_worker_with_iter_size_2()
    {
        // Each worker reads every other batch of 64 from the Fashion-MNIST LMDB: worker 0 batches 0, 2, 4, ...,
        // worker 1 batches 1, 3, 5, ...; one worker with iter_size 2 reads 0 and 1, then 2 and 3, ...
        AssertOneWorkerEqualsTwo(LeNetRun, "lenet_iter_3.caffemodel", "lenet_iter_6.caffemodel", "lenet_iter_6.solverstate");
        var pair = Path.Combine(_folder, "pair");

        // Workers that both read every batch would sum two equal gradients: one worker alone, which this is not.
        var unsharded = LeNetRun("unsharded", string.Empty);
        Assert.That(Train(unsharded, workers: 1).ExitCode, Is.Zero);
        Assert.That(File.ReadAllBytes(Path.Combine(unsharded, "lenet_iter_6.caffemodel")), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(pair, "lenet_iter_6.caffemodel"))));
    }

    // Two workers, or one with iter_size 2: the same run, so a snapshot of either resumes on the other.
    [TestCase(2, 1)]
    [TestCase(1, 2)]
    public void A_run_resumes_on_another_worker_count_and_ends_where_an_uninterrupted_run_does(int before, int after)
    {
        static string Settings(int workers) => workers == 1 ? "iter_size: 2\n" : string.Empty;
        var started = TwoLayerRun("started", Settings(before));
        var resumed = TwoLayerRun("resumed", Settings(after));
        var whole = TwoLayerRun("whole", Settings(after));

        var first = Train(started, before, "--iterations", "4");
        File.Copy(Path.Combine(started, "two_layer_iter_4.caffemodel"), Path.Combine(resumed, "two_layer_iter_4.caffemodel"));
        File.Copy(Path.Combine(started, "two_layer_iter_4.solverstate"), Path.Combine(resumed, "two_layer_iter_4.solverstate"));
        var second = Train(resumed, after, "--snapshot", "two_layer_iter_4.solverstate");
        var uninterrupted = Train(whole, after);

        Assert.That(first.ExitCode, Is.Zero, first.Error);
        Assert.That(second.ExitCode, Is.Zero, second.Error);
        Assert.That(uninterrupted.ExitCode, Is.Zero, uninterrupted.Error);
        Assert.That(File.ReadAllBytes(Path.Combine(resumed, "two_layer_iter_8.caffemodel")), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, "two_layer_iter_8.caffemodel"))));
    }

    [Test]
    public void Workers_given_different_solver_files_are_refused_naming_the_one_that_differs()
    {
        var first = TwoLayerRun("first", string.Empty);
        var second = TwoLayerRun("second", "momentum: 0.9\n");

        var run = Launch(["-np", "1", "dotnet", RunnerProcess.Executable, "train", "--solver", Path.Combine(first, "solver.prototxt"),
            ":", "-np", "1", "dotnet", RunnerProcess.Executable, "train", "--solver", Path.Combine(second, "solver.prototxt")], first);

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Error, Does.Contain("the workers disagree: worker 1's solver differs from worker 0's (another solver or model file on that machine?); every worker must run the same files"));
    }

    [Test]
    public void A_worker_that_cannot_read_its_data_stops_every_worker_with_that_files_error()
    {
        // The same files on both "machines" (so the workers agree on them), but worker 1's copy of the data is cut short.
        var good = TwoLayerRun("good", string.Empty);
        var bad = TwoLayerRun("bad", string.Empty);
        var data = Path.Combine(bad, "data.h5");
        File.WriteAllBytes(data, File.ReadAllBytes(data)[..100]);

        var clock = Stopwatch.StartNew();
        var run = Launch(["-np", "1", "-wdir", good, "dotnet", RunnerProcess.Executable, "train", "--solver", "solver.prototxt",
            ":", "-np", "1", "-wdir", bad, "dotnet", RunnerProcess.Executable, "train", "--solver", "solver.prototxt"], good);

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "no worker is left waiting");
        var lines = run.Error.Split('\n').Where(l => l.StartsWith("worker 1: ", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), run.Error);
        Assert.That(lines[0], Does.Contain(data), "the failing worker names its file");
        Assert.That(run.Error, Does.Not.Contain("was lost"), "a worker that fails says so itself; the watch does not call it lost");
        Assert.That(run.Output, Does.Not.Contain("Iteration 0,"), "nobody trained");
    }

    // Worker 0 names a lost worker; worker 1 names worker 0 when worker 0 is the one lost.
    [TestCase(1, 0)]
    [TestCase(0, 1)]
    public void A_killed_worker_ends_the_run_and_a_survivor_names_it_and_the_snapshot_to_resume_from(int killed, int survivor)
    {
        var folder = LeNetRun("killed", string.Empty);
        File.WriteAllText(Path.Combine(folder, "solver.prototxt"), File.ReadAllText(Path.Combine(folder, "solver.prototxt"))
            .Replace("max_iter: 6", "max_iter: 100000", StringComparison.Ordinal)
            .Replace("snapshot: 3", "snapshot: 10", StringComparison.Ordinal)
            .Replace("display: 1", "display: 10", StringComparison.Ordinal));
        using var process = Start(["-np", "2", "dotnet", RunnerProcess.Executable, "train", "--solver", Path.Combine(folder, "solver.prototxt")], folder);
        var output = new System.Text.StringBuilder();
        var error = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (error) { error.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Once worker 0 has written a snapshot and the workers have summed once more, kill one as the machine
        // under it would.
        var clock = Stopwatch.StartNew();
        while (!Contains(output, "Iteration 20") && clock.Elapsed < TimeSpan.FromMinutes(1) && !process.HasExited)
        {
            Thread.Sleep(100);
        }

        var worker = WorkerProcess(killed, folder);
        Assert.That(worker, Is.Not.Null, $"worker {killed} is running: " + output + error);
        worker!.Kill();
        var ended = process.WaitForExit(TimeSpan.FromSeconds(30));
        if (!ended)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        var text = error.ToString();
        Assert.That(ended, Is.True, "the run ends within seconds");
        Assert.That(process.ExitCode, Is.Not.Zero);
        var line = $@"^worker {killed} was lost \(its connection to worker {survivor} closed: killed, out of memory, or its machine went down\) at iteration (\d+); resume from the last snapshot with: mpirun \.\.\. layernet train --solver .*solver\.prototxt --snapshot (\S*lenet_iter_(\d+)\.solverstate)$";
        var said = System.Text.RegularExpressions.Regex.Matches(text, line, System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(said, Has.Count.EqualTo(1), "one line, from one worker: " + text);
        Assert.That(text, Does.Not.Contain("the MPI launcher is ending the run"), "and no second line when the launcher stops the survivor");
        var iteration = int.Parse(said[0].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var snapshotIteration = int.Parse(said[0].Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(snapshotIteration, Is.GreaterThanOrEqualTo(10).And.LessThanOrEqualTo(iteration));
        var state = Caffe.SolverState.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, said[0].Groups[2].Value)));
        Assert.That(state.Iter, Is.EqualTo(snapshotIteration), "a whole snapshot, written atomically");
        Assert.That(File.Exists(Path.Combine(folder, state.LearnedNet)), Is.True);
    }

    private static bool Contains(System.Text.StringBuilder text, string value)
    {
        lock (text)
        {
            return text.ToString().Contains(value, StringComparison.Ordinal);
        }
    }

    /// <summary>The process of worker <paramref name="rank"/> of the run in <paramref name="folder"/>, found by its MPI rank and solver path.</summary>
    private static Process? WorkerProcess(int rank, string folder)
    {
        foreach (var process in Process.GetProcessesByName("dotnet"))
        {
            try
            {
                var cmdline = File.ReadAllText($"/proc/{process.Id}/cmdline");
                var environ = File.ReadAllText($"/proc/{process.Id}/environ").Split('\0');
                if (cmdline.Contains(folder, StringComparison.Ordinal) && environ.Contains($"OMPI_COMM_WORLD_RANK={rank}"))
                {
                    return process;
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return null;
    }

    /// <summary>
    /// Trains the run <paramref name="make"/> prepares twice, in folders "single" (one worker, iter_size 2) and "pair"
    /// (two workers), and asserts that both wrote <paramref name="files"/> byte for byte.
    /// </summary>
    private static ((int ExitCode, string Output, string Error) Alone, (int ExitCode, string Output, string Error) Together) AssertOneWorkerEqualsTwo(
        Func<string, string, string> make, params string[] files)
    {
        var single = make("single", "iter_size: 2\n");
        var pair = make("pair", string.Empty);

        var alone = Train(single, workers: 1);
        var together = Train(pair, workers: 2);

        Assert.That(alone.ExitCode, Is.Zero, alone.Error);
        Assert.That(together.ExitCode, Is.Zero, together.Error);
        Assert.That(together.Error, Does.Not.Contain("was lost"), "workers that end normally say goodbye to the watch");
        foreach (var file in files)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(pair, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(single, file))), file);
        }

        return (alone, together);
    }

    /// <summary>Starts <c>mpirun</c> as CI runs it: as root allowed, extra workers allowed on a small machine.</summary>
    private static Process Start(string[] arguments, string folder)
    {
        var start = new ProcessStartInfo("mpirun")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["--oversubscribe", "--bind-to", "none", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return Process.Start(start)!;
    }

    /// <summary>Runs <c>mpirun</c> to its end (2 minutes at most).</summary>
    private static (int ExitCode, string Output, string Error) Launch(string[] arguments, string folder)
    {
        using var process = Start(arguments, folder);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun did not finish in 2 minutes: {error.Result}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static (int ExitCode, string Output, string Error) Train(string folder, int workers, params string[] extra) =>
        Launch(["-np", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", RunnerProcess.Executable, "train", "--solver", "solver.prototxt", .. extra], folder);

    /// <summary>The lecture's two-layer net in its own folder: 8 iterations, snapshots every 4, and <paramref name="extra"/> solver lines.</summary>
    private string TwoLayerRun(string name, string extra)
    {
        var folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        foreach (var file in new[] { "net.prototxt", "data.h5", "data.txt" })
        {
            File.Copy(Fixtures.InRepository("models", "two_layer", file), Path.Combine(folder, file));
        }

        File.WriteAllText(Path.Combine(folder, "solver.prototxt"), $"""
            net: "net.prototxt"
            base_lr: 1e-4
            lr_policy: "fixed"
            max_iter: 8
            display: 2
            snapshot: 4
            snapshot_prefix: "two_layer"
            random_seed: 1701
            {extra}
            """);
        return folder;
    }

    /// <summary>The Fashion-MNIST LeNet of the fixtures, training on its LMDB in its own folder: 6 iterations, snapshots every 3.</summary>
    private string LeNetRun(string name, string extra)
    {
        var folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        var lmdb = Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb");
        var net = File.ReadAllText(Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt"))
            .Replace("source: \"fashion_mnist_train_lmdb\"", $"source: \"{lmdb}\"", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "lenet.prototxt"), net);
        File.WriteAllText(Path.Combine(folder, "solver.prototxt"), $"""
            net: "lenet.prototxt"
            base_lr: 0.01
            momentum: 0.9
            weight_decay: 0.0005
            lr_policy: "inv"
            gamma: 0.0001
            power: 0.75
            max_iter: 6
            display: 1
            snapshot: 3
            snapshot_prefix: "lenet"
            random_seed: 1701
            {extra}
            """);
        return folder;
    }

    private static string[] LossLines(string output) =>
        [.. output.Split('\n').Where(l => l.Contains("loss = ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim())
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\(.*? iter/s, .*?\)", "(rate)"))];

    private static void RequireMpirun()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        if (!path.Split(':').Any(folder => File.Exists(Path.Combine(folder, "mpirun"))))
        {
            Assert.Ignore("Open MPI's mpirun is not installed (apt-get install openmpi-bin); .ci/run installs it.");
        }
    }
}
