using Caffe;
using LayerNet.Layers.Vision;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// The vision layers on the device (Convolution, Deconvolution, Pooling, LRN) against the CPU layers: small nets with
/// odd sizes and several items, forward and backward (force_backward, so the input gradients are compared too), and
/// the cases the device declines still giving the CPU's answer.
/// </summary>
public sealed class VisionDeviceTests
{
    // type, convolution_param, bottom shape (n c h w).
    private static readonly object[] Convolutions =
    [
        new object[] { "Convolution", "num_output: 5 kernel_size: 3 pad: 1 stride: 2 dilation: 2", "2 4 9 11" },
        new object[] { "Convolution", "num_output: 6 kernel_h: 3 kernel_w: 2 pad_h: 2 pad_w: 0 stride_h: 1 stride_w: 3 group: 2", "3 4 7 10" },
        new object[] { "Convolution", "num_output: 4 kernel_size: 1 bias_term: false", "2 3 5 7" },
        new object[] { "Convolution", "num_output: 8 kernel_size: 1 group: 2", "2 4 5 5" },
        new object[] { "Convolution", "num_output: 6 kernel_size: 3 pad: 1 group: 6", "2 6 8 9" },
        new object[] { "Convolution", "num_output: 5 kernel_size: 5 stride: 3 pad: 2 bias_term: false", "3 2 13 17" },
        new object[] { "Deconvolution", "num_output: 3 kernel_size: 4 stride: 2 pad: 1", "2 4 5 6" },
        new object[] { "Deconvolution", "num_output: 4 kernel_size: 3 stride: 2 dilation: 2 group: 2 bias_term: false", "2 6 4 5" },
        new object[] { "Deconvolution", "num_output: 3 kernel_size: 1", "2 4 3 5" },
    ];

    // pooling_param, bottom shape, whether the mask top is given.
    private static readonly object[] Poolings =
    [
        new object[] { "pool: MAX kernel_size: 3 stride: 2", "2 3 9 11", false },
        new object[] { "pool: MAX kernel_size: 3 stride: 2 pad: 1", "2 3 9 11", true },
        new object[] { "pool: MAX kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 round_mode: FLOOR", "3 2 7 8", true },
        new object[] { "pool: AVE kernel_size: 3 stride: 2 pad: 1", "2 3 9 11", false },
        new object[] { "pool: AVE kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2", "3 2 7 8", false },
        new object[] { "pool: MAX global_pooling: true", "2 5 6 7", false },
        new object[] { "pool: AVE global_pooling: true", "2 5 6 7", false },
    ];

    // lrn_param, bottom shape.
    private static readonly object[] Lrns =
    [
        new object[] { "local_size: 5 alpha: 0.3 beta: 0.75 k: 2", "2 7 5 6" },
        new object[] { "local_size: 3 alpha: 0.5 beta: 0.6 k: 1.5", "3 4 3 5" },
        new object[] { "norm_region: WITHIN_CHANNEL local_size: 3 alpha: 0.5 beta: 0.75", "2 3 5 7" },
        new object[] { "norm_region: WITHIN_CHANNEL local_size: 5 alpha: 2 beta: 0.9", "2 2 6 5" },
    ];

    [TestCaseSource(nameof(Convolutions))]
    public void A_convolution_on_the_device_gives_the_cpus_outputs_and_gradients(string type, string parameters, string shape)
    {
        var net = Head(shape) + $$"""
            layer {
              name: "conv" type: "{{type}}" bottom: "x" top: "c"
              convolution_param { {{parameters}} weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } }
            }
            """ + Tail("c");
        DeviceComparison.AssertSameAsCpu(net, onDevice: ["c"], diffOnDevice: ["x"]);
    }

    [Test]
    public void Two_bottoms_share_the_weights_on_the_device()
    {
        const string Net = """
            name: "two" force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x1" top: "x2" top: "y1" top: "y2"
              dummy_data_param {
                shape { dim: 2 dim: 3 dim: 6 dim: 7 } shape { dim: 2 dim: 3 dim: 6 dim: 7 } shape { dim: 2 dim: 3 } shape { dim: 2 dim: 3 }
                data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -2 max: 2 }
                data_filler { type: "uniform" min: -1 max: 1 } data_filler { type: "uniform" min: -1 max: 1 }
              }
            }
            layer {
              name: "conv" type: "Convolution" bottom: "x1" bottom: "x2" top: "c1" top: "c2"
              convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } }
            }
            layer { name: "fc1" type: "InnerProduct" bottom: "c1" top: "h1" inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } } }
            layer { name: "fc2" type: "InnerProduct" bottom: "c2" top: "h2" inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } } }
            layer { name: "loss1" type: "EuclideanLoss" bottom: "h1" bottom: "y1" top: "loss1" }
            layer { name: "loss2" type: "EuclideanLoss" bottom: "h2" bottom: "y2" top: "loss2" loss_weight: 0.5 }
            """;
        DeviceComparison.AssertSameAsCpu(Net, onDevice: ["c1", "c2"], diffOnDevice: ["x1", "x2"]);
    }

    [TestCaseSource(nameof(Poolings))]
    public void Pooling_on_the_device_gives_the_cpus_outputs_and_gradients(string parameters, string shape, bool mask)
    {
        var net = Head(shape) + $$"""
            layer { name: "pool" type: "Pooling" bottom: "x" top: "p" {{(mask ? "top: \"mask\"" : string.Empty)}} pooling_param { {{parameters}} } }
            """ + Tail("p");
        DeviceComparison.AssertSameAsCpu(net, onDevice: mask ? ["p", "mask"] : ["p"], diffOnDevice: ["x"]);
    }

