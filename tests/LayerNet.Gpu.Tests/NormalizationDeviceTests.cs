using Caffe;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// BatchNorm (batch and global statistics, the running averages, in place), Scale and Bias (learned or a second
/// bottom, axis, num_axes, scalar, bias_term, in place) on the device against the CPU, forward and backward.
/// </summary>
public sealed class NormalizationDeviceTests
{
    private static string BatchNormNet(string parameter, bool inPlace, string blobs = "") => $$"""
        name: "batchnorm"
        force_backward: true
        layer {
          name: "data" type: "DummyData" top: "x" top: "t"
          dummy_data_param { shape { dim: 3 dim: 5 dim: 3 dim: 3 } shape { dim: 3 dim: 5 dim: 3 dim: 3 } data_filler { type: "gaussian" std: 2 mean: 0.5 } data_filler { type: "gaussian" std: 1 } }
        }
        layer { name: "scale" type: "Scale" bottom: "x" top: "h" scale_param { filler { type: "uniform" min: 0.5 max: 1.5 } bias_term: true bias_filler { type: "uniform" min: -1 max: 1 } } }
        layer { name: "bn" type: "BatchNorm" bottom: "h" top: "{{(inPlace ? "h" : "y")}}" {{parameter}} {{blobs}} }
        layer { name: "loss" type: "EuclideanLoss" bottom: "{{(inPlace ? "h" : "y")}}" bottom: "t" top: "loss" }
        """;

    // Running sums for 5 channels with a scale factor of 2: mean M / 2, variance V / 2.
    private const string Statistics = """
        blobs { shape { dim: 5 } data: 1 data: -0.4 data: 0.6 data: 2 data: 0 }
        blobs { shape { dim: 5 } data: 2 data: 1.2 data: 8 data: 0.5 data: 3 }
        blobs { shape { dim: 1 } data: 2 }
        """;

    [TestCase(false)]
    [TestCase(true)]
    public void BatchNorm_with_batch_statistics_gives_the_cpus_values_gradients_and_running_averages(bool inPlace)
    {
        DeviceComparison.RunBoth(BatchNormNet("batch_norm_param { moving_average_fraction: 0.9 eps: 0.001 }", inPlace), passes: 3, deviceTops: [inPlace ? "h" : "y"]);
    }

