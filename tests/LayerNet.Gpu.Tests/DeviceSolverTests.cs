using System.Globalization;
using Caffe;
using LayerNet.Solvers;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// Every solver's update on the device (ILGPU's CPU accelerator) against the CPU solver: the same net and solver file
/// trained a few iterations with and without the device end with the same parameters, steps and history (snapshots
/// included), within float rounding; the device run keeps them on the device between iterations and is the same,
/// bit for bit, every time.
/// </summary>
[TestFixture]
public sealed class DeviceSolverTests
{
    private const int Iterations = 6;

    private static readonly (string Name, string Rule)[] Rules =
    [
        ("SGD", "type: 'SGD' base_lr: 0.05 momentum: 0.9"),
        ("Nesterov", "type: 'Nesterov' base_lr: 0.05 momentum: 0.9"),
        ("AdaGrad", "type: 'AdaGrad' base_lr: 0.05"),
        ("RMSProp", "type: 'RMSProp' base_lr: 0.01 rms_decay: 0.9"),
        ("AdaDelta", "type: 'AdaDelta' base_lr: 1 momentum: 0.95 delta: 1e-6"),
        ("Adam", "type: 'Adam' base_lr: 0.01 momentum: 0.9 momentum2: 0.999"),
    ];

    // clip_gradients 0.05 is below the gradients' norm here, so every iteration clips (the test checks the log says so).
    private const string Clipped = "weight_decay: 0.02 regularization_type: 'L2' iter_size: 2 clip_gradients: 0.05";
    private const string L1 = "weight_decay: 0.01 regularization_type: 'L1'";

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (name, rule) in Rules)
        {
            yield return new TestCaseData(rule, Clipped, true).SetName($"{{m}}({name}, L2 decay, iter_size 2, clip_gradients)");
            yield return new TestCaseData(rule, L1, false).SetName($"{{m}}({name}, L1 decay)");
        }

        yield return new TestCaseData("type: 'SGD' base_lr: 0.05", string.Empty, false).SetName("{m}(SGD without momentum or decay)");
        yield return new TestCaseData("solver_type: NESTEROV base_lr: 0.05 momentum: 0.5", "iter_size: 3 weight_decay: 0.001", false).SetName("{m}(Nesterov by solver_type, iter_size 3)");
    }

    [TestCaseSource(nameof(Cases))]
    public void The_device_update_gives_the_cpus_parameters(string rule, string extra, bool clips)
    {
        var parameter = SolverRun.Parameter(rule, extra);
        using var cpuLog = new StringWriter(CultureInfo.InvariantCulture);
        using var gpuLog = new StringWriter(CultureInfo.InvariantCulture);
        var cpu = SolverRun.Create(parameter, device: null, cpuLog);
        var gpu = SolverRun.Create(parameter, CpuAccelerator.Device, gpuLog);
        var initial = cpu.Net.LearnableParams.Select(p => p.Data.ToArray()).ToList();

        cpu.Step(Iterations);
        gpu.Step(Iterations);

        Assert.That(gpu.LastLoss, Is.EqualTo(cpu.LastLoss).Within(1e-5 * Math.Abs(cpu.LastLoss)), "the last loss");
        for (var p = 0; p < cpu.Net.LearnableParams.Count; p++)
        {
            var expected = cpu.Net.LearnableParams[p].Data.ToArray();
            Assert.That(expected, Is.Not.EqualTo(initial[p]), $"param {p} moved");
            SolverRun.AssertClose(gpu.Net.LearnableParams[p].Data.ToArray(), expected, $"param {p}");
            SolverRun.AssertClose(gpu.Net.LearnableParams[p].Diff.ToArray(), cpu.Net.LearnableParams[p].Diff.ToArray(), $"param {p}'s last step");
        }

        var cpuHistory = SolverRun.History(cpu);
        var gpuHistory = SolverRun.History(gpu);
        Assert.That(gpuHistory, Has.Count.EqualTo(cpuHistory.Count));
        for (var h = 0; h < cpuHistory.Count; h++)
        {
            SolverRun.AssertClose(gpuHistory[h].Data.ToArray(), cpuHistory[h].Data.ToArray(), $"history {h}");
        }

        var clipLines = Count(gpuLog.ToString(), "Gradient clipping: scaling down gradients");
        Assert.That(clipLines, Is.EqualTo(Count(cpuLog.ToString(), "Gradient clipping: scaling down gradients")), "clipped in the same iterations");
        Assert.That(clipLines, Is.EqualTo(clips ? Iterations : 0), "the clipping case clips every iteration");
    }

    [Test]
    public void Parameters_gradients_and_history_stay_on_the_device_between_iterations()
    {
        var parameter = SolverRun.Parameter(Rules[5].Rule, Clipped);
        var undisturbed = SolverRun.Create(parameter, CpuAccelerator.Device);
        var poisoned = SolverRun.Create(parameter, CpuAccelerator.Device);
        undisturbed.Step(Iterations);
        poisoned.Step(1);

        // From here on the host copies of parameters, gradients and history hold NaN. Were any of them sent to the
        // device, the training would go NaN; were any brought home, the NaN would be overwritten.
        var memories = poisoned.Net.LearnableParams.SelectMany(p => new[] { p.DataMemory, p.DiffMemory })
            .Concat(SolverRun.History(poisoned).Select(h => h.DataMemory)).ToList();
        foreach (var memory in memories)
        {
            Assert.That(memory.DeviceIsAhead, Is.True, "the device wrote last");
            Array.Fill(SolverRun.HostArray(memory), float.NaN);
        }

        var afterEach = new List<bool>();
        poisoned.IterationCompleted += solver => afterEach.Add(memories.All(memory => memory.DeviceIsAhead));
        poisoned.Step(Iterations - 1);

        Assert.That(afterEach, Has.Count.EqualTo(Iterations - 1).And.All.True, "the device held the latest values after every iteration");
        Assert.That(memories.All(memory => SolverRun.HostArray(memory).All(float.IsNaN)), Is.True, "nothing came home");
        for (var p = 0; p < undisturbed.Net.LearnableParams.Count; p++)
        {
            Assert.That(poisoned.Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(undisturbed.Net.LearnableParams[p].Data.ToArray()), $"param {p}");
        }

        Assert.That(poisoned.Net.LearnableParams[0].DataMemory.DeviceIsAhead, Is.False, "reading on the host brought the values home");
    }

    [TestCase(0)]
    [TestCase(4)]
    public void Two_device_runs_give_the_same_bits(int rule)
    {
        var parameter = SolverRun.Parameter(Rules[rule].Rule, Clipped);
        var first = SolverRun.Create(parameter, CpuAccelerator.Device);
        var second = SolverRun.Create(parameter, CpuAccelerator.Device);

        first.Step(Iterations);
        second.Step(Iterations);

        Assert.That(second.LastLoss, Is.EqualTo(first.LastLoss));
        for (var p = 0; p < first.Net.LearnableParams.Count; p++)
        {
            Assert.That(second.Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(first.Net.LearnableParams[p].Data.ToArray()), $"param {p}");
        }

        var history = SolverRun.History(first);
        for (var h = 0; h < history.Count; h++)
        {
            Assert.That(SolverRun.History(second)[h].Data.ToArray(), Is.EqualTo(history[h].Data.ToArray()), $"history {h}");
        }
    }

    [Test]
    public void A_snapshot_of_a_device_run_holds_the_cpus_weights_and_history_and_resumes_on_the_device()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-gpu-solver-").FullName;
        try
        {
            var cpuParameter = SolverRun.Parameter(Rules[5].Rule, L1, Path.Combine(folder, "cpu"));
            var gpuParameter = SolverRun.Parameter(Rules[5].Rule, L1, Path.Combine(folder, "gpu"));
            var cpu = SolverRun.Create(cpuParameter, device: null);
            var gpu = SolverRun.Create(gpuParameter, CpuAccelerator.Device);
            cpu.Step(Iterations);
            gpu.Step(Iterations);
            cpu.Snapshot();
            gpu.Snapshot();

            var cpuState = SolverState.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, $"cpu_iter_{Iterations}.solverstate")));
            var gpuState = SolverState.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, $"gpu_iter_{Iterations}.solverstate")));
            Assert.That(gpuState.History, Has.Count.EqualTo(cpuState.History.Count).And.Count.EqualTo(10));
            for (var h = 0; h < cpuState.History.Count; h++)
            {
                Assert.That(cpuState.History[h].Data.Any(v => v != 0f), Is.True, $"history {h} is not empty");
                SolverRun.AssertClose([.. gpuState.History[h].Data], [.. cpuState.History[h].Data], $"history {h}");
            }

            var cpuModel = NetParameter.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, $"cpu_iter_{Iterations}.caffemodel")));
            var gpuModel = NetParameter.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, $"gpu_iter_{Iterations}.caffemodel")));
            var cpuBlobs = cpuModel.Layer.SelectMany(layer => layer.Blobs).ToList();
            var gpuBlobs = gpuModel.Layer.SelectMany(layer => layer.Blobs).ToList();
            Assert.That(gpuBlobs, Has.Count.EqualTo(cpuBlobs.Count).And.Count.EqualTo(5));
            for (var b = 0; b < cpuBlobs.Count; b++)
            {
                SolverRun.AssertClose([.. gpuBlobs[b].Data], [.. cpuBlobs[b].Data], $"weights {b}");
            }

            // Each resumed from its own snapshot (a fresh generator draws other data than the straight run did): the
            // device run takes its history back from the file and goes on as the CPU's does.
            var cpuResumed = SolverRun.Create(cpuParameter, device: null);
            var gpuResumed = SolverRun.Create(gpuParameter, CpuAccelerator.Device);
            var fresh = SolverRun.Create(gpuParameter, CpuAccelerator.Device);
            cpuResumed.Restore(Path.Combine(folder, $"cpu_iter_{Iterations}.solverstate"));
            gpuResumed.Restore(Path.Combine(folder, $"gpu_iter_{Iterations}.solverstate"));
            fresh.Net.CopyTrainedLayersFrom(gpuModel);
            cpuResumed.Step(3);
            gpuResumed.Step(3);
            fresh.Step(3);
            Assert.That(gpuResumed.Iteration, Is.EqualTo(Iterations + 3));
            for (var p = 0; p < cpuResumed.Net.LearnableParams.Count; p++)
            {
                SolverRun.AssertClose(gpuResumed.Net.LearnableParams[p].Data.ToArray(), cpuResumed.Net.LearnableParams[p].Data.ToArray(), $"resumed param {p}");
            }

            // Guards the comparison: the same weights without the history (and at iteration 0) end elsewhere.
            Assert.That(fresh.Net.LearnableParams[0].Data.ToArray(), Is.Not.EqualTo(gpuResumed.Net.LearnableParams[0].Data.ToArray()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_rule_derived_outside_the_framework_updates_on_the_host_with_its_own_step()
    {
        var parameter = SolverRun.Parameter("type: 'SGD' base_lr: 0.01", L1);
        var cpu = new SignSgdSolver(parameter.Clone(), SolverRun.Options(device: null), SolverRun.Layers);
        var gpu = new SignSgdSolver(parameter.Clone(), SolverRun.Options(CpuAccelerator.Device), SolverRun.Layers);
        var plain = SolverRun.Create(parameter, CpuAccelerator.Device);

        cpu.Step(Iterations);
        gpu.Step(Iterations);
        plain.Step(Iterations);

        for (var p = 0; p < cpu.Net.LearnableParams.Count; p++)
        {
            SolverRun.AssertClose(gpu.Net.LearnableParams[p].Data.ToArray(), cpu.Net.LearnableParams[p].Data.ToArray(), $"param {p}");
        }

        Assert.That(gpu.Net.LearnableParams[0].Data.ToArray(), Is.Not.EqualTo(plain.Net.LearnableParams[0].Data.ToArray()), "its own step, not SGD's");
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
