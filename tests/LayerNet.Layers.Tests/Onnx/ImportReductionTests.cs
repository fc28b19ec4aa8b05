using Caffe;
using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportReductionTests
{
    private static readonly object[] ReduceCases =
    [
        .. ImportCheck.Opsets.SelectMany(opset => new[] { "ReduceSum", "ReduceMean", "ReduceL1", "ReduceSumSquare", "ReduceL2" }
            .SelectMany(op => new object[] { new object[] { op, opset, 0L }, new object[] { op, opset, 1L } })),
    ];

    // ReduceSum's axes became an input in opset 13, the other reductions' in opset 18.
    private static int AxesInputSince(string op) => op == "ReduceSum" ? 13 : 18;

    [TestCaseSource(nameof(ReduceCases))]
    public void A_reduction_over_the_trailing_axes_is_Reduction(string op, int opset, long keepdims)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5)
            .NodeWithList(op, ["x"], ["y"], "axes", [2, -1], AxesInputSince(op), Attr("keepdims", keepdims)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result)[0], Is.EqualTo("Reduction"));
        Assert.That(result.Net.Layer[1].ReductionParam.Axis, Is.EqualTo(2));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_reduction_of_every_axis_is_Reduction_from_axis_0(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4)
            .Node("ReduceMean", "x", "y", Attr("keepdims", 0L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ReductionParam.Operation, Is.EqualTo(ReductionParameter.Types.ReductionOp.Mean));
        Assert.That(result.Net.Layer[1].ReductionParam.Axis, Is.EqualTo(0));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_reduction_of_every_axis_keeping_them_is_Reduction_and_a_Reshape_to_ones(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Node("ReduceSum", "x", "y").Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Reduction", "Reshape" }));
    }

    [Test]
    public void A_reduction_over_a_middle_axis_is_refused()
    {
        var model = new ImportModelBuilder(11).Input("x", 2, 3, 4)
            .Node("ReduceSum", ["x"], ["y"], "sum", Attr("axes", [1L]), Attr("keepdims", 0L)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'sum' (ReduceSum): axes [1] of the input [2, 3, 4] are not the trailing axes"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void ArgMax_keeping_the_axis_is_ArgMax_with_that_axis(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 3)
            .Node("ArgMax", "x", "indices", Attr("axis", 1L)).Node("Cast", "indices", "y", Attr("to", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ArgmaxParam.Axis, Is.EqualTo(1));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void ArgMax_dropping_the_axis_is_ArgMax_and_a_Reshape(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 3)
            .Node("ArgMax", "x", "y", Attr("axis", -1L), Attr("keepdims", 0L)).Output("y", global::Onnx.TensorProto.Types.DataType.Int64).Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ArgMax", "Reshape" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void TopK_values_are_ArgMax_with_out_max_val(int opset)
    {
        var model = TopK(opset, 3, "values", null);

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ArgmaxParam.OutMaxVal, Is.True);
        Assert.That(result.Net.Layer[1].ArgmaxParam.TopK, Is.EqualTo(3));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void TopK_indices_are_ArgMax_without_out_max_val(int opset)
    {
        var model = TopK(opset, 2, null, "indices");

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ArgmaxParam.OutMaxVal, Is.False);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void TopK_values_and_indices_are_two_ArgMax_layers(int opset)
    {
        var model = TopK(opset, 2, "values", "indices");

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ArgMax", "ArgMax" }));
    }

    private static global::Onnx.ModelProto TopK(int opset, long k, string? values, string? indices)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 2, 4, 6);
        var outputs = new[] { values ?? "unused_values", indices ?? "unused_indices" };
        if (opset < 10)
        {
            builder.Node("TopK", ["x"], outputs, null, Attr("k", k), Attr("axis", -1L));
        }
        else
        {
            builder.Ints("k", k).Node("TopK", ["x", "k"], outputs, null, Attr("axis", -1L));
        }

        if (values is not null)
        {
            builder.Output(values);
        }

        if (indices is not null)
        {
            builder.Output(indices, global::Onnx.TensorProto.Types.DataType.Int64);
        }

        return builder.Build();
    }
}
