using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportDenseTests
{
    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Gemm_with_transB_is_InnerProduct_with_B_as_its_weight(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 6).Random("w", [4, 6]).Random("b", [4])
            .Node("Gemm", ["x", "w", "b"], ["y"], "fc", Attr("transB", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].InnerProductParam.NumOutput, Is.EqualTo(4));
        Assert.That(result.Weights.Layer[0].Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 4, 6 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Gemm_without_transB_transposes_B_into_the_weight(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 6).Random("w", [6, 4]).Random("b", [4])
            .Node("Gemm", ["x", "w", "b"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Weights.Layer[0].Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 4, 6 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Gemm_with_alpha_and_beta_scales_the_weight_and_the_bias(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 6).Random("w", [4, 6]).Random("b", [1, 4])
            .Node("Gemm", ["x", "w", "b"], ["y"], null, Attr("transB", 1L), Attr("alpha", 0.5f), Attr("beta", -2f)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Gemm_with_a_scalar_C_adds_it_to_every_output(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 6).Random("w", [4, 6]).Initializer("c", [0.75f])
            .Node("Gemm", ["x", "w", "c"], ["y"], null, Attr("transB", 1L)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(nameof(WithoutC))]
    public void Gemm_without_C_has_no_bias_term(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 3, 6).Random("w", [4, 6])
            .Node("Gemm", ["x", "w"], ["y"], null, Attr("transB", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].InnerProductParam.BiasTerm, Is.False);
    }

    [Test]
    public void Gemm_with_transA_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 6, 3).Random("w", [4, 6])
            .Node("Gemm", ["x", "w"], ["y"], "fc", Attr("transA", 1L), Attr("transB", 1L)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'fc' (Gemm): transA is set"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MatMul_by_a_constant_is_InnerProduct_over_the_last_axis(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 6).Random("w", [6, 5])
            .Node("MatMul", ["x", "w"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].InnerProductParam.Axis, Is.EqualTo(2));
        Assert.That(result.Net.Layer[1].InnerProductParam.BiasTerm, Is.False);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MatMul_then_Add_of_a_constant_row_is_one_InnerProduct_with_bias(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 4, 6).Random("w", [6, 5]).Random("b", [5])
            .Node("MatMul", ["x", "w"], ["product"]).Node("Add", ["b", "product"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "InnerProduct" }));
        Assert.That(result.Net.Layer[1].Top, Is.EqualTo(new[] { "y" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MatMul_whose_product_is_also_an_output_keeps_the_Add(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 4, 6).Random("w", [6, 5]).Random("b", [5])
            .Node("MatMul", ["x", "w"], ["product"]).Node("Add", ["product", "b"], ["y"]).Output("y").Output("product").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "InnerProduct", "Bias" }));
    }

    [Test]
    public void MatMul_of_two_computed_values_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("a", 4, 6).Input("b", 6, 5).Node("MatMul", ["a", "b"], ["y"], "mm").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'mm' (MatMul): Caffe's InnerProduct multiplies a blob"));
    }

    private static readonly int[] WithoutC = [11, 13, 17];
}
