using Caffe;
using LayerNet.Layers;
using LayerNet.Fillers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// A net run with the device against the same net on the CPU: the layers with device kernels (InnerProduct, both
/// layouts, with and without bias; ReLU, leaky and in place; Sigmoid; TanH; Scale; EuclideanLoss) and the one without
/// (DummyData) side by side, so the blobs cross between host and device both ways within one pass.
/// </summary>
public sealed class DeviceNetTests
{
    private const string Net = """
        name: "mixed"
        layer {
          name: "data" type: "DummyData" top: "x" top: "y"
          dummy_data_param {
            shape { dim: 19 dim: 37 } shape { dim: 19 dim: 6 }
            data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -1 max: 1 }
          }
        }
        layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h1" inner_product_param { num_output: 29 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "uniform" min: -0.2 max: 0.2 } } }
        layer { name: "relu" type: "ReLU" bottom: "h1" top: "h1" relu_param { negative_slope: 0.1 } }
        layer { name: "fc2" type: "InnerProduct" bottom: "h1" top: "h2" inner_product_param { num_output: 18 transpose: true bias_term: false weight_filler { type: "gaussian" std: 0.3 } } }
        layer { name: "scale" type: "Scale" bottom: "h2" top: "s" scale_param { bias_term: true filler { type: "uniform" min: 0.5 max: 1.5 } } }
        layer { name: "sig" type: "Sigmoid" bottom: "s" top: "g" }
        layer { name: "fc3" type: "InnerProduct" bottom: "g" top: "h3" inner_product_param { num_output: 6 weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "constant" value: 0.1 } } }
        layer { name: "tanh" type: "TanH" bottom: "h3" top: "t" }
        layer { name: "relu2" type: "ReLU" bottom: "t" top: "r" }
        layer { name: "loss" type: "EuclideanLoss" bottom: "r" bottom: "y" top: "loss" }
        """;

    [Test]
    public void Forward_and_backward_on_the_device_give_the_cpus_loss_outputs_and_gradients()
    {
        var cpu = DeviceComparison.Build(Net, device: null);
        var gpu = DeviceComparison.Build(Net, CpuAccelerator.Device);

        var cpuLoss = cpu.ForwardBackward();
        var gpuLoss = gpu.ForwardBackward();

        Assert.That(gpuLoss, Is.EqualTo(cpuLoss).Within(1e-5 * Math.Abs(cpuLoss)));
        foreach (var name in new[] { "x", "h1", "h2", "g", "h3", "t", "r" })
        {
            DeviceComparison.AssertClose(gpu.Blob(name).Data.ToArray(), cpu.Blob(name).Data.ToArray(), name);
            DeviceComparison.AssertClose(gpu.Blob(name).Diff.ToArray(), cpu.Blob(name).Diff.ToArray(), name + " diff");
        }

        for (var p = 0; p < cpu.LearnableParams.Count; p++)
        {
            DeviceComparison.AssertClose(gpu.LearnableParams[p].Diff.ToArray(), cpu.LearnableParams[p].Diff.ToArray(), $"param {p} diff");
        }
    }

    [Test]
    public void The_device_computed_what_it_has_kernels_for_and_the_values_came_home_only_when_read()
    {
        var gpu = DeviceComparison.Build(Net, CpuAccelerator.Device);
        gpu.ForwardBackward();

        // fc1's weight gradient was last written by the device's kernel; the host copy is stale until read.
        var weight = gpu.LearnableParams[0];
        Assert.That(weight.DiffMemory.DeviceIsAhead, Is.True, "fc1's weight gradient is the device's");
        Assert.That(weight.Diff.ToArray().Any(v => v != 0f), Is.True);
        Assert.That(weight.DiffMemory.DeviceIsAhead, Is.False, "reading it on the host brought it home");

        // DummyData has no device kernels: its top was written on the host (and only read on the device).
        Assert.That(gpu.Blob("x").DataMemory.DeviceIsAhead, Is.False);
    }
}
