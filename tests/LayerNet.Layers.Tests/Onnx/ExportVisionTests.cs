using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>Convolution, deconvolution, pooling, LRN, SPP and Im2col exported to ONNX give LayerNet's outputs in ONNX Runtime.</summary>
[TestFixture]
public sealed class ExportVisionTests
{
    private static string Convolution(string type, string parameters) =>
        $"layer {{ name: \"conv\" type: \"{type}\" bottom: \"data\" top: \"out\" convolution_param {{ {parameters} }} }}";

    private static string Pooling(string parameters, string tops = "top: \"out\"") =>
        $"layer {{ name: \"pool\" type: \"Pooling\" bottom: \"data\" {tops} pooling_param {{ {parameters} }} }}";

    [TestCase("num_output: 4 kernel_size: 3")]
    [TestCase("num_output: 4 kernel_size: 3 pad: 1 stride: 2")]
    [TestCase("num_output: 6 kernel_size: 3 group: 3 pad: 1")]
    [TestCase("num_output: 6 kernel_size: 3 group: 6 pad: 1")]
    [TestCase("num_output: 4 kernel_size: 3 dilation: 2 pad: 2")]
    [TestCase("num_output: 4 kernel_h: 3 kernel_w: 1 pad_h: 1 pad_w: 0 stride_h: 2 stride_w: 1")]
    [TestCase("num_output: 4 kernel_h: 2 kernel_w: 4 pad_h: 0 pad_w: 2 stride_h: 1 stride_w: 3")]
    [TestCase("num_output: 5 kernel_size: 1")]
    [TestCase("num_output: 4 kernel_size: 3 bias_term: false")]
    [TestCase("num_output: 4 kernel_size: 3 kernel_size: 2 dilation: 1 dilation: 2 stride: 2 stride: 1")]
    public void Convolution_is_Conv(string parameters)
    {
        var model = Same([2, 6, 9, 8], Convolution("Convolution", parameters));

        Assert.That(Operators(model), Is.EqualTo(new[] { "Conv" }));
    }

    [Test]
    public void Convolution_in_three_dimensions() =>
        Same([2, 3, 5, 6, 7], Convolution("Convolution", "num_output: 4 kernel_size: 3 kernel_size: 2 kernel_size: 3 pad: 1 stride: 2"));

    [Test]
    public void Convolution_in_one_dimension() =>
        Same([2, 3, 11], Convolution("Convolution", "num_output: 4 kernel_size: 3 pad: 1 stride: 2 dilation: 2"));

