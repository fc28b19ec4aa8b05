using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>InnerProduct, BatchNorm, Scale, Bias, Softmax, Concat, Slice, Split, Silence and Eltwise exported to ONNX give LayerNet's outputs in ONNX Runtime.</summary>
[TestFixture]
public sealed class ExportCommonTests
{
    [Test]
    public void InnerProduct_of_an_image_is_Flatten_and_Gemm()
    {
        var model = Same([2, 3, 4, 5], "layer { name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"out\" inner_product_param { num_output: 7 } }");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Flatten", "Gemm" }));
        Assert.That(model.Graph.Initializer.Select(i => i.Name), Is.EquivalentTo(new[] { "ip/weight", "ip/bias" }));
    }

    [TestCase("")]
    [TestCase("transpose: true")]
    [TestCase("bias_term: false")]
    [TestCase("transpose: true bias_term: false")]
    public void InnerProduct_of_a_matrix_is_Gemm(string parameters)
    {
        var model = Same([3, 10], $"layer {{ name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"out\" inner_product_param {{ num_output: 4 {parameters} }} }}");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Gemm" }));
    }

    [TestCase(2, "")]
    [TestCase(2, "transpose: true")]
    [TestCase(-1, "bias_term: false")]
    [TestCase(3, "")]
    [TestCase(0, "")]
    public void InnerProduct_at_another_axis_keeps_the_axes_before_it(int axis, string parameters)
    {
        var net = Net([2, 3, 4, 5], $"layer {{ name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"out\" inner_product_param {{ num_output: 6 axis: {axis} {parameters} }} }}");

        var model = OnnxCheck.AssertSameOutputs(net);

        Assert.That(Operators(model), Does.Contain("MatMul"));
    }

    [TestCase(1f)]
    [TestCase(2.5f)]
    [TestCase(0f)]
    public void BatchNorm_with_global_statistics_divides_them_by_the_scale_factor(float factor)
    {
        var net = Net([2, 3, 4, 5], "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"data\" top: \"out\" batch_norm_param { eps: 0.001 } }");
        net.Layers.Single(l => l.Type == "BatchNorm").Blobs[2].Data[0] = factor;

        var model = OnnxCheck.AssertSameOutputs(net);

        Assert.That(Operators(model), Is.EqualTo(new[] { "BatchNormalization" }));
    }

    [Test]
    public void BatchNorm_of_a_matrix() =>
        Same([4, 6], "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"data\" top: \"out\" }");

    [Test]
    public void BatchNorm_of_a_vector_adds_and_removes_a_channel_axis() =>
        Same([6], "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"data\" top: \"out\" }");

    [TestCase(13)]
    [TestCase(17)]
    [TestCase(21)]
    public void BatchNorm_with_batch_statistics_is_written_out(int opset)
    {
        var model = Same([3, 2, 4, 5], "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"data\" top: \"out\" batch_norm_param { use_global_stats: false } }", opset);

        Assert.That(Operators(model), Does.Contain("ReduceMean"));
    }

    [Test]
    public void BatchNorm_then_Scale_in_place_as_ResNet_has_them()
    {
        var model = Same([2, 3, 4, 5], """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 1 } }
            layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
            layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
            """);

        Assert.That(Operators(model), Is.EqualTo(new[] { "Conv", "BatchNormalization", "Mul", "Add" }));
    }

    [TestCase("")]
    [TestCase("bias_term: true")]
    [TestCase("axis: 2 num_axes: 2 bias_term: true")]
    [TestCase("axis: 0 num_axes: 2")]
    [TestCase("axis: -1")]
    [TestCase("axis: 1 num_axes: 0 bias_term: true")]
    [TestCase("axis: 1 num_axes: -1")]
    public void Scale_with_a_learned_scale(string parameters) =>
        Same([2, 3, 4, 5], $"layer {{ name: \"scale\" type: \"Scale\" bottom: \"data\" top: \"out\" scale_param {{ {parameters} }} }}");

    [TestCase(new[] { 3 }, "")]
    [TestCase(new int[0], "")]
    [TestCase(new[] { 3, 4 }, "bias_term: true")]
    [TestCase(new[] { 2, 3 }, "axis: 0")]
    [TestCase(new[] { 4, 5 }, "axis: 2")]
    public void Scale_by_a_second_bottom(int[] scaleShape, string parameters) =>
        OnnxCheck.AssertSameOutputs(OnnxCheck.Build(
            Input([2, 3, 4, 5]) + Input("factors", scaleShape) +
            $"layer {{ name: \"scale\" type: \"Scale\" bottom: \"data\" bottom: \"factors\" top: \"out\" scale_param {{ {parameters} }} }}"));

    [TestCase("")]
    [TestCase("axis: 2 num_axes: 1")]
    [TestCase("axis: 0 num_axes: -1")]
    [TestCase("num_axes: 0")]
    public void Bias_with_a_learned_bias(string parameters) =>
        Same([2, 3, 4, 5], $"layer {{ name: \"bias\" type: \"Bias\" bottom: \"data\" top: \"out\" bias_param {{ {parameters} }} }}");

    [TestCase(new[] { 3 }, "")]
    [TestCase(new[] { 5 }, "axis: -1")]
    public void Bias_from_a_second_bottom(int[] biasShape, string parameters) =>
        OnnxCheck.AssertSameOutputs(OnnxCheck.Build(
            Input([2, 3, 4, 5]) + Input("shift", biasShape) +
            $"layer {{ name: \"bias\" type: \"Bias\" bottom: \"data\" bottom: \"shift\" top: \"out\" bias_param {{ {parameters} }} }}"));

