using Caffe;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// One net built twice, on the CPU and with the device (ILGPU's CPU accelerator), run side by side: every blob's data
/// and diff, every layer's blobs (learnable or statistics) and their diffs compared after each pass, within 1e-5 of the
/// blob's largest magnitude.
/// </summary>
internal static class DeviceComparison
{
    /// <summary>Builds <paramref name="net"/> on the CPU (device null) or with <paramref name="device"/>.</summary>
    public static Net Build(string net, LayerNet.Devices.IDevice? device, Phase phase = Phase.Train)
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var document = services.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(net, "net.prototxt");
        return new Net(document.Message, services.GetRequiredService<LayerFactory>(), new NetOptions
        {
            Source = document.Source,
            State = new NetState { Phase = phase },
            Random = new RandomSource(1701),
            Device = device,
        });
    }

    /// <summary>
    /// Runs <paramref name="passes"/> forward-backward passes of <paramref name="net"/> on both, comparing the losses
    /// and everything after each; after each device forward, the tops named in <paramref name="deviceTops"/> must
    /// hold values the device wrote (the host copy stale): the layers producing them ran on the device.
    /// </summary>
    /// <returns>The device's net, after the last pass.</returns>
    public static Net RunBoth(string net, Phase phase = Phase.Train, int passes = 1, params string[] deviceTops)
    {
        var cpu = Build(net, device: null, phase);
        var gpu = Build(net, CpuAccelerator.Device, phase);
        for (var pass = 0; pass < passes; pass++)
        {
            var cpuLoss = cpu.Forward();
            var gpuLoss = gpu.Forward();
            foreach (var name in deviceTops)
            {
                Assert.That(gpu.Blob(name).DataMemory.DeviceIsAhead, Is.True, $"'{name}' was written on the device (pass {pass})");
            }

            cpu.ClearParamDiffs();
            gpu.ClearParamDiffs();
            cpu.Backward();
            gpu.Backward();
            Assert.That(gpuLoss, Is.EqualTo(cpuLoss).Within(1e-5 * (1 + Math.Abs(cpuLoss))), $"loss (pass {pass})");
            AssertSame(cpu, gpu, $"pass {pass}");
        }

        return gpu;
    }

    /// <summary>
    /// Runs <paramref name="text"/> both ways and compares everything; <paramref name="onDevice"/> names blobs whose
    /// data the device must have written last (checked before anything is read back), <paramref name="diffOnDevice"/>
    /// blobs whose gradient it must have written last. With <paramref name="steps"/> above 1, both nets first take
    /// steps - 1 plain gradient steps (each parameter less its gradient), so later passes see the device's updates.
    /// </summary>
    public static void AssertSameAsCpu(string text, string[] onDevice, string[] diffOnDevice, int steps = 1)
    {
        var cpu = Build(text, device: null);
        var gpu = Build(text, CpuAccelerator.Device);
        for (var step = 1; step < steps; step++)
        {
            foreach (var net in new[] { cpu, gpu })
            {
                net.ClearParamDiffs();
                net.ForwardBackward();
                net.Update();
            }
        }

        cpu.ClearParamDiffs();
        gpu.ClearParamDiffs();
        var cpuLoss = cpu.ForwardBackward();
        var gpuLoss = gpu.ForwardBackward();

        foreach (var name in onDevice)
        {
            Assert.That(gpu.Blob(name).DataMemory.DeviceIsAhead, Is.True, $"{name} was computed on the device");
        }

        foreach (var name in diffOnDevice)
        {
            Assert.That(gpu.Blob(name).DiffMemory.DeviceIsAhead, Is.True, $"{name}'s gradient was computed on the device");
        }

        Assert.That(gpuLoss, Is.EqualTo(cpuLoss).Within(1e-5 * (1 + Math.Abs(cpuLoss))), "loss");
        for (var b = 0; b < cpu.Blobs.Count; b++)
        {
            var name = cpu.Blobs[b].Name;
            AssertClose(gpu.Blobs[b].Data.ToArray(), cpu.Blobs[b].Data.ToArray(), name);
            AssertClose(gpu.Blobs[b].Diff.ToArray(), cpu.Blobs[b].Diff.ToArray(), name + " diff");
        }

        for (var p = 0; p < cpu.LearnableParams.Count; p++)
        {
            var expected = cpu.LearnableParams[p].Diff.ToArray();
            Assert.That(expected.Any(v => v != 0f), Is.True, $"param {p} has a gradient to compare");
            AssertClose(gpu.LearnableParams[p].Diff.ToArray(), expected, $"param {p} diff");
        }
    }

    /// <summary>Every blob's data and diff, every layer blob's data and diff.</summary>
    public static void AssertSame(Net cpu, Net gpu, string when)
    {
        for (var b = 0; b < cpu.Blobs.Count; b++)
        {
            var name = cpu.Blobs[b].Name;
            AssertClose(gpu.Blobs[b].Data.ToArray(), cpu.Blobs[b].Data.ToArray(), $"{name} ({when})");
            AssertClose(gpu.Blobs[b].Diff.ToArray(), cpu.Blobs[b].Diff.ToArray(), $"{name} diff ({when})");
        }

        for (var l = 0; l < cpu.Layers.Count; l++)
        {
            for (var p = 0; p < cpu.Layers[l].Blobs.Count; p++)
            {
                var what = $"{cpu.Layers[l].Name} blob {p}";
                AssertClose(gpu.Layers[l].Blobs[p].Data.ToArray(), cpu.Layers[l].Blobs[p].Data.ToArray(), $"{what} ({when})");
                AssertClose(gpu.Layers[l].Blobs[p].Diff.ToArray(), cpu.Layers[l].Blobs[p].Diff.ToArray(), $"{what} diff ({when})");
            }
        }
    }

    /// <summary>Equal within 1e-5 of the largest magnitude of <paramref name="expected"/> (plus 1); NaN where it is NaN.</summary>
    public static void AssertClose(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var scale = expected.Where(float.IsFinite).Select(Math.Abs).DefaultIfEmpty(0f).Max();
        for (var i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]))
            {
                Assert.That(float.IsNaN(actual[i]), Is.True, $"{what}[{i}] is NaN on the CPU");
                continue;
            }

            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * (1 + scale)), $"{what}[{i}]");
        }
    }
}