    [Test]
    public void Convolution_with_several_bottoms_shares_its_weights()
    {
        var model = Same([2, 3, 6, 6], """
            layer { name: "copy" type: "Power" bottom: "data" top: "copy" power_param { scale: -1 } }
            layer { name: "conv" type: "Convolution" bottom: "data" bottom: "copy" top: "a" top: "b" convolution_param { num_output: 2 kernel_size: 3 } }
            """);

        Assert.That(model.Graph.Initializer.Count(i => i.Name.StartsWith("conv/weight", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void Convolution_with_a_channel_axis_after_two_item_axes() =>
        Same([2, 3, 4, 6, 6], Convolution("Convolution", "num_output: 5 kernel_size: 3 axis: 2"));

    [Test]
    public void Convolution_of_a_single_image_with_channel_axis_0() =>
        Same([3, 7, 6], Convolution("Convolution", "num_output: 2 kernel_size: 3 axis: 0"));

    [TestCase("num_output: 4 kernel_size: 3")]
    [TestCase("num_output: 4 kernel_size: 4 stride: 2 pad: 1")]
    [TestCase("num_output: 6 kernel_size: 3 stride: 2 group: 3")]
    [TestCase("num_output: 2 kernel_size: 3 dilation: 2 pad: 1")]
    [TestCase("num_output: 3 kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 0 bias_term: false")]
    public void Deconvolution_is_ConvTranspose(string parameters)
    {
        var model = Same([2, 6, 5, 4], Convolution("Deconvolution", parameters));

        Assert.That(Operators(model), Is.EqualTo(new[] { "ConvTranspose" }));
    }

    [Test]
    public void Deconvolution_in_three_dimensions() =>
        Same([1, 2, 3, 4, 3], Convolution("Deconvolution", "num_output: 3 kernel_size: 2 stride: 2"));

    [TestCase("MAX", "kernel_size: 3 stride: 2")]
    [TestCase("AVE", "kernel_size: 3 stride: 2")]
    [TestCase("MAX", "kernel_size: 2 stride: 2")]
    [TestCase("MAX", "kernel_size: 3 stride: 2 pad: 1")]
    [TestCase("AVE", "kernel_size: 3 stride: 1 pad: 1")]
    [TestCase("AVE", "kernel_size: 3 stride: 2 pad: 1")]
    [TestCase("AVE", "kernel_size: 2 stride: 2 pad: 1")]
    [TestCase("AVE", "kernel_size: 4 stride: 3 pad: 2")]
    [TestCase("MAX", "kernel_size: 4 stride: 3 pad: 2")]
    [TestCase("AVE", "kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0")]
    [TestCase("AVE", "kernel_h: 2 kernel_w: 3 stride_h: 3 stride_w: 2 pad_h: 0 pad_w: 1")]
    [TestCase("MAX", "kernel_h: 2 kernel_w: 3 stride_h: 3 stride_w: 2 pad_h: 0 pad_w: 1")]
    [TestCase("AVE", "kernel_h: 3 kernel_w: 3 stride_h: 2 stride_w: 2 pad_h: 0 pad_w: 1")]
    [TestCase("AVE", "kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 0")]
    [TestCase("AVE", "kernel_size: 3 stride: 2 round_mode: FLOOR")]
    [TestCase("AVE", "kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR")]
    [TestCase("MAX", "kernel_size: 2 stride: 3 round_mode: FLOOR")]
    [TestCase("AVE", "kernel_size: 8 stride: 2")]
    [TestCase("AVE", "kernel_size: 9 stride: 3 pad: 1")]
    public void Pooling_keeps_Caffes_output_size_and_divisor(string method, string window) =>
        Same([2, 3, 8, 7], Pooling($"pool: {method} {window}"));

    [Test]
    public void Average_pooling_with_a_stride_beyond_the_kernel_pads_the_windows_that_start_after_the_input()
    {
        // 6 rows, kernel 2, stride 3, rounding up: windows at 0, 3 and 6, the last after the input.
        var net = Net([1, 2, 6, 7], Pooling("pool: AVE kernel_size: 2 stride: 3"));
        Assert.That(net.Blob("out").Shape, Is.EqualTo(new[] { 1, 2, 3, 3 }));

        var model = OnnxCheck.AssertSameOutputs(net);

        Assert.That(Operators(model), Is.EqualTo(new[] { "AveragePool", "Pad" }));
    }

    [Test]
    public void Max_pooling_with_a_stride_beyond_the_kernel_gives_the_empty_windows_the_lowest_float_and_index_minus_1()
    {
        var net = Net([1, 2, 6, 7], Pooling("pool: MAX kernel_size: 2 stride: 3", "top: \"out\" top: \"mask\""));

        // The lowest float would make every other difference vanish in a tolerance relative to the largest value.
        OnnxCheck.FillInputs(net);
        var ort = OnnxCheck.Run(OnnxCheck.Export(net), net);
        net.Forward();
        Assert.That(ort["out"].Values, Is.EqualTo(net.Blob("out").Data.ToArray()).Within(1e-6));
        Assert.That(ort["mask"].Values, Is.EqualTo(net.Blob("mask").Data.ToArray()));
        Assert.That(ort["out"].Values, Does.Contain(float.MinValue));
        Assert.That(ort["mask"].Values, Does.Contain(-1f));
    }

    [Test]
    public void Average_pooling_without_pad_excludes_the_overhang_from_the_divisor()
    {
        var model = Same([1, 2, 7, 7], Pooling("pool: AVE kernel_size: 3 stride: 2 pad: 0"));

        Assert.That(IntAttribute(Node(model, "AveragePool"), "count_include_pad"), Is.Null);
    }

    [Test]
    public void Average_pooling_with_pad_and_no_overhang_counts_the_pad()
    {
        var model = Same([1, 2, 7, 7], Pooling("pool: AVE kernel_size: 3 stride: 2 pad: 1"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "AveragePool" }));
        Assert.That(IntAttribute(Node(model, "AveragePool"), "count_include_pad"), Is.EqualTo(1));
    }

    [Test]
    public void Average_pooling_with_pad_and_overhang_pads_explicitly()
    {
        // 8 + 2 - 3 = 7 is not a multiple of 2: rounding up adds a window that reaches past the pad.
        var model = Same([1, 2, 8, 8], Pooling("pool: AVE kernel_size: 3 stride: 2 pad: 1"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "Pad", "AveragePool" }));
    }

    [Test]
    public void Max_pooling_writes_its_mask_as_indices_within_the_plane()
    {
        var model = Same([2, 3, 8, 7], Pooling("pool: MAX kernel_size: 3 stride: 2 pad: 1", "top: \"out\" top: \"mask\""));

        Assert.That(Operators(model), Is.EqualTo(new[] { "MaxPool", "Mod", "Cast" }));
    }

    [TestCase("MAX")]
    [TestCase("AVE")]
    public void Global_pooling_is_the_global_operator(string method)
    {
        var model = Same([2, 3, 5, 6], Pooling($"pool: {method} global_pooling: true"));

        Assert.That(Operators(model), Is.EqualTo(new[] { method == "MAX" ? "GlobalMaxPool" : "GlobalAveragePool" }));
    }

    [Test]
    public void Global_max_pooling_with_a_mask() =>
        Same([2, 3, 5, 6], Pooling("pool: MAX global_pooling: true", "top: \"out\" top: \"mask\""));

    [TestCase(5, 1f, 0.75f, 1f)]
    [TestCase(3, 0.5f, 0.5f, 2f)]
    [TestCase(1, 2f, 1f, 0.5f)]
    public void LRN_across_channels_is_LRN(int size, float alpha, float beta, float k)
    {
        var model = Same([2, 6, 4, 5], $"layer {{ name: \"norm\" type: \"LRN\" bottom: \"data\" top: \"out\" lrn_param {{ local_size: {size} alpha: {alpha} beta: {beta} k: {k} }} }}");

        Assert.That(Operators(model), Is.EqualTo(new[] { "LRN" }));
    }

    [TestCase(3, 1f, 0.75f)]
    [TestCase(5, 2f, 0.5f)]
    public void LRN_within_channel_is_composed_as_Caffe_composes_it(int size, float alpha, float beta) =>
        Same([2, 3, 6, 5], $"layer {{ name: \"norm\" type: \"LRN\" bottom: \"data\" top: \"out\" lrn_param {{ norm_region: WITHIN_CHANNEL local_size: {size} alpha: {alpha} beta: {beta} }} }}");

    [TestCase("MAX", 1)]
    [TestCase("MAX", 3)]
    [TestCase("AVE", 3)]
    public void SPP_pools_every_level_and_concatenates_them(string method, int levels) =>
        Same([2, 3, 7, 9], $"layer {{ name: \"spp\" type: \"SPP\" bottom: \"data\" top: \"out\" spp_param {{ pool: {method} pyramid_height: {levels} }} }}");

    [TestCase("kernel_size: 3")]
    [TestCase("kernel_size: 3 pad: 1 stride: 2")]
    [TestCase("kernel_h: 2 kernel_w: 3 dilation: 2 pad_h: 1 pad_w: 0")]
    public void Im2col_is_a_convolution_that_picks_each_tap(string parameters) =>
        Same([2, 3, 7, 6], $"layer {{ name: \"cols\" type: \"Im2col\" bottom: \"data\" top: \"out\" convolution_param {{ {parameters} }} }}");
}
