using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>The element-wise layers exported to ONNX give LayerNet's outputs in ONNX Runtime, with no node that changes nothing.</summary>
[TestFixture]
public sealed class ExportNeuronTests
{
    private static readonly int[] Image = [2, 3, 4, 5];

    private static string Layer(string type, string parameters = "") =>
        $"layer {{ name: \"act\" type: \"{type}\" bottom: \"data\" top: \"out\" {parameters} }}";

    [TestCase("Sigmoid", "Sigmoid")]
    [TestCase("TanH", "Tanh")]
    [TestCase("AbsVal", "Abs")]
    [TestCase("BNLL", "Softplus")]
    [TestCase("ReLU", "Relu")]
    [TestCase("ELU", "Elu")]
    public void A_parameterless_activation_is_one_operator(string type, string opType)
    {
        var model = Same(Image, Layer(type));

        Assert.That(Operators(model), Is.EqualTo(new[] { opType }));
    }

    [TestCase(0.1f)]
    [TestCase(-0.5f)]
    public void ReLU_with_a_negative_slope_is_LeakyRelu(float slope)
    {
        var model = Same(Image, Layer("ReLU", $"relu_param {{ negative_slope: {slope} }}"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "LeakyRelu" }));
    }

    [TestCase(0.5f)]
    [TestCase(2f)]
    public void ELU_keeps_alpha(float alpha) => Same(Image, Layer("ELU", $"elu_param {{ alpha: {alpha} }}"));

    [Test]
    public void Layers_in_place_on_the_input_read_and_write_it_under_fresh_names()
    {
        var model = Same(Image, """
            layer { name: "scale" type: "Power" bottom: "data" top: "data" power_param { scale: 3 } }
            layer { name: "relu" type: "ReLU" bottom: "data" top: "data" }
            layer { name: "act" type: "Sigmoid" bottom: "data" top: "out" }
            """);

        Assert.That(Operators(model), Is.EqualTo(new[] { "Mul", "Relu", "Sigmoid" }));
    }

    [Test]
    public void PReLU_slopes_broadcast_per_channel() =>
        Same(Image, Layer("PReLU"));

    [Test]
    public void PReLU_with_a_shared_slope() =>
        Same(Image, Layer("PReLU", "prelu_param { channel_shared: true }"));

    [Test]
    public void PReLU_on_a_matrix() => Same([4, 6], Layer("PReLU"));

    [TestCase("power: 2", new[] { "Pow" })]
    [TestCase("power: 3 scale: 0.5 shift: 0.25", new[] { "Mul", "Add", "Pow" })]
    [TestCase("power: 0.5 scale: 0.5 shift: 1", new[] { "Mul", "Add", "Pow" })]
    [TestCase("power: -1 shift: 2", new[] { "Add", "Pow" })]
    [TestCase("scale: -2 shift: 1", new[] { "Mul", "Add" })]
    [TestCase("", new[] { "Identity" })]
    [TestCase("power: 0 scale: 3", new[] { "Shape", "Expand" })]
    [TestCase("power: 2 scale: 0 shift: 3", new[] { "Shape", "Expand" })]
    public void Power_writes_only_the_steps_that_change_the_value(string parameters, string[] operators)
    {
        var model = Same(Image, Layer("Power", $"power_param {{ {parameters} }}"));

        Assert.That(Operators(model), Is.EqualTo(operators));
    }

    [TestCase("", new[] { "Exp" })]
    [TestCase("base: 2", new[] { "Mul", "Exp" })]
    [TestCase("base: 2 scale: 1.5 shift: -1", new[] { "Mul", "Exp", "Mul" })]
    [TestCase("scale: -1 shift: 0.5", new[] { "Mul", "Exp", "Mul" })]
    public void Exp_folds_base_and_shift_into_two_products(string parameters, string[] operators)
    {
        var model = Same(Image, Layer("Exp", $"exp_param {{ {parameters} }}"));

        Assert.That(Operators(model), Is.EqualTo(operators));
    }

    [TestCase("shift: 2", new[] { "Add", "Log" })]
    [TestCase("base: 10 scale: 0.5 shift: 1", new[] { "Mul", "Add", "Log", "Mul" })]
    [TestCase("base: 2 scale: -3 shift: 4", new[] { "Mul", "Add", "Log", "Mul" })]
    public void Log_of_an_affine_function(string parameters, string[] operators)
    {
        var model = Same(Image, Layer("Log", $"log_param {{ {parameters} }}"));

        Assert.That(Operators(model), Is.EqualTo(operators));
    }

    [TestCase(0f)]
    [TestCase(0.3f)]
    [TestCase(-0.7f)]
    public void Threshold_is_a_comparison_cast_to_float(float threshold)
    {
        var model = Same(Image, Layer("Threshold", $"threshold_param {{ threshold: {threshold} }}"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "Greater", "Cast" }));
    }

    [TestCase(13)]
    [TestCase(17)]
    [TestCase(21)]
    public void Clip_takes_its_bounds_as_inputs_at_every_opset(int opset)
    {
        var model = Same(Image, Layer("Clip", "clip_param { min: -0.3 max: 0.6 }"), opset);

        Assert.That(Node(model, "Clip").Input, Has.Count.EqualTo(3));
    }

    [Test]
    public void Clip_with_min_above_max_gives_min_everywhere_as_Caffe() =>
        Same(Image, Layer("Clip", "clip_param { min: 0.4 max: -0.2 }"));

    [TestCase(1f, new[] { "Sigmoid", "Mul" })]
    [TestCase(2.5f, new[] { "Mul", "Sigmoid", "Mul" })]
    public void Swish_is_x_times_the_sigmoid_of_beta_x(float beta, string[] operators)
    {
        var model = Same(Image, Layer("Swish", $"swish_param {{ beta: {beta} }}"));

        Assert.That(Operators(model), Is.EqualTo(operators));
    }

    [Test]
    public void Dropout_at_test_time_is_the_identity()
    {
        var model = Same(Image, Layer("Dropout", "dropout_param { dropout_ratio: 0.3 }"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "Identity" }));
    }

    [Test]
    public void Activations_chained_in_place_after_a_convolution()
    {
        Same(Image, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" relu_param { negative_slope: 0.2 } }
            layer { name: "swish" type: "Swish" bottom: "conv" top: "conv" }
            layer { name: "tanh" type: "TanH" bottom: "conv" top: "conv" }
            """);
    }
}
