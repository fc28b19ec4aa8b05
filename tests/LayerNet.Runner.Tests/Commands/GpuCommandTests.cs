using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>--gpu N</c>, <c>solver_mode: GPU</c> and <c>device-query</c> with <c>LAYERNET_GPU_BACKEND=cpu</c>: ILGPU's CPU
/// accelerator is device 0 and runs the GPU code path (the kernels a GPU runs, the blobs' host and device copies).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GpuCommandTests
{
    private CpuAcceleratorScope _backend = null!;
    private string _folder = string.Empty;

    [SetUp]
    public void UseTheCpuAccelerator()
    {
        _backend = new CpuAcceleratorScope();
        _folder = Directory.CreateTempSubdirectory("layernet-gpu-").FullName;
        foreach (var file in new[] { "net.prototxt", "data.h5", "data.txt" })
        {
            File.Copy(LayerNet.Testing.Fixtures.InRepository("models", "two_layer", file), Path.Combine(_folder, file));
        }
    }

    [TearDown]
    public void Restore()
    {
        _backend.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public void Training_on_the_device_follows_the_cpus_loss_curve()
    {
        var solver = Solver(string.Empty);
        var cpu = CommandRun.Run("train", "--solver", solver, "--iterations", "30");
        var gpu = CommandRun.Run("train", "--solver", solver, "--iterations", "30", "--gpu", "0");

        Assert.That(cpu.ExitCode, Is.Zero, cpu.Error);
        Assert.That(gpu.ExitCode, Is.Zero, gpu.Error);
        Assert.That(gpu.Output, Does.Contain("Using GPU 0: CPUAccelerator (CPU)"));
        var expected = Losses(cpu.Output);
        var actual = Losses(gpu.Output);
        Assert.That(actual, Has.Count.EqualTo(expected.Count).And.Count.EqualTo(3), gpu.Output);
        for (var i = 0; i < expected.Count; i++)
        {
            // The device sums each product in another order than the CPU's blocked kernels: float rounding apart.
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-4 * expected[i]), $"display {i}");
        }

        Assert.That(expected[^1], Is.LessThan(expected[0] / 2), "it learns");
    }

    [Test]
    public void The_solvers_solver_mode_GPU_picks_device_id_and_falls_back_to_the_cpu_with_a_notice()
    {
        var onDevice = CommandRun.Run("train", "--solver", Solver("solver_mode: GPU\ndevice_id: 0\n"), "--iterations", "2");
        var missing = CommandRun.Run("train", "--solver", Solver("solver_mode: GPU\ndevice_id: 3\n"), "--iterations", "2");

        Assert.That(onDevice.ExitCode, Is.Zero, onDevice.Error);
        Assert.That(onDevice.Output, Does.Contain("Using GPU 0: CPUAccelerator (CPU)"));
        Assert.That(missing.ExitCode, Is.Zero, missing.Error);
        Assert.That(missing.Error, Does.Contain("notice: the solver asks for solver_mode GPU, device_id 3, but only 1 device was found (0 to 0) (backends tried: ILGPU's CPU accelerator)"));
        Assert.That(missing.Error, Does.Contain("training on the CPU."));
        Assert.That(missing.Output, Does.Not.Contain("Using GPU"));
    }

    [TestCase("5", "--gpu 5: only 1 device was found (0 to 0) (backends tried: ILGPU's CPU accelerator); LAYERNET_GPU_BACKEND=cpu runs the GPU code path")]
    [TestCase("all", "--gpu all: LayerNet runs one device per process; to train on several devices or machines, run one worker each with mpirun")]
    [TestCase("0,1", "--gpu 0,1: LayerNet runs one device per process")]
    [TestCase("first", "--gpu first: give a device number")]
    public void A_gpu_that_is_not_there_or_several_are_one_line(string gpu, string expected)
    {
        CommandRun.Run("train", "--solver", Solver(string.Empty), "--gpu", gpu).AssertOneLineError(expected);
    }

    [Test]
    public void An_unknown_backend_is_one_line()
    {
        Environment.SetEnvironmentVariable("LAYERNET_GPU_BACKEND", "vulkan");
        CommandRun.Run("train", "--solver", Solver(string.Empty), "--gpu", "0")
            .AssertOneLineError("LAYERNET_GPU_BACKEND=vulkan: the backends are cuda, opencl and cpu");
    }

    [Test]
    public void Device_query_lists_the_cpu_accelerator_as_device_0()
    {
        var run = CommandRun.Run("device-query");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Does.Contain("Device id:                     0"));
        Assert.That(run.OutputLines, Does.Contain("Backend:                       CPU"));
    }

    [Test]
    public void Time_and_test_run_on_the_device()
    {
        var time = CommandRun.Run("time", "--model", Path.Combine(_folder, "net.prototxt"), "--iterations", "2", "--warmup", "1", "--gpu", "0");
        var test = CommandRun.Run("test", "--model", Path.Combine(_folder, "net.prototxt"), "--iterations", "2", "--gpu", "0");
        var cpuTest = CommandRun.Run("test", "--model", Path.Combine(_folder, "net.prototxt"), "--iterations", "2");

        Assert.That(time.ExitCode, Is.Zero, time.Error);
        Assert.That(time.Output, Does.Contain("fc1").And.Contain("Average Forward-Backward"));
        Assert.That(test.ExitCode, Is.Zero, test.Error);
        var score = Regex.Match(test.Output, @"loss = ([0-9.e+-]+) \(").Groups[1].Value;
        var cpuScore = Regex.Match(cpuTest.Output, @"loss = ([0-9.e+-]+) \(").Groups[1].Value;
        Assert.That(double.Parse(score, CultureInfo.InvariantCulture), Is.EqualTo(double.Parse(cpuScore, CultureInfo.InvariantCulture)).Within(1e-4).Percent, test.Output);
    }

    private string Solver(string extra)
    {
        var path = Path.Combine(_folder, "solver.prototxt");
        File.WriteAllText(path, $"net: \"net.prototxt\"\nbase_lr: 1e-4\nlr_policy: \"fixed\"\ndisplay: 10\nmax_iter: 30\nrandom_seed: 1701\nsnapshot_after_train: false\n{extra}");
        return path;
    }

    private static List<double> Losses(string output) =>
        [.. Regex.Matches(output, @"Iteration \d+ \(.*?\), loss = ([0-9.e+-]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
}
