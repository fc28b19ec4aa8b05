using Caffe;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// The neurons of <see cref="ActivationFamily"/> against the CPU: each out of place and in place (where the layer
/// allows it), forward and backward, on 3 x 5 x 7 values (no multiple of a warp), with the layer's options.
/// </summary>
public sealed class ActivationDeviceTests
{
    // A Scale (learnable, so the gradient flows) makes h from x; the neuron under test maps h to y (or h in place);
    // a Euclidean loss against t ends the net.
    private static string Net(string neuron, bool inPlace, string min = "-1.5", string max = "1.5") => $$"""
        name: "neuron"
        force_backward: true
        layer {
          name: "data" type: "DummyData" top: "x" top: "t"
          dummy_data_param {
            shape { dim: 3 dim: 5 dim: 7 } shape { dim: 3 dim: 5 dim: 7 }
            data_filler { type: "uniform" min: {{min}} max: {{max}} } data_filler { type: "gaussian" std: 1 }
          }
        }
        layer { name: "scale" type: "Scale" bottom: "x" top: "h" scale_param { filler { type: "uniform" min: 0.8 max: 1.2 } } }
        layer { name: "neuron" bottom: "h" top: "{{(inPlace ? "h" : "y")}}" {{neuron}} }
        layer { name: "loss" type: "EuclideanLoss" bottom: "{{(inPlace ? "h" : "y")}}" bottom: "t" top: "loss" }
        """;

    private static IEnumerable<TestCaseData> Neurons()
    {
        yield return new TestCaseData("type: \"BNLL\"", "-6", "6").SetName("BNLL");
        yield return new TestCaseData("type: \"ELU\"", "-2", "2").SetName("ELU");
        yield return new TestCaseData("type: \"ELU\" elu_param { alpha: 0.4 }", "-2", "2").SetName("ELU alpha 0.4");
        yield return new TestCaseData("type: \"ELU\" elu_param { alpha: -0.5 }", "-2", "2").SetName("ELU alpha -0.5");
        yield return new TestCaseData("type: \"Exp\"", "-2", "2").SetName("Exp");
        yield return new TestCaseData("type: \"Exp\" exp_param { base: 2 scale: 0.5 shift: 0.3 }", "-2", "2").SetName("Exp base 2 scale shift");
        yield return new TestCaseData("type: \"Log\"", "0.2", "3").SetName("Log");
        yield return new TestCaseData("type: \"Log\" log_param { base: 10 scale: 2 shift: 0.5 }", "0.2", "3").SetName("Log base 10 scale shift");
        yield return new TestCaseData("type: \"Power\" power_param { power: 2 scale: 0.5 shift: 1 }", "-2", "2").SetName("Power 2");
        yield return new TestCaseData("type: \"Power\" power_param { power: 1.5 scale: 2 shift: 0.1 }", "0.1", "2").SetName("Power 1.5");
        yield return new TestCaseData("type: \"Power\" power_param { power: 1 scale: -3 shift: 2 }", "-2", "2").SetName("Power 1");
        yield return new TestCaseData("type: \"Power\" power_param { power: 0 scale: 2 }", "-2", "2").SetName("Power 0");
        yield return new TestCaseData("type: \"Swish\"", "-3", "3").SetName("Swish");
        yield return new TestCaseData("type: \"Swish\" swish_param { beta: 1.7 }", "-3", "3").SetName("Swish beta");
        yield return new TestCaseData("type: \"Clip\" clip_param { min: -0.5 max: 0.7 }", "-2", "2").SetName("Clip");
        yield return new TestCaseData("type: \"PReLU\"", "-2", "2").SetName("PReLU");
        yield return new TestCaseData("type: \"PReLU\" prelu_param { channel_shared: true filler { type: \"constant\" value: 0.3 } }", "-2", "2").SetName("PReLU shared");
        yield return new TestCaseData("type: \"PReLU\" prelu_param { filler { type: \"uniform\" min: -0.5 max: 0.5 } }", "-2", "2").SetName("PReLU random slopes");
    }

    [TestCaseSource(nameof(Neurons))]
    public void A_neuron_out_of_place_gives_the_cpus_values_and_gradients(string neuron, string min, string max)
    {
        DeviceComparison.RunBoth(Net(neuron, inPlace: false, min, max), deviceTops: ["y"]);
    }

    [TestCaseSource(nameof(Neurons))]
    public void A_neuron_in_place_gives_the_cpus_values_and_gradients(string neuron, string min, string max)
    {
        DeviceComparison.RunBoth(Net(neuron, inPlace: true, min, max), deviceTops: ["h"]);
    }

    [Test]
    public void AbsVal_gives_the_cpus_values_and_gradients()
    {
        DeviceComparison.RunBoth(Net("type: \"AbsVal\"", inPlace: false), deviceTops: ["y"]);
    }

    [Test]
    public void Threshold_runs_forward_on_the_device_and_its_missing_gradient_stays_the_cpus()
    {
        const string net = """
            name: "threshold"
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 4 dim: 9 } data_filler { type: "gaussian" std: 1 } } }
            layer { name: "step" type: "Threshold" bottom: "x" top: "y" threshold_param { threshold: 0.2 } }
            layer { name: "step2" type: "Threshold" bottom: "y" top: "y" threshold_param { threshold: 0.5 } }
            """;
        DeviceComparison.RunBoth(net, deviceTops: ["y"]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Dropout_in_train_applies_the_cpus_mask_bit_for_bit_over_several_passes(bool inPlace)
    {
        var net = Net("type: \"Dropout\" dropout_param { dropout_ratio: 0.3 }", inPlace);
        var cpu = DeviceComparison.Build(net, device: null);
        var gpu = DeviceComparison.Build(net, CpuAccelerator.Device);
        var top = inPlace ? "h" : "y";
        for (var pass = 0; pass < 3; pass++)
        {
            cpu.ForwardBackward();
            gpu.ForwardBackward();
            var expected = cpu.Blob(top).Data.ToArray();
            var actual = gpu.Blob(top).Data.ToArray();
            Assert.That(actual.Select(v => v == 0f), Is.EqualTo(expected.Select(v => v == 0f)), $"the dropped elements (pass {pass})");
            Assert.That(expected.Count(v => v == 0f), Is.InRange(1, expected.Length - 1));
            DeviceComparison.AssertSame(cpu, gpu, $"pass {pass}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Dropout_in_test_is_the_identity_on_the_device(bool inPlace)
    {
        var gpu = DeviceComparison.RunBoth(Net("type: \"Dropout\"", inPlace), Phase.Test, passes: 1, deviceTops: [inPlace ? "h" : "y"]);
        Assert.That(gpu.Blob(inPlace ? "h" : "y").Data.ToArray(), Is.EqualTo(gpu.Blob("h").Data.ToArray()));
    }
}