    [TestCase(1)]
    [TestCase(-1)]
    [TestCase(0)]
    [TestCase(2)]
    public void Softmax_normalises_over_its_axis(int axis)
    {
        var model = Same([2, 3, 4, 5], $"layer {{ name: \"prob\" type: \"Softmax\" bottom: \"data\" top: \"out\" softmax_param {{ axis: {axis} }} }}");

        Assert.That(IntAttribute(Node(model, "Softmax"), "axis"), Is.EqualTo(axis < 0 ? axis + 4 : axis));
    }

    [TestCase("")]
    [TestCase("concat_param { axis: 2 }")]
    [TestCase("concat_param { axis: -1 }")]
    [TestCase("concat_param { concat_dim: 0 }")]
    public void Concat_joins_along_its_axis(string parameters) =>
        Same([2, 3, 4, 4], $$"""
            layer { name: "a" type: "Power" bottom: "data" top: "a" power_param { scale: 2 } }
            layer { name: "b" type: "Power" bottom: "data" top: "b" power_param { shift: 1 } }
            layer { name: "join" type: "Concat" bottom: "a" bottom: "data" bottom: "b" top: "out" {{parameters}} }
            """);

    [TestCase(13)]
    [TestCase(17)]
    [TestCase(21)]
    public void Slice_at_slice_points_gives_Split_the_sizes(int opset)
    {
        var model = Same([2, 6, 4, 5], "layer { name: \"cut\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" top: \"c\" slice_param { slice_point: 1 slice_point: 4 } }", opset);

        Assert.That(Node(model, "Split").Input, Has.Count.EqualTo(2));
    }

    [TestCase(13, 1)]
    [TestCase(17, 1)]
    [TestCase(18, 3)]
    [TestCase(21, 3)]
    public void Slice_into_equal_pieces_says_how_many_from_opset_18(int opset, int written)
    {
        var model = Same([2, 6, 4, 6], "layer { name: \"cut\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" top: \"c\" slice_param { axis: -1 } }", opset);

        var split = Node(model, "Split");
        Assert.That(split.Input, Has.Count.EqualTo(1));
        Assert.That(IntAttribute(split, "num_outputs") ?? 1, Is.EqualTo(written));
    }

    [Test]
    public void Slice_with_the_legacy_slice_dim() =>
        Same([4, 3, 2], "layer { name: \"cut\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" slice_param { slice_dim: 0 slice_point: 1 } }");

    [Test]
    public void Slice_into_one_top_is_the_identity()
    {
        var model = Same([2, 6], "layer { name: \"cut\" type: \"Slice\" bottom: \"data\" top: \"a\" }");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Identity" }));
    }

    [Test]
    public void A_blob_read_twice_goes_through_Caffes_Split_as_identities()
    {
        var model = Same([2, 3], """
            layer { name: "a" type: "Sigmoid" bottom: "data" top: "a" }
            layer { name: "b" type: "TanH" bottom: "data" top: "b" }
            """);

        Assert.That(Operators(model), Is.EqualTo(new[] { "Identity", "Identity", "Sigmoid", "Tanh" }));
    }

    [Test]
    public void Silence_writes_nothing()
    {
        var model = Same([2, 3], """
            layer { name: "a" type: "Sigmoid" bottom: "data" top: "a" }
            layer { name: "b" type: "TanH" bottom: "data" top: "b" }
            layer { name: "quiet" type: "Silence" bottom: "b" }
            """);

        Assert.That(model.Graph.Output.Select(o => o.Name), Is.EqualTo(new[] { "a" }));
    }

    [TestCase("operation: SUM", new[] { "Sum" })]
    [TestCase("operation: SUM coeff: 1 coeff: -1 coeff: 1", new[] { "Sub", "Add" })]
    [TestCase("operation: SUM coeff: -1 coeff: 1 coeff: 1", new[] { "Sub", "Add" })]
    [TestCase("operation: SUM coeff: 0.5 coeff: 2 coeff: -1", new[] { "Mul", "Mul", "Add", "Sub" })]
    [TestCase("operation: SUM coeff: -1 coeff: -1 coeff: -1", new[] { "Mul", "Sub", "Sub" })]
    [TestCase("operation: SUM coeff: 1 coeff: 3 coeff: 1", new[] { "Mul", "Sum" })]
    [TestCase("operation: PROD", new[] { "Mul", "Mul" })]
    [TestCase("operation: MAX", new[] { "Max" })]
    public void Eltwise_of_three_bottoms(string parameters, string[] operators)
    {
        var model = Same([2, 3, 4], $$"""
            layer { name: "a" type: "Power" bottom: "data" top: "a" power_param { scale: 2 shift: -0.5 } }
            layer { name: "b" type: "TanH" bottom: "data" top: "b" }
            layer { name: "sum" type: "Eltwise" bottom: "data" bottom: "a" bottom: "b" top: "out" eltwise_param { {{parameters}} } }
            """);

        Assert.That(Operators(model).SkipWhile(o => o != "Tanh").Skip(1), Is.EqualTo(operators));
    }

    [TestCase("operation: SUM", new[] { "Add" })]
    [TestCase("operation: SUM coeff: 1 coeff: -1", new[] { "Sub" })]
    [TestCase("operation: SUM coeff: 2 coeff: 0.5", new[] { "Mul", "Mul", "Add" })]
    [TestCase("operation: PROD", new[] { "Mul" })]
    public void Eltwise_of_two_bottoms(string parameters, string[] operators)
    {
        var model = Same([2, 3, 4], $$"""
            layer { name: "b" type: "TanH" bottom: "data" top: "b" }
            layer { name: "sum" type: "Eltwise" bottom: "data" bottom: "b" top: "out" eltwise_param { {{parameters}} } }
            """);

        Assert.That(Operators(model).SkipWhile(o => o != "Tanh").Skip(1), Is.EqualTo(operators));
    }
}