    [TestCaseSource(nameof(Lrns))]
    public void LRN_on_the_device_gives_the_cpus_outputs_and_gradients(string parameters, string shape)
    {
        var net = Head(shape) + $$"""
            layer { name: "lrn" type: "LRN" bottom: "x" top: "l" lrn_param { {{parameters}} } }
            """ + Tail("l");
        DeviceComparison.AssertSameAsCpu(net, onDevice: ["l"], diffOnDevice: ["x"]);
    }

    [Test]
    public void A_lenet_shaped_net_trains_through_the_device_as_on_the_cpu()
    {
        const string Net = """
            name: "lenet"
            layer {
              name: "data" type: "DummyData" top: "data" top: "label"
              dummy_data_param {
                shape { dim: 3 dim: 1 dim: 20 dim: 20 } shape { dim: 3 }
                data_filler { type: "uniform" min: 0 max: 1 } data_filler { type: "constant" value: 7 }
              }
            }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 8 kernel_size: 5 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
            layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 12 kernel_size: 3 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
            layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 20 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
            layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
            layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
            """;
        DeviceComparison.AssertSameAsCpu(Net, onDevice: ["conv1", "pool1", "conv2", "pool2"], diffOnDevice: ["conv1", "pool1", "conv2"], steps: 3);
    }

    [Test]
    public void A_convolution_that_folded_the_layers_after_it_runs_on_the_cpu_and_one_that_did_not_on_the_device()
    {
        const string Net = """
            name: "folded"
            layer {
              name: "data" type: "DummyData" top: "x"
              dummy_data_param { shape { dim: 2 dim: 3 dim: 7 dim: 9 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "conv" type: "Convolution" bottom: "x" top: "c" convolution_param { num_output: 5 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
            layer { name: "scale" type: "Scale" bottom: "c" top: "c" scale_param { bias_term: true filler { type: "uniform" min: 0.5 max: 1.5 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
            layer { name: "relu" type: "ReLU" bottom: "c" top: "c" }
            """;
        foreach (var fold in new[] { true, false })
        {
            var cpu = DeviceComparison.Build(Net, device: null, Phase.Test);
            var gpu = DeviceComparison.Build(Net, CpuAccelerator.Device, Phase.Test);
            cpu.PlanMemory(keep: ["c"], fold: fold);
            gpu.PlanMemory(keep: ["c"], fold: fold);
            cpu.Forward();
            gpu.Forward();
            DeviceComparison.AssertClose(gpu.Blob("c").Data.ToArray(), cpu.Blob("c").Data.ToArray(), $"c (fold {fold})");

            // The convolution's own pass again: its top is the device's only when the device ran it.
            var step = gpu.Steps.First(s => s.Layer is ConvolutionLayer);
            step.Layer.Forward(step.Bottom, step.Top, CpuAccelerator.Device);
            Assert.That(step.Top[0].DataMemory.DeviceIsAhead, Is.EqualTo(!fold), fold ? "the folded convolution ran on the CPU" : "the plain one on the device");
        }
    }

    [Test]
    public void An_in_place_convolution_is_left_to_the_cpu()
    {
        const string Net = """
            name: "in_place"
            layer {
              name: "data" type: "DummyData" top: "x"
              dummy_data_param { shape { dim: 2 dim: 3 dim: 5 dim: 7 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "conv" type: "Convolution" bottom: "x" top: "x" convolution_param { num_output: 3 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
            """;
        var cpu = DeviceComparison.Build(Net, device: null, Phase.Test);
        var gpu = DeviceComparison.Build(Net, CpuAccelerator.Device, Phase.Test);
        cpu.Forward();
        gpu.Forward();
        Assert.That(gpu.Blob("x").DataMemory.DeviceIsAhead, Is.False, "the CPU ran it");
        DeviceComparison.AssertClose(gpu.Blob("x").Data.ToArray(), cpu.Blob("x").Data.ToArray(), "x");
    }

    [Test]
    public void MAX_pooling_with_a_mask_top_reads_its_indices_back_from_the_mask_as_the_cpu_does()
    {
        var net = Head("2 3 6 7") + """
            layer { name: "pool" type: "Pooling" bottom: "x" top: "p" top: "mask" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            """ + Tail("p");
        var gpu = DeviceComparison.Build(net, CpuAccelerator.Device);
        gpu.Forward();
        var mask = gpu.Blob("mask").Data.ToArray();
        var x = gpu.Blob("x").Data.ToArray();
        var p = gpu.Blob("p").Data.ToArray();
        for (var i = 0; i < p.Length; i++)
        {
            var plane = i / (3 * 4);
            Assert.That(x[(plane * 6 * 7) + (int)mask[i]], Is.EqualTo(p[i]), $"mask[{i}] points at the maximum");
        }
    }

    private static int Items(string shape) => int.Parse(shape.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    // The data (x of the given shape, y a target of 3 per item), with force_backward so x's gradient is computed.
    private static string Head(string shape)
    {
        var dims = string.Join(' ', shape.Split(' ').Select(d => $"dim: {d}"));
        return $$"""
            name: "vision" force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x" top: "y"
              dummy_data_param {
                shape { {{dims}} } shape { dim: {{Items(shape)}} dim: 3 }
                data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -1 max: 1 }
              }
            }

            """;
    }

    // An InnerProduct of 3 outputs on `blob` and a Euclidean loss against y.
    private static string Tail(string blob) => $$"""

        layer { name: "fc" type: "InnerProduct" bottom: "{{blob}}" top: "h" inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "constant" value: 0.1 } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "y" top: "loss" }
        """;
}
