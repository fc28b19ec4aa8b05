using Caffe;
using LayerNet.Layers.Onnx;
using Onnx;
using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportPoolingTests
{
    // ceil_mode exists from opset 10: the opset 9 cases run without it.
    private static readonly int[] CeilOpsets = [11, 13, 17];

    private static ImportedPooling Pool(int opset, string op, long[] input, params AttributeProto[] attributes)
    {
        var model = new ImportModelBuilder(opset).Input("x", input).Node(op, ["x"], ["y"], "pool", attributes).Output("y").Build();
        var result = ImportCheck.AssertSameOutputs(model);
        return new(result, result.Net.Layer.Single(l => l.Type == "Pooling").PoolingParam);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MaxPool_is_Pooling_MAX(int opset)
    {
        var (_, p) = Pool(opset, "MaxPool", [2, 3, 8, 8], Attr("kernel_shape", 2, 2), Attr("strides", 2, 2));

        Assert.That(p.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Max));
        Assert.That(p.KernelSize, Is.EqualTo(2));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MaxPool_with_pads_and_a_floor_size_is_Pooling_FLOOR(int opset)
    {
        // (7 + 2 - 3) / 2 = 3: ONNX gives 4 outputs, Caffe's ceiling gives 4 too; (8 + 2 - 3) / 2 = 3.5: floor 4, ceiling 5.
        var (_, p) = Pool(opset, "MaxPool", [1, 2, 7, 8], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1));

        Assert.That(p.Pad, Is.EqualTo(1));
        Assert.That(p.RoundMode, Is.EqualTo(PoolingParameter.Types.RoundMode.Floor));
    }

    [TestCaseSource(nameof(CeilOpsets))]
    public void MaxPool_with_ceil_mode_is_Pooling_CEIL(int opset)
    {
        var (_, p) = Pool(opset, "MaxPool", [1, 2, 8, 8], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1), Attr("ceil_mode", 1L));

        Assert.That(p.RoundMode, Is.EqualTo(PoolingParameter.Types.RoundMode.Ceil));
    }

    [TestCaseSource(nameof(CeilOpsets))]
    public void MaxPool_with_ceil_mode_drops_a_window_that_would_start_in_the_padding(int opset)
    {
        // (5 + 2 - 2) / 2 = 2.5 rounds up to 3, plus 1 = 4 windows; the fourth would start at 6 - 1 = 5, past the input.
        Pool(opset, "MaxPool", [1, 1, 5, 5], Attr("kernel_shape", 2, 2), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1), Attr("ceil_mode", 1L));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MaxPool_with_trailing_pads_only_is_Pooling_CEIL(int opset)
    {
        // PyTorch's ceil_mode before opset 10: pads 0 at the start, 1 at the end: floor((7 + 1 - 2) / 2) + 1 = 4 = Caffe's ceiling.
        var (_, p) = Pool(opset, "MaxPool", [1, 2, 7, 7], Attr("kernel_shape", 2, 2), Attr("strides", 2, 2), Attr("pads", 0, 0, 1, 1));

        Assert.That(p.Pad, Is.EqualTo(0));
        Assert.That(p.RoundMode, Is.EqualTo(PoolingParameter.Types.RoundMode.Ceil));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MaxPool_with_a_non_square_window_keeps_both_sizes(int opset)
    {
        var (_, p) = Pool(opset, "MaxPool", [1, 2, 9, 8], Attr("kernel_shape", 3, 2), Attr("strides", 2, 1), Attr("pads", 1, 0, 1, 0));

        Assert.That((p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PadH, p.PadW), Is.EqualTo((3u, 2u, 2u, 1u, 1u, 0u)));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void AveragePool_without_pads_is_Pooling_AVE(int opset)
    {
        var (_, p) = Pool(opset, "AveragePool", [2, 3, 8, 8], Attr("kernel_shape", 2, 2), Attr("strides", 2, 2));

        Assert.That(p.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void AveragePool_counting_the_pads_is_Pooling_AVE_with_that_pad(int opset)
    {
        var (_, p) = Pool(opset, "AveragePool", [1, 2, 7, 7], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1), Attr("count_include_pad", 1L));

        Assert.That(p.Pad, Is.EqualTo(1));
    }

    [TestCaseSource(nameof(CeilOpsets))]
    public void AveragePool_counting_the_pads_with_ceil_mode_clips_the_last_window_at_the_pad(int opset)
    {
        // (8 + 2 - 3) / 2 = 3.5 rounds up: the last window hangs past the padded input; both divide by the part inside it.
        Pool(opset, "AveragePool", [1, 2, 8, 8], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1), Attr("count_include_pad", 1L), Attr("ceil_mode", 1L));
    }

    [TestCaseSource(nameof(CeilOpsets))]
    public void AveragePool_without_pads_with_ceil_mode_divides_by_the_window_inside_the_input(int opset)
    {
        Pool(opset, "AveragePool", [1, 2, 8, 8], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("ceil_mode", 1L));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void AveragePool_excluding_pads_with_pads_is_refused(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 2, 7, 7)
            .Node("AveragePool", ["x"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("pads", 1, 1, 1, 1)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'pool' (AveragePool): on spatial axis 0 Caffe's average divides by the window clipped to the input padded by 1"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_Pad_of_zeros_before_AveragePool_excluding_pads_folds_into_the_Pooling_pad(int opset)
    {
        // The form LayerNet's exporter writes for Caffe's AVE pooling with a pad: Pad 1 of zeros, then count_include_pad 0.
        var builder = new ImportModelBuilder(opset).Input("x", 1, 2, 8, 8).Output("y");
        AddPad(builder, "x", "padded", [0, 0, 1, 1, 0, 0, 1, 1], 0f);
        builder.Node("AveragePool", ["padded"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2));

        var result = ImportCheck.AssertSameOutputs(builder.Build());

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Pooling" }));
        Assert.That(result.Net.Layer[1].PoolingParam.Pad, Is.EqualTo(1));
    }

    [TestCaseSource(nameof(CeilOpsets))]
    public void A_Pad_before_AveragePool_with_ceil_mode_is_Caffes_pooling_with_overshoot(int opset)
    {
        // Caffe: ceil((8 + 2 - 3) / 2) + 1 = 5 windows, the last clipped to the padded input: ONNX's Pad then a ceil_mode average.
        var builder = new ImportModelBuilder(opset).Input("x", 1, 2, 8, 8).Output("y");
        AddPad(builder, "x", "padded", [0, 0, 1, 1, 0, 0, 1, 1], 0f);
        builder.Node("AveragePool", ["padded"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("ceil_mode", 1L));

        var result = ImportCheck.AssertSameOutputs(builder.Build());

        Assert.That(result.Net.Layer[1].PoolingParam.RoundMode, Is.EqualTo(PoolingParameter.Types.RoundMode.Ceil));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void A_Pad_of_zeros_before_MaxPool_of_a_ReLU_folds(int opset)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 1, 2, 8, 8).Output("y").Node("Relu", "x", "r");
        AddPad(builder, "r", "padded", [0, 0, 1, 1, 0, 0, 1, 1], 0f);
        builder.Node("MaxPool", ["padded"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2));

        var result = ImportCheck.AssertSameOutputs(builder.Build());

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ReLU", "Pooling" }));
    }

    [Test]
    public void A_Pad_of_zeros_before_MaxPool_of_values_that_may_be_negative_is_refused()
    {
        var builder = new ImportModelBuilder(13).Input("x", 1, 2, 8, 8).Output("y");
        AddPad(builder, "x", "padded", [0, 0, 1, 1, 0, 0, 1, 1], 0f);
        builder.Node("MaxPool", ["padded"], ["y"], "pool", Attr("kernel_shape", 3, 3), Attr("strides", 2, 2));

        Assert.That(ImportCheck.Refusal(builder.Build()).Message, Does.StartWith("node 'pool' (MaxPool): it reads node 'pad' (Pad), which pads with 0"));
    }

    [Test]
    public void A_Pad_read_by_another_operator_is_refused()
    {
        var builder = new ImportModelBuilder(13).Input("x", 1, 2, 8, 8).Output("y");
        AddPad(builder, "x", "padded", [0, 0, 1, 1, 0, 0, 1, 1], 0f);
        builder.Node("Relu", ["padded"], ["y"]);

        Assert.That(ImportCheck.Refusal(builder.Build()).Message, Does.StartWith("node 'pad' (Pad): no Caffe layer pads a blob"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void GlobalAveragePool_is_global_Pooling_AVE(int opset)
    {
        var (_, p) = Pool(opset, "GlobalAveragePool", [2, 3, 5, 6]);

        Assert.That(p.GlobalPooling, Is.True);
        Assert.That(p.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void GlobalMaxPool_is_global_Pooling_MAX(int opset)
    {
        var (_, p) = Pool(opset, "GlobalMaxPool", [2, 3, 5, 6]);

        Assert.That(p.GlobalPooling, Is.True);
        Assert.That(p.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Max));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void GlobalAveragePool_of_a_1d_input_is_Reduction_MEAN(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 7).Node("GlobalAveragePool", "x", "y").Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Reduction", "Reshape" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void MaxPool_with_auto_pad_SAME_UPPER_pads_the_end(int opset)
    {
        // SAME_UPPER on 8 with kernel 3, stride 2: 4 outputs, pads 0 and 1: Caffe's pad 0 with its ceiling.
        Pool(opset, "MaxPool", [1, 2, 8, 8], Attr("kernel_shape", 3, 3), Attr("strides", 2, 2), Attr("auto_pad", "SAME_UPPER"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void LRN_is_LRN_across_channels(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 7, 4, 5)
            .Node("LRN", "x", "y", Attr("size", 5L), Attr("alpha", 0.02f), Attr("beta", 0.75f), Attr("bias", 2f)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model, low: -3f, high: 3f);

        Assert.That(result.Net.Layer[1].LrnParam.K, Is.EqualTo(2f));
    }

    private static void AddPad(ImportModelBuilder builder, string input, string output, long[] pads, float value)
    {
        if (builder.Opset < 11)
        {
            builder.Node("Pad", [input], [output], "pad", Attr("pads", pads), Attr("value", value));
        }
        else
        {
            builder.Ints("pads", pads).Initializer("pad_value", [value]).Node("Pad", [input, "pads", "pad_value"], [output], "pad");
        }
    }

    private sealed record ImportedPooling(OnnxImportResult Result, PoolingParameter Pooling);
}
