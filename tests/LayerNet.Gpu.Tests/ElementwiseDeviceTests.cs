namespace LayerNet.Gpu.Tests;

/// <summary>
/// Eltwise (PROD with and without stable_prod_grad, SUM with coefficients, MAX with ties), Concat, Slice, Split and
/// the views (Flatten, Reshape) on the device against the CPU, forward and backward, odd sizes.
/// </summary>
public sealed class ElementwiseDeviceTests
{
    // Three inputs of 3 x 5 x 7 made by Bias layers (learnable, so gradients flow), combined by the layer under test
    // into y, then a Euclidean loss against t (shaped as y).
    private static string Net(string layer, string target = "shape { dim: 3 dim: 5 dim: 7 }", string filler = "type: \"gaussian\" std: 1") => $$"""
        name: "elementwise"
        force_backward: true
        layer {
          name: "data" type: "DummyData" top: "x" top: "t"
          dummy_data_param { shape { dim: 3 dim: 5 dim: 7 } {{target}} data_filler { {{filler}} } data_filler { type: "gaussian" std: 1 } }
        }
        layer { name: "b0" type: "Bias" bottom: "x" top: "a0" bias_param { filler { type: "uniform" min: -1 max: 1 } } }
        layer { name: "b1" type: "Bias" bottom: "x" top: "a1" bias_param { filler { type: "uniform" min: -1 max: 1 } } }
        layer { name: "b2" type: "Bias" bottom: "x" top: "a2" bias_param { axis: 0 filler { type: "uniform" min: -1 max: 1 } } }
        {{layer}}
        layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
        """;

    [TestCase("eltwise_param { operation: PROD }")]
    [TestCase("eltwise_param { operation: PROD stable_prod_grad: false }")]
    [TestCase("eltwise_param { operation: SUM }")]
    [TestCase("eltwise_param { operation: SUM coeff: 0.5 coeff: -1.5 coeff: 2 }")]
    [TestCase("eltwise_param { operation: MAX }")]
    public void Eltwise_of_three_bottoms_gives_the_cpus_values_and_gradients(string parameter)
    {
        var net = Net($"layer {{ name: \"eltwise\" type: \"Eltwise\" bottom: \"a0\" bottom: \"a1\" bottom: \"a2\" top: \"y\" {parameter} }}");
        DeviceComparison.RunBoth(net, passes: 2, deviceTops: ["y", "a0", "a1", "a2"]);
    }

    [Test]
    public void Eltwise_max_breaks_ties_as_the_cpu_does()
    {
        // Constant inputs and biases: every element ties between all three bottoms.
        var net = """
            name: "ties"
            force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x" top: "t"
              dummy_data_param { shape { dim: 2 dim: 9 } shape { dim: 2 dim: 9 } data_filler { type: "constant" value: 0.5 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "p0" type: "Power" bottom: "x" top: "a0" }
            layer { name: "p1" type: "Power" bottom: "x" top: "a1" }
            layer { name: "p2" type: "Power" bottom: "x" top: "a2" }
            layer { name: "eltwise" type: "Eltwise" bottom: "a0" bottom: "a1" bottom: "a2" top: "y" eltwise_param { operation: MAX } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
            """;
        var gpu = DeviceComparison.RunBoth(net, deviceTops: ["y"]);
        Assert.That(gpu.Blob("a1").Diff.ToArray().All(v => v != 0f), Is.True, "bottom 1 wins every tie");
    }

    [TestCase(1, "shape { dim: 3 dim: 15 dim: 7 }")]
    [TestCase(0, "shape { dim: 9 dim: 5 dim: 7 }")]
    [TestCase(-1, "shape { dim: 3 dim: 5 dim: 21 }")]
    public void Concat_along_an_axis_gives_the_cpus_values_and_gradients(int axis, string target)
    {
        var net = Net($"layer {{ name: \"concat\" type: \"Concat\" bottom: \"a0\" bottom: \"a1\" bottom: \"a2\" top: \"y\" concat_param {{ axis: {axis} }} }}", target);
        DeviceComparison.RunBoth(net, deviceTops: ["y"]);
    }

    [Test]
    public void Concat_of_one_bottom_shares_its_storage_on_the_device_too()
    {
        var gpu = DeviceComparison.RunBoth(Net("layer { name: \"concat\" type: \"Concat\" bottom: \"a0\" top: \"y\" }"), deviceTops: ["y"]);
        Assert.That(gpu.Blob("y").SharesDataWith(gpu.Blob("a0")), Is.True);
    }

    [TestCase("slice_param { axis: 1 slice_point: 1 slice_point: 4 }", "shape { dim: 3 dim: 1 dim: 7 }")]
    [TestCase("slice_param { axis: -1 }", "shape { dim: 3 dim: 5 dim: 7 }")]
    [TestCase("slice_param { axis: 2 slice_point: 2 slice_point: 3 }", "shape { dim: 3 dim: 5 dim: 2 }")]
    public void Slice_along_an_axis_gives_the_cpus_values_and_gradients(string parameter, string target)
    {
        // y is the first piece (the loss's), z and w the others, summed into a second loss so that all get gradients.
        var single = parameter.Contains("axis: -1", StringComparison.Ordinal);
        var layer = single
            ? $"layer {{ name: \"slice\" type: \"Slice\" bottom: \"a0\" top: \"y\" {parameter} }}"
            : $$"""
                layer { name: "slice" type: "Slice" bottom: "a0" top: "y" top: "z" top: "w" {{parameter}} }
                layer { name: "sz" type: "Reduction" bottom: "z" top: "lz" loss_weight: 0.5 }
                layer { name: "sw" type: "Reduction" bottom: "w" top: "lw" reduction_param { operation: SUMSQ } loss_weight: 0.25 }
                """;
        DeviceComparison.RunBoth(Net(layer, target), deviceTops: single ? ["a0"] : ["y"]);
    }

    [Test]
    public void Split_sums_its_tops_gradients_on_the_device()
    {
        // a0 feeds three layers: the net inserts a Split with three tops.
        var layer = """
            layer { name: "e1" type: "Eltwise" bottom: "a0" bottom: "a1" top: "e1" eltwise_param { operation: PROD } }
            layer { name: "e2" type: "Eltwise" bottom: "a0" bottom: "a2" top: "e2" eltwise_param { operation: SUM coeff: 2 coeff: 1 } }
            layer { name: "y" type: "Eltwise" bottom: "e1" bottom: "e2" bottom: "a0" top: "y" eltwise_param { operation: SUM coeff: 1 coeff: 1 coeff: -3 } }
            """;
        var gpu = DeviceComparison.RunBoth(Net(layer), passes: 2, deviceTops: ["y"]);
        gpu.ForwardBackward();
        Assert.That(gpu.Blob("a0").DiffMemory.DeviceIsAhead, Is.True, "the split's gradient sum was the device's");
    }

    [Test]
    public void Flatten_and_Reshape_share_the_devices_values_without_a_copy()
    {
        var layer = """
            layer { name: "flat" type: "Flatten" bottom: "a0" top: "f" }
            layer { name: "shape" type: "Reshape" bottom: "f" top: "r" reshape_param { shape { dim: 0 dim: 7 dim: -1 } } }
            layer { name: "y" type: "Power" bottom: "r" top: "y" power_param { scale: 2 } }
            """;
        var gpu = DeviceComparison.RunBoth(Net(layer, "shape { dim: 3 dim: 7 dim: 5 }"), deviceTops: ["f", "r", "y"]);
        Assert.That(gpu.Blob("r").SharesDataWith(gpu.Blob("a0")), Is.True);
    }
}
