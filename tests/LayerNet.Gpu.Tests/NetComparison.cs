using Caffe;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// A net built twice from one text, on the CPU and with the device (ILGPU's CPU accelerator), run forward and
/// backward, every blob's data and diff and every parameter's diff compared.
/// </summary>
internal static class NetComparison
{
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

    /// <summary>Each element within 1e-5 of the largest magnitude of <paramref name="expected"/> (plus 1e-5).</summary>
    public static void AssertClose(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var scale = expected.Select(Math.Abs).DefaultIfEmpty(0f).Max();
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(actual[i] - expected[i]) > 1e-5 * (1 + scale))
            {
                Assert.Fail($"{what}[{i}]: {actual[i]} on the device, {expected[i]} on the CPU (largest {scale})");
            }
        }
    }

    /// <summary>The net of <paramref name="text"/> in <paramref name="phase"/>, seeded alike every time.</summary>
    public static Net Build(string text, LayerNet.Devices.IDevice? device, Phase phase = Phase.Train)
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var document = services.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(text, "net.prototxt");
        return new Net(document.Message, services.GetRequiredService<LayerFactory>(), new NetOptions
        {
            Source = document.Source,
            State = new NetState { Phase = phase },
            Random = new RandomSource(1701),
            Device = device,
        });
    }
}
