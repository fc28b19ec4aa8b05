using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportArithmeticTests
{
    private static readonly object[] BinaryCases =
        ImportCheck.Opsets.SelectMany(opset => new[] { "Add", "Sub", "Mul", "Div" }.Select(op => new object[] { op, opset })).ToArray();

    [TestCaseSource(nameof(BinaryCases))]
    public void Two_blobs_of_one_shape_are_Eltwise(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3, 4).Input("b", 2, 3, 4).Node(op, ["a", "b"], ["y"]).Output("y").Build();

        var result = op == "Div"
            ? ImportCheck.AssertSameOutputs(model, low: 0.5f, high: 2f)
            : ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(op == "Div" ? new[] { "Power", "Eltwise" } : ["Eltwise"]));
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void A_blob_and_a_scalar_constant_are_Power(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Initializer("c", [1.7f]).Node(op, ["x", "c"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Power" }));
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void A_scalar_constant_and_a_blob_are_Power(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Initializer("c", [1.7f], 1).Node(op, ["c", "x"], ["y"]).Output("y").Build();

        var result = op == "Div"
            ? ImportCheck.AssertSameOutputs(model, low: 0.5f, high: 2f)
            : ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Power" }));
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void A_blob_and_a_constant_per_channel_are_Scale_or_Bias(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Random("c", [3, 1, 1], 0.5f, 2f).Node(op, ["x", "c"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { op is "Add" or "Sub" ? "Bias" : "Scale" }));
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void A_constant_per_channel_and_a_blob_are_Scale_or_Bias(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Random("c", [1, 3, 1, 1], 0.5f, 2f).Node(op, ["c", "x"], ["y"]).Output("y").Build();

        var result = op == "Div"
            ? ImportCheck.AssertSameOutputs(model, low: 0.5f, high: 2f)
            : ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result).Last(), Is.EqualTo(op == "Add" ? "Bias" : "Scale"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_constant_over_the_last_two_axes_is_Bias_over_two_axes(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Random("c", [4, 5]).Node("Add", ["x", "c"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].BiasParam.Axis, Is.EqualTo(2));
        Assert.That(result.Net.Layer[1].BiasParam.NumAxes, Is.EqualTo(2));
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void A_blob_and_a_smaller_blob_per_channel_are_Scale_or_Bias_with_two_bottoms(string op, int opset)
    {
        // A squeeze-and-excitation gate: x [2, 3, 4, 5] op g [2, 3, 1, 1], and the other way round.
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Input("g", 2, 3, 1, 1)
            .Node(op, ["x", "g"], ["y"]).Node(op, ["g", "x"], ["z"]).Output("y").Output("z").Build();

        var result = op == "Div"
            ? ImportCheck.AssertSameOutputs(model, low: 0.5f, high: 2f)
            : ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Does.Contain(op is "Add" or "Sub" ? "Bias" : "Scale"));
    }

    [Test]
    public void A_constant_that_widens_the_blob_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 1, 4).Random("c", [3, 1]).Node("Mul", ["x", "c"], ["y"], "mul").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'mul' (Mul): the constant of shape [3, 1] does not broadcast over the input [2, 1, 4]"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Pow_with_a_constant_exponent_is_Power(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Initializer("e", [2.5f]).Node("Pow", ["x", "e"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model, low: 0.1f, high: 2f);

        Assert.That(result.Net.Layer[1].PowerParam.Power, Is.EqualTo(2.5f));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Pow_of_a_constant_base_is_Exp(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Initializer("b", [3f]).Node("Pow", ["b", "x"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Exp" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Sum_of_three_blobs_is_Eltwise_SUM(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3).Input("b", 2, 3).Input("c", 2, 3)
            .Node("Sum", ["a", "b", "c"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[3].EltwiseParam.Operation, Is.EqualTo(Caffe.EltwiseParameter.Types.EltwiseOp.Sum));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Mean_of_two_blobs_is_Eltwise_SUM_with_halves(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3).Input("b", 2, 3).Node("Mean", ["a", "b"], ["y"]).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Max_of_two_blobs_is_Eltwise_MAX(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3, 4).Input("b", 2, 3, 4).Node("Max", ["a", "b"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[2].EltwiseParam.Operation, Is.EqualTo(Caffe.EltwiseParameter.Types.EltwiseOp.Max));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Greater_than_a_constant_cast_to_float_is_Threshold(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Initializer("t", [0.25f])
            .Node("Greater", ["x", "t"], ["mask"]).Node("Cast", "mask", "y", Attr("to", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Threshold", "Split" }));
    }

    [Test]
    public void Greater_read_as_a_boolean_by_another_node_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Initializer("t", [0.25f])
            .Node("Greater", ["x", "t"], ["mask"]).Node("Relu", ["mask"], ["y"], "relu").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'relu' (Relu): input 'mask' holds booleans"));
    }
}
