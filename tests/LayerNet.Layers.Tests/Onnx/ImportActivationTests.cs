using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportActivationTests
{
    private static void AssertUnary(int opset, string op, string layer, float low = -1f, float high = 1f, params global::Onnx.AttributeProto[] attributes)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Node(op, "x", "y", attributes).Output("y").Build();
        var result = ImportCheck.AssertSameOutputs(model, low: low, high: high);
        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { layer }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Relu_is_ReLU(int opset) => AssertUnary(opset, "Relu", "ReLU");

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void LeakyRelu_is_ReLU_with_its_slope(int opset) => AssertUnary(opset, "LeakyRelu", "ReLU", attributes: Attr("alpha", 0.2f));

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void LeakyRelu_without_alpha_has_slope_one_hundredth(int opset) => AssertUnary(opset, "LeakyRelu", "ReLU");

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Elu_is_ELU_with_its_alpha(int opset) => AssertUnary(opset, "Elu", "ELU", attributes: Attr("alpha", 0.7f));

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Sigmoid_is_Sigmoid(int opset) => AssertUnary(opset, "Sigmoid", "Sigmoid", -4f, 4f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Tanh_is_TanH(int opset) => AssertUnary(opset, "Tanh", "TanH", -3f, 3f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Abs_is_AbsVal(int opset) => AssertUnary(opset, "Abs", "AbsVal");

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Exp_is_Exp(int opset) => AssertUnary(opset, "Exp", "Exp", -3f, 3f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Log_is_Log(int opset) => AssertUnary(opset, "Log", "Log", 0.1f, 5f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Softplus_is_BNLL(int opset) => AssertUnary(opset, "Softplus", "BNLL", -5f, 5f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Sqrt_is_Power_one_half(int opset) => AssertUnary(opset, "Sqrt", "Power", 0.01f, 4f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Reciprocal_is_Power_minus_one(int opset) => AssertUnary(opset, "Reciprocal", "Power", 0.5f, 4f);

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Neg_is_Power_with_scale_minus_one(int opset) => AssertUnary(opset, "Neg", "Power");

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Clip_with_both_bounds_is_Clip(int opset)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Output("y");
        if (opset < 11)
        {
            builder.Node("Clip", "x", "y", Attr("min", -0.3f), Attr("max", 0.6f));
        }
        else
        {
            builder.Initializer("low", [-0.3f]).Initializer("high", [0.6f]).Node("Clip", ["x", "low", "high"], ["y"]);
        }

        var result = ImportCheck.AssertSameOutputs(builder.Build());
        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Clip" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Clip_with_a_minimum_only_is_unbounded_above(int opset)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Output("y");
        if (opset < 11)
        {
            builder.Node("Clip", "x", "y", Attr("min", 0.1f));
        }
        else
        {
            builder.Initializer("low", [0.1f]).Node("Clip", ["x", "low"], ["y"]);
        }

        ImportCheck.AssertSameOutputs(builder.Build());
    }

    [Test]
    public void Clip_with_the_minimum_above_the_maximum_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Initializer("low", [1f]).Initializer("high", [0f])
            .Node("Clip", ["x", "low", "high"], ["y"], "clip").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'clip' (Clip): the minimum 1 is above the maximum 0"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void PRelu_with_a_slope_per_channel_is_PReLU(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Random("slope", [3, 1, 1])
            .Node("PRelu", ["x", "slope"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].PreluParam?.ChannelShared ?? false, Is.False);
        Assert.That(result.Weights.Layer[0].Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 3 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void PRelu_with_one_slope_is_channel_shared(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Initializer("slope", [0.3f], 1)
            .Node("PRelu", ["x", "slope"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].PreluParam.ChannelShared, Is.True);
    }

    [Test]
    public void PRelu_with_a_slope_per_column_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3, 4, 5).Random("slope", [5])
            .Node("PRelu", ["x", "slope"], ["y"], "prelu").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'prelu' (PRelu): the slope of shape [5] is neither one value nor one per channel"));
    }
}
