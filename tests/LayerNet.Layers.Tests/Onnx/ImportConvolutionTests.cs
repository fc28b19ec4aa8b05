using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportConvolutionTests
{
    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_with_a_bias_is_Convolution_with_the_weights_in_Caffes_layout(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 7, 7).Random("w", [4, 3, 3, 3]).Random("b", [4])
            .Node("Conv", ["x", "w", "b"], ["y"], "conv", Attr("kernel_shape", 3, 3), Attr("pads", 1, 1, 1, 1)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        var conv = result.Net.Layer[1];
        Assert.That((conv.Name, conv.Type, conv.ConvolutionParam.NumOutput, conv.ConvolutionParam.BiasTerm), Is.EqualTo(("conv", "Convolution", 4u, true)));
        Assert.That(result.Weights.Layer[0].Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 4, 3, 3, 3 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_without_a_bias_has_no_bias_term(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 6, 6).Random("w", [3, 2, 1, 1])
            .Node("Conv", ["x", "w"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.BiasTerm, Is.False);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_with_strides_dilations_and_groups_keeps_them(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 4, 11, 10).Random("w", [6, 2, 3, 2]).Random("b", [6])
            .Node("Conv", ["x", "w", "b"], ["y"], null, Attr("strides", 2, 1), Attr("dilations", 1, 2), Attr("group", 2L), Attr("pads", 1, 2, 1, 2)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.Group, Is.EqualTo(2));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Depthwise_Conv_is_Convolution_with_a_group_per_channel(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 4, 8, 8).Random("w", [4, 1, 3, 3])
            .Node("Conv", ["x", "w"], ["y"], null, Attr("group", 4L), Attr("pads", 1, 1, 1, 1)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_over_one_spatial_axis_is_a_1d_Convolution(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 9).Random("w", [5, 3, 3]).Random("b", [5])
            .Node("Conv", ["x", "w", "b"], ["y"], null, Attr("pads", 1, 1), Attr("strides", [2L])).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_with_a_trailing_pad_it_never_reads_takes_the_leading_pad(int opset)
    {
        // (7 + 0 + 1 - 3) / 2 and (7 + 0 - 3) / 2 both round down to 2: the extra trailing row is never read.
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 7, 7).Random("w", [3, 2, 3, 3])
            .Node("Conv", ["x", "w"], ["y"], null, Attr("strides", 2, 2), Attr("pads", 0, 0, 1, 1)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.Pad, Is.Empty);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Conv_with_auto_pad_SAME_UPPER_is_Convolution_with_the_pad_it_computes(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 7, 7).Random("w", [3, 2, 3, 3])
            .Node("Conv", ["x", "w"], ["y"], null, Attr("auto_pad", "SAME_UPPER")).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.Pad, Is.EqualTo(new[] { 1u }));
    }

    [Test]
    public void Conv_with_pads_Caffe_cannot_express_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 1, 2, 8, 8).Random("w", [3, 2, 3, 3])
            .Node("Conv", ["x", "w"], ["y"], "conv", Attr("pads", 0, 0, 1, 1)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'conv' (Conv): pads 0 and 1 on spatial axis 0: Caffe pads both ends alike"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_Pad_of_zeros_before_Conv_folds_into_its_pad(int opset)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 1, 2, 6, 6).Random("w", [3, 2, 3, 3]).Output("y");
        if (opset < 11)
        {
            builder.Node("Pad", ["x"], ["padded"], "pad", Attr("pads", 0, 0, 2, 2, 0, 0, 2, 2));
        }
        else
        {
            builder.Ints("pads", 0, 0, 2, 2, 0, 0, 2, 2).Node("Pad", ["x", "pads"], ["padded"], "pad");
        }

        builder.Node("Conv", ["padded", "w"], ["y"], "conv", Attr("pads", 1, 1, 1, 1));

        var result = ImportCheck.AssertSameOutputs(builder.Build());

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Convolution" }));
        Assert.That(result.Net.Layer[1].ConvolutionParam.Pad, Is.EqualTo(new[] { 3u }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void ConvTranspose_is_Deconvolution_with_the_weights_in_Caffes_layout(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 5, 5).Random("w", [3, 4, 3, 3]).Random("b", [4])
            .Node("ConvTranspose", ["x", "w", "b"], ["y"], null, Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].Type, Is.EqualTo("Deconvolution"));
        Assert.That(result.Weights.Layer[0].Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 3, 4, 3, 3 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void ConvTranspose_with_groups_has_group_times_the_weights_outputs(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 4, 4, 4).Random("w", [4, 3, 2, 2])
            .Node("ConvTranspose", ["x", "w"], ["y"], null, Attr("strides", 2, 2), Attr("group", 2L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ConvolutionParam.NumOutput, Is.EqualTo(6));
    }

    [Test]
    public void ConvTranspose_with_output_padding_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 1, 2, 4, 4).Random("w", [2, 2, 3, 3])
            .Node("ConvTranspose", ["x", "w"], ["y"], "up", Attr("strides", 2, 2), Attr("output_padding", 1, 1)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'up' (ConvTranspose): output_padding"));
    }
}
