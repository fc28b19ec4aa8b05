using Caffe;
using LayerNet.Errors;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// Softmax, SoftmaxWithLoss, EuclideanLoss and HingeLoss on the device against the CPU: axes, ignore_label, every
/// normalization, the probability top, L1 and L2, odd sizes, and a bad label named as the CPU names it.
/// </summary>
public sealed class LossDeviceTests
{
    [TestCase(1, false)]
    [TestCase(2, false)]
    [TestCase(-1, false)]
    [TestCase(0, false)]
    [TestCase(1, true)]
    public void Softmax_over_any_axis_gives_the_cpus_values_and_gradients(int axis, bool inPlace)
    {
        var net = $$"""
            name: "softmax"
            force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x" top: "t"
              dummy_data_param {
                shape { dim: 3 dim: 5 dim: 2 dim: 7 } shape { dim: 3 dim: 5 dim: 2 dim: 7 }
                data_filler { type: "gaussian" std: 2 } data_filler { type: "uniform" min: 0 max: 1 }
              }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "h" bias_param { filler { type: "uniform" min: -1 max: 1 } } }
            layer { name: "softmax" type: "Softmax" bottom: "h" top: "{{(inPlace ? "h" : "p")}}" softmax_param { axis: {{axis}} } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "{{(inPlace ? "h" : "p")}}" bottom: "t" top: "loss" }
            """;
        DeviceComparison.RunBoth(net, deviceTops: [inPlace ? "h" : "p"]);
    }

    private static string SoftmaxLoss(string lossParam, bool spatial, bool probabilities) => $$"""
        name: "softmax_loss"
        layer {
          name: "data" type: "DummyData" top: "x" top: "label"
          dummy_data_param {
            {{(spatial ? "shape { dim: 3 dim: 5 dim: 3 dim: 3 } shape { dim: 3 dim: 3 dim: 3 }" : "shape { dim: 7 dim: 5 } shape { dim: 7 }")}}
            data_filler { type: "gaussian" std: 2 } data_filler { type: "uniform" min: 0 max: 4.99 }
          }
        }
        layer { name: "scale" type: "Scale" bottom: "x" top: "s" scale_param { axis: 0 filler { type: "uniform" min: 0.5 max: 1.5 } } }
        layer {
          name: "loss" type: "SoftmaxWithLoss" bottom: "s" bottom: "label" top: "loss" {{(probabilities ? "top: \"prob\"" : string.Empty)}}
          loss_weight: 2.5 {{(probabilities ? "loss_weight: 0" : string.Empty)}}
          {{lossParam}}
        }
        """;

    [TestCase("", false, false)]
    [TestCase("loss_param { ignore_label: 2 }", false, false)]
    [TestCase("loss_param { ignore_label: 2 normalization: FULL }", false, true)]
    [TestCase("loss_param { ignore_label: 3 normalization: BATCH_SIZE }", true, false)]
    [TestCase("loss_param { normalization: NONE }", true, true)]
    [TestCase("loss_param { ignore_label: 1 normalization: VALID }", true, false)]
    [TestCase("loss_param { ignore_label: 1 normalize: false }", true, false)]
    [TestCase("loss_param { ignore_label: 1 normalize: true }", false, false)]
    public void SoftmaxWithLoss_gives_the_cpus_loss_and_gradient(string lossParam, bool spatial, bool probabilities)
    {
        DeviceComparison.RunBoth(SoftmaxLoss(lossParam, spatial, probabilities), passes: 2, deviceTops: probabilities ? ["s", "prob"] : ["s"]);
    }

    [Test]
    public void SoftmaxWithLoss_with_its_class_axis_elsewhere_gives_the_cpus_loss_and_gradient()
    {
        var net = """
            name: "softmax_loss_axis"
            layer {
              name: "data" type: "DummyData" top: "x" top: "label"
              dummy_data_param {
                shape { dim: 2 dim: 3 dim: 6 } shape { dim: 2 dim: 3 }
                data_filler { type: "gaussian" std: 2 } data_filler { type: "uniform" min: 0 max: 5.99 }
              }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "s" bias_param { filler { type: "gaussian" std: 1 } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "s" bottom: "label" top: "loss" softmax_param { axis: 2 } loss_param { ignore_label: 0 } }
            """;
        DeviceComparison.RunBoth(net, deviceTops: ["s"]);
    }