    [Test]
    public void BatchNorm_of_items_by_channels_gives_the_cpus_values_gradients_and_running_averages()
    {
        var net = """
            name: "batchnorm2d"
            force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x" top: "t"
              dummy_data_param { shape { dim: 11 dim: 6 } shape { dim: 11 dim: 6 } data_filler { type: "gaussian" std: 3 mean: -1 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "h" bias_param { filler { type: "gaussian" std: 1 } } }
            layer { name: "bn" type: "BatchNorm" bottom: "h" top: "y" batch_norm_param { moving_average_fraction: 0.5 } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
            """;
        DeviceComparison.RunBoth(net, passes: 2, deviceTops: ["y"]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BatchNorm_with_global_statistics_gives_the_cpus_values_and_gradients(bool inPlace)
    {
        DeviceComparison.RunBoth(BatchNormNet("batch_norm_param { use_global_stats: true }", inPlace, Statistics), passes: 2, deviceTops: [inPlace ? "h" : "y"]);
    }

    [Test]
    public void BatchNorm_in_test_uses_the_global_statistics_and_with_use_global_stats_false_the_batchs()
    {
        DeviceComparison.RunBoth(BatchNormNet(string.Empty, inPlace: false, Statistics), Phase.Test, deviceTops: ["y"]);
        DeviceComparison.RunBoth(BatchNormNet("batch_norm_param { use_global_stats: false }", inPlace: false, Statistics), Phase.Test, passes: 2, deviceTops: ["y"]);
    }

    [Test]
    public void BatchNorm_after_training_on_the_device_tests_with_the_devices_running_averages()
    {
        // Train passes update the statistics on the device; a TEST pass of a net sharing them must read those.
        var net = BatchNormNet(string.Empty, inPlace: false);
        var cpu = DeviceComparison.Build(net, device: null);
        var gpu = DeviceComparison.Build(net, CpuAccelerator.Device);
        for (var pass = 0; pass < 2; pass++)
        {
            cpu.ForwardBackward();
            gpu.ForwardBackward();
        }

        var cpuTest = DeviceComparison.Build(net, device: null, Phase.Test);
        var gpuTest = DeviceComparison.Build(net, CpuAccelerator.Device, Phase.Test);
        cpuTest.ShareTrainedLayersWith(cpu);
        gpuTest.ShareTrainedLayersWith(gpu);
        cpuTest.Forward();
        gpuTest.Forward();
        DeviceComparison.AssertClose(gpuTest.Blob("y").Data.ToArray(), cpuTest.Blob("y").Data.ToArray(), "test output");
    }

    private static string Net(string layer, string extraShape = "shape { dim: 5 dim: 3 }") => $$"""
        name: "scale_bias"
        force_backward: true
        layer {
          name: "data" type: "DummyData" top: "x" top: "t" top: "p"
          dummy_data_param {
            shape { dim: 3 dim: 5 dim: 3 dim: 7 } shape { dim: 3 dim: 5 dim: 3 dim: 7 } {{extraShape}}
            data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -2 max: 2 }
          }
        }
        layer { name: "pre" type: "Power" bottom: "x" top: "h" power_param { scale: 1.5 shift: 0.1 } }
        layer { name: "pp" type: "Power" bottom: "p" top: "q" power_param { scale: 0.8 } }
        {{layer}}
        layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
        """;

    [TestCase("scale_param { bias_term: true filler { type: \"uniform\" min: -1 max: 2 } bias_filler { type: \"gaussian\" std: 1 } }")]
    [TestCase("scale_param { axis: 1 num_axes: 2 filler { type: \"uniform\" min: -1 max: 2 } }")]
    [TestCase("scale_param { axis: -1 filler { type: \"uniform\" min: -1 max: 2 } bias_term: true }")]
    [TestCase("scale_param { num_axes: 0 filler { type: \"constant\" value: 1.7 } bias_term: true bias_filler { type: \"constant\" value: -0.3 } }")]
    [TestCase("scale_param { axis: 0 num_axes: -1 filler { type: \"gaussian\" std: 1 } }")]
    public void Scale_with_a_learned_scale_gives_the_cpus_values_and_gradients(string parameter)
    {
        DeviceComparison.RunBoth(Net($"layer {{ name: \"scale\" type: \"Scale\" bottom: \"h\" top: \"y\" {parameter} }}"), passes: 2, deviceTops: ["y"]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Scale_by_a_second_bottom_gives_the_cpus_values_and_both_gradients(bool biasTerm)
    {
        var layer = $"layer {{ name: \"scale\" type: \"Scale\" bottom: \"h\" bottom: \"q\" top: \"y\" scale_param {{ axis: 1 bias_term: {(biasTerm ? "true" : "false")} bias_filler {{ type: \"gaussian\" std: 1 }} }} }}";
        DeviceComparison.RunBoth(Net(layer), passes: 2, deviceTops: ["y"]);
    }

    [Test]
    public void Scale_in_place_keeps_its_input_for_the_scales_gradient()
    {
        var layer = """
            layer { name: "scale" type: "Scale" bottom: "h" top: "h" scale_param { bias_term: true filler { type: "uniform" min: -1 max: 2 } bias_filler { type: "gaussian" std: 1 } } }
            layer { name: "y" type: "Power" bottom: "h" top: "y" }
            """;
        DeviceComparison.RunBoth(Net(layer), passes: 2, deviceTops: ["h", "y"]);
    }

    [TestCase("bias_param { filler { type: \"gaussian\" std: 1 } }", false)]
    [TestCase("bias_param { axis: 2 num_axes: 2 filler { type: \"gaussian\" std: 1 } }", false)]
    [TestCase("bias_param { num_axes: 0 filler { type: \"constant\" value: 0.4 } }", false)]
    [TestCase("bias_param { filler { type: \"gaussian\" std: 1 } }", true)]
    public void Bias_with_a_learned_bias_gives_the_cpus_values_and_gradients(string parameter, bool inPlace)
    {
        var layer = inPlace
            ? $"layer {{ name: \"bias\" type: \"Bias\" bottom: \"h\" top: \"h\" {parameter} }} layer {{ name: \"y\" type: \"Power\" bottom: \"h\" top: \"y\" }}"
            : $"layer {{ name: \"bias\" type: \"Bias\" bottom: \"h\" top: \"y\" {parameter} }}";
        DeviceComparison.RunBoth(Net(layer), passes: 2, deviceTops: inPlace ? ["h", "y"] : ["y"]);
    }

    [Test]
    public void Bias_by_a_second_bottom_gives_the_cpus_values_and_both_gradients()
    {
        var layer = "layer { name: \"bias\" type: \"Bias\" bottom: \"h\" bottom: \"q\" top: \"y\" }";
        DeviceComparison.RunBoth(Net(layer), passes: 2, deviceTops: ["y"]);
    }
}
