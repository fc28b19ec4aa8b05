using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>The forms operator sets 18 to 23 give the mapped operators: more attributes turned into inputs, and new ones.</summary>
[TestFixture]
public sealed class ImportLaterOpsetTests
{
    [TestCase("ReduceMean", 18)]
    [TestCase("ReduceL1", 21)]
    [TestCase("ReduceSumSquare", 21)]
    public void A_reduction_takes_its_axes_as_an_input_from_opset_18(string op, int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Ints("axes", -2, -1)
            .Node(op, ["x", "axes"], ["y"], null, Attr("keepdims", 0L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ReductionParam.Axis, Is.EqualTo(1));
    }

    [TestCase(18)]
    [TestCase(21)]
    public void A_reduction_with_empty_axes_and_noop_with_empty_axes_is_the_identity(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3).Node("Relu", "x", "r")
            .Node("ReduceMean", ["r"], ["y"], null, Attr("noop_with_empty_axes", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ReLU", "Split" }));
    }

    [TestCase(18)]
    [TestCase(21)]
    public void Split_into_num_outputs_makes_the_last_part_smaller(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 7)
            .Node("Split", ["x"], ["a", "b", "c"], null, Attr("axis", 1L), Attr("num_outputs", 3L)).Output("a").Output("b").Output("c").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].SliceParam.SlicePoint, Is.EqualTo(new[] { 3u, 6u }));
    }

    [TestCase(18)]
    [TestCase(21)]
    public void A_Pad_of_the_spatial_axes_named_by_its_axes_input_folds_into_Conv(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 6, 6).Random("w", [3, 2, 3, 3])
            .Ints("pads", 1, 1, 1, 1).Ints("axes", 2, 3).Node("Pad", ["x", "pads", "", "axes"], ["padded"])
            .Node("Conv", ["padded", "w"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.Pad, Is.EqualTo(new[] { 1u }));
    }

    [TestCase(19)]
    [TestCase(21)]
    public void AveragePool_with_dilations_of_1_is_Pooling(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 7, 7)
            .Node("AveragePool", "x", "y", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("dilations", 1, 1), Attr("pads", 1, 1, 1, 1), Attr("count_include_pad", 1L))
            .Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [Test]
    public void MaxPool_with_dilations_is_refused()
    {
        var model = new ImportModelBuilder(21).Input("x", 1, 2, 9, 9)
            .Node("MaxPool", ["x"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("dilations", 2, 2)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'pool' (MaxPool): dilations other than 1"));
    }

    [TestCase(21)]
    public void A_small_CNN_imports_at_opset_21(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 8, 8).Random("w", [4, 3, 3, 3]).Random("b", [4]).Random("fc", [4 * 4 * 4, 5])
            .Node("Conv", ["x", "w", "b"], ["c"], null, Attr("pads", 1, 1, 1, 1)).Node("Relu", "c", "r")
            .Node("MaxPool", "r", "p", Attr("kernel_shape", 2, 2), Attr("strides", 2, 2)).Node("Flatten", "p", "f")
            .Node("MatMul", ["f", "fc"], ["logits"]).Node("Softmax", "logits", "y").Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }
}
