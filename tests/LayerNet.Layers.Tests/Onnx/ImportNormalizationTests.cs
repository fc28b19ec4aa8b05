using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportNormalizationTests
{
    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void BatchNormalization_is_BatchNorm_with_global_statistics_then_Scale(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5)
            .Random("gamma", [3]).Random("beta", [3]).Random("mean", [3]).Random("var", [3], 0.5f, 1.5f)
            .Node("BatchNormalization", ["x", "gamma", "beta", "mean", "var"], ["y"], "bn", Attr("epsilon", 1e-3f)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "BatchNorm", "Scale" }));
        Assert.That(result.Net.Layer[1].BatchNormParam.UseGlobalStats, Is.True);
        Assert.That(result.Net.Layer[1].BatchNormParam.Eps, Is.EqualTo(1e-3f));
        Assert.That(result.Weights.Layer[0].Blobs[2].Data, Is.EqualTo(new[] { 1f }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void BatchNormalization_of_rows_normalises_axis_1(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 4, 3)
            .Random("gamma", [3]).Random("beta", [3]).Random("mean", [3]).Random("var", [3], 0.5f, 1.5f)
            .Node("BatchNormalization", ["x", "gamma", "beta", "mean", "var"], ["y"]).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Softmax_over_the_last_axis_is_Softmax(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 7).Node("Softmax", "x", "y", Attr("axis", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model, low: -3f, high: 3f);

        Assert.That(result.Net.Layer[1].SoftmaxParam.Axis, Is.EqualTo(1));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Softmax_over_channels_followed_by_axes_of_size_1_is_Softmax_at_every_opset(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 1, 1).Node("Softmax", "x", "y", Attr("axis", 1L)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model, low: -3f, high: 3f);
    }

    [TestCase(13)]
    [TestCase(17)]
    public void Softmax_over_channels_of_an_image_is_Softmax_from_opset_13(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 3, 4).Node("Softmax", "x", "y", Attr("axis", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model, low: -3f, high: 3f);

        Assert.That(result.Net.Layer[1].SoftmaxParam.Axis, Is.EqualTo(1));
    }

    [TestCase(9)]
    [TestCase(11)]
    public void Softmax_over_channels_of_an_image_before_opset_13_is_refused(int opset)
    {
        // Before opset 13 the softmax is over channels, rows and columns together.
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 3, 4).Node("Softmax", ["x"], ["y"], "softmax", Attr("axis", 1L)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'softmax' (Softmax): before opset 13 Softmax normalises over axes 1 to 3"));
    }

    [TestCase(13)]
    [TestCase(17)]
    public void Softmax_without_an_axis_from_opset_13_is_over_the_last(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 5, 3).Node("Softmax", "x", "y").Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].SoftmaxParam.Axis, Is.EqualTo(2));
    }
}