    [Test]
    public void Losses_over_more_than_one_chunk_of_values_give_the_cpus_loss_and_gradients()
    {
        // 2 x 3 x 701 scores: 1402 positions; 3 x 1103 values for the Euclidean and hinge losses: several chunks, the
        // last one partial.
        var net = """
            name: "chunks"
            layer {
              name: "data" type: "DummyData" top: "x" top: "label" top: "a" top: "b" top: "hlabel"
              dummy_data_param {
                shape { dim: 2 dim: 3 dim: 701 } shape { dim: 2 dim: 701 } shape { dim: 3 dim: 1103 } shape { dim: 3 dim: 1103 } shape { dim: 3 }
                data_filler { type: "gaussian" std: 2 } data_filler { type: "uniform" min: 0 max: 2.99 }
                data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: 0 max: 1102.9 }
              }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "s" bias_param { filler { type: "gaussian" std: 1 } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "s" bottom: "label" top: "loss" loss_param { ignore_label: 1 } }
            layer { name: "pa" type: "Bias" bottom: "a" top: "pa" bias_param { axis: 0 filler { type: "gaussian" std: 1 } } }
            layer { name: "euclidean" type: "EuclideanLoss" bottom: "pa" bottom: "b" top: "euclidean" }
            layer { name: "pb" type: "Bias" bottom: "b" top: "pb" bias_param { axis: 0 filler { type: "gaussian" std: 1 } } }
            layer { name: "hinge" type: "HingeLoss" bottom: "pb" bottom: "hlabel" top: "hinge" hinge_loss_param { norm: L2 } }
            """;
        DeviceComparison.RunBoth(net, deviceTops: ["s", "pa", "pb"]);
    }

    [Test]
    public void A_label_out_of_range_is_the_cpu_layers_error_on_the_device_too()
    {
        var net = """
            name: "bad"
            layer {
              name: "data" type: "DummyData" top: "x" top: "label"
              dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 } data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 3 } }
            }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "x" bottom: "label" top: "loss" }
            layer { name: "hinge" type: "HingeLoss" bottom: "x" bottom: "label" top: "hinge" }
            """;
        var cpu = Assert.Throws<LayerNetException>(() => DeviceComparison.Build(net, device: null).Forward());
        var gpu = Assert.Throws<LayerNetException>(() => DeviceComparison.Build(net, CpuAccelerator.Device).Forward());
        Assert.That(gpu!.Message, Is.EqualTo(cpu!.Message));
        Assert.That(gpu.Message, Does.Contain("label 3 of item 0 is out of range"));
    }

    [TestCase("L1")]
    [TestCase("L2")]
    public void HingeLoss_gives_the_cpus_loss_and_gradient(string norm)
    {
        var net = $$"""
            name: "hinge"
            layer {
              name: "data" type: "DummyData" top: "x" top: "label"
              dummy_data_param { shape { dim: 9 dim: 7 } shape { dim: 9 } data_filler { type: "gaussian" std: 1.5 } data_filler { type: "uniform" min: 0 max: 6.99 } }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "s" bias_param { axis: 1 filler { type: "gaussian" std: 0.5 } } }
            layer { name: "hinge" type: "HingeLoss" bottom: "s" bottom: "label" top: "loss" loss_weight: 0.7 hinge_loss_param { norm: {{norm}} } }
            """;
        DeviceComparison.RunBoth(net, passes: 2, deviceTops: ["s"]);
    }

    [Test]
    public void EuclideanLoss_gives_the_cpus_loss_and_both_gradients()
    {
        var net = """
            name: "euclidean"
            force_backward: true
            layer {
              name: "data" type: "DummyData" top: "a" top: "b"
              dummy_data_param { shape { dim: 5 dim: 3 dim: 7 } shape { dim: 5 dim: 21 } data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "pa" type: "Power" bottom: "a" top: "pa" power_param { scale: 1.3 shift: 0.2 } }
            layer { name: "pb" type: "Power" bottom: "b" top: "pb" power_param { scale: -0.7 } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "pa" bottom: "pb" top: "loss" loss_weight: 3 }
            """;
        DeviceComparison.RunBoth(net, passes: 2, deviceTops: ["pa", "pb"]);
    }
}
