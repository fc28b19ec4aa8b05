using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class ConvolutionLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 7, 1));

    /// <summary>A convolution set-up: the bottom shape and the geometry per spatial axis.</summary>
    public sealed record Geometry(
        string Name, int[] Bottom, uint Outputs, int[] Kernel, int[] Pad, int[] Stride, int[] Dilation,
        int Group = 1, int Axis = 1, bool HeightWidthFields = false, bool Bias = true)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Geometry> Cases()
    {
        yield return new Geometry("kernel 3, stride 2", [2, 3, 6, 4], 4, [3, 3], [0, 0], [2, 2], [1, 1]);
        yield return new Geometry("no bias", [2, 3, 6, 4], 4, [3, 3], [0, 0], [2, 2], [1, 1], Bias: false);
        yield return new Geometry("rectangular, kernel_h/pad_h/stride_h fields", [1, 2, 5, 4], 2, [3, 2], [1, 0], [2, 1], [1, 1], HeightWidthFields: true);
        yield return new Geometry("group 3, pad 1", [1, 6, 4, 4], 3, [3, 3], [1, 1], [1, 1], [1, 1], Group: 3);
        yield return new Geometry("dilation 2, pad 2", [1, 2, 6, 6], 2, [3, 3], [2, 2], [1, 1], [2, 2]);
        yield return new Geometry("per-axis kernel, pad, stride, dilation", [1, 2, 7, 6], 2, [3, 2], [0, 1], [1, 2], [1, 2]);
        yield return new Geometry("1x1", [2, 3, 4, 5], 4, [1, 1], [0, 0], [1, 1], [1, 1]);
        yield return new Geometry("1x1, stride 2", [1, 3, 4, 5], 4, [1, 1], [0, 0], [2, 2], [1, 1]);
        yield return new Geometry("3-D", [1, 2, 5, 4, 3], 2, [3, 3, 3], [1, 1, 1], [2, 2, 2], [1, 1, 1]);
        yield return new Geometry("1-D, dilation 2", [2, 3, 9], 2, [3], [1], [1], [2]);
        yield return new Geometry("axis 2", [1, 2, 3, 4, 4], 2, [3, 3], [1, 1], [1, 1], [1, 1], Axis: 2);
        yield return new Geometry("group 2, stride 2, dilation 2", [1, 4, 7, 7], 2, [3, 3], [1, 1], [2, 2], [2, 2], Group: 2);

        // Depthwise (group = channels = num_output): the direct planes of DepthwiseConvolution, with rows long enough
        // for its vector loops and strides that split rows into phases.
        yield return new Geometry("depthwise 3x3, pad 1", [2, 4, 5, 6], 4, [3, 3], [1, 1], [1, 1], [1, 1], Group: 4);
        yield return new Geometry("depthwise, stride 2, pad 1, no bias", [1, 3, 7, 8], 3, [3, 3], [1, 1], [2, 2], [1, 1], Group: 3, Bias: false);
        yield return new Geometry("depthwise, long rows", [1, 2, 4, 37], 2, [3, 3], [1, 1], [1, 1], [1, 1], Group: 2);
        yield return new Geometry("depthwise, long rows, stride 2", [1, 2, 5, 41], 2, [3, 3], [1, 1], [2, 2], [1, 1], Group: 2);
        yield return new Geometry("depthwise, kernel 3x5, stride 3x2, pad 2x1, dilation 1x2", [1, 2, 8, 23], 2, [3, 5], [2, 1], [3, 2], [1, 2], Group: 2);
        yield return new Geometry("depthwise, stride 3, pad 0", [1, 2, 9, 40], 2, [3, 3], [0, 0], [3, 3], [1, 1], Group: 2);
        yield return new Geometry("depthwise, long rows, stride 2, even horizontal pads 0 and 2", [2, 3, 6, 39], 3, [3, 5], [0, 2], [2, 2], [1, 1], Group: 3);
        yield return new Geometry("depthwise, long rows, stride 2, no padding", [1, 2, 5, 34], 2, [3, 3], [0, 0], [2, 2], [1, 1], Group: 2);
    }

    internal static LayerParameter Definition(Geometry c, string type = "Convolution")
    {
        var p = new ConvolutionParameter
        {
            NumOutput = c.Outputs,
            Group = (uint)c.Group,
            Axis = c.Axis,
            BiasTerm = c.Bias,
            WeightFiller = new FillerParameter { Type = "gaussian", Std = 1f },
            BiasFiller = new FillerParameter { Type = "gaussian", Std = 1f },
        };
        if (c.HeightWidthFields)
        {
            p.KernelH = (uint)c.Kernel[0];
            p.KernelW = (uint)c.Kernel[1];
            p.PadH = (uint)c.Pad[0];
            p.PadW = (uint)c.Pad[1];
            p.StrideH = (uint)c.Stride[0];
            p.StrideW = (uint)c.Stride[1];
        }
        else
        {
            AddPerAxis(p.KernelSize, c.Kernel, null);
            AddPerAxis(p.Pad, c.Pad, 0);
            AddPerAxis(p.Stride, c.Stride, 1);
        }

        AddPerAxis(p.Dilation, c.Dilation, 1);
        return new LayerParameter { Name = "conv1", Type = type, ConvolutionParam = p };
    }

    /// <summary>Gives a repeated field once when all axes agree, else once per axis; omits it when it is the default.</summary>
    private static void AddPerAxis(Google.Protobuf.Collections.RepeatedField<uint> field, int[] values, int? defaultValue)
    {
        var same = Array.TrueForAll(values, v => v == values[0]);
        if (same && values[0] == defaultValue)
        {
            return;
        }

        foreach (var value in same ? values[..1] : values)
        {
            field.Add((uint)value);
        }
    }

    private static LayerParameter Simple(uint outputs, uint kernel, Action<ConvolutionParameter>? configure = null)
    {
        var p = new ConvolutionParameter { NumOutput = outputs, KernelSize = { kernel } };
        configure?.Invoke(p);
        var parameter = new LayerParameter { Name = "conv1", Type = "Convolution", ConvolutionParam = p };
        return parameter;
    }

    [Test]
    public void Forward_computes_a_2x2_filter_on_hand_computed_values()
    {
        // x = [1 2 3; 4 5 6; 7 8 9], W = [1 2; 3 4], b = 1: y(0,0) = 1 + 4 + 12 + 20 + 1 = 38, and so on.
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(1, 2)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([1, 1, 2, 2], 1, 2, 3, 4), BlobBuilder.FromValues([1], 1)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 38f, 48f, 68f, 78f }).Within(1e-5f));
    }

    [Test]
    public void Forward_with_pad_1_and_stride_2_sums_the_windows_clipped_by_the_padding()
    {
        // A 3x3 box filter of ones over [1..9] padded by one, every second position: the 2x2 corners' sums.
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(1, 3, p => { p.Pad.Add(1); p.Stride.Add(2); p.BiasTerm = false; })));
        layer.SetGivenBlobs([BlobBuilder.Constant(1f, 1, 1, 3, 3)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 12f, 16f, 24f, 28f }).Within(1e-5f));
    }

    [Test]
    public void Forward_with_a_Sobel_filter_finds_a_vertical_edge()
    {
        // Caffe's Sobel test in small: columns 0..2 hold 0, columns 3..5 hold 1; the x-gradient peaks at the edge.
        var bottom = new Blob(1, 1, 3, 6);
        for (var h = 0; h < 3; h++)
        {
            for (var w = 3; w < 6; w++)
            {
                bottom.Data[(h * 6) + w] = 1f;
            }
        }

        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(1, 3, p => p.BiasTerm = false)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([1, 1, 3, 3], -1, 0, 1, -2, 0, 2, -1, 0, 1)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 4f, 4f, 0f }).Within(1e-6f));
    }

    [TestCaseSource(nameof(Cases))]
    public void Forward_matches_a_direct_convolution(Geometry c) => AssertForwardMatchesDirect(c, 1701);

    // Forward on a Gaussian bottom against ReferenceConvolution, every value within 1e-4; the top starts as NaN, so
    // a value forward does not write shows.
    private static void AssertForwardMatchesDirect(Geometry c, ulong seed)
    {
        var random = new RandomSource(seed);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, c.Bottom);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Definition(c)));

        layer.SetUp([bottom], [top]);
        top.Data.Fill(float.NaN);
        layer.Forward([bottom], [top]);

        var expected = ReferenceConvolution.Convolve(
            bottom, c.Axis, layer.Blobs[0], c.Bias ? layer.Blobs[1] : null, c.Group, c.Kernel, c.Pad, c.Stride, c.Dilation);
        Assert.That(top.Shape, Is.EqualTo(expected.Shape));
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected.Data.ToArray()).Within(1e-4f));
    }

    // Column matrices over 4 M floats are built a band of output rows at a time in forward (the last band shorter):
    // the output is still the direct convolution's. Backward, which builds them whole, is checked on the small cases.
    public static IEnumerable<Geometry> BandedCases()
    {
        yield return new Geometry("banded: 72 x 260 x 260 columns, pad 1", [1, 8, 260, 260], 4, [3, 3], [1, 1], [1, 1], [1, 1]);
        yield return new Geometry("banded: stride 2, dilation 2, two items", [2, 16, 401, 299], 3, [3, 3], [1, 1], [2, 2], [2, 2]);
    }

    [TestCaseSource(nameof(BandedCases))]
    public void Forward_in_bands_matches_a_direct_convolution(Geometry c) => AssertForwardMatchesDirect(c, 1703);

    [TestCaseSource(nameof(Cases))]
    public void Gradient_matches_finite_differences(Geometry c)
    {
        var random = new RandomSource(1702);
        var bottom = BlobBuilder.Uniform(random, -1f, 1f, c.Bottom);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Definition(c)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [top]);
    }

    [Test]
    public void Two_bottoms_share_the_weights_and_each_gets_its_own_top()
    {
        var c = Cases().First();
        var random = new RandomSource(1703);
        var first = BlobBuilder.Gaussian(random, 0f, 1f, c.Bottom);
        var second = BlobBuilder.Gaussian(random, 0f, 1f, c.Bottom);
        var firstTop = new Blob();
        var secondTop = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Definition(c)));

        layer.SetUp([first, second], [firstTop, secondTop]);
        layer.Forward([first, second], [firstTop, secondTop]);

        var expected = ReferenceConvolution.Convolve(second, 1, layer.Blobs[0], layer.Blobs[1], 1, c.Kernel, c.Pad, c.Stride, c.Dilation);
        Assert.That(secondTop.Data.ToArray(), Is.EqualTo(expected.Data.ToArray()).Within(1e-4f));
    }

    [Test]
    public void Gradient_with_two_bottoms_matches_finite_differences()
    {
        var c = Cases().First();
        var random = new RandomSource(1704);
        var first = BlobBuilder.Uniform(random, -1f, 1f, c.Bottom);
        var second = BlobBuilder.Uniform(random, -1f, 1f, c.Bottom);
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Definition(c)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [first, second], [new Blob(), new Blob()]);
    }

    [Test]
    public void Set_up_creates_Caffe_shaped_weight_and_bias()
    {
        var bottom = new Blob(2, 6, 6, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(4, 3, p => { p.Stride.Add(2); p.Group = 2; })));

        layer.SetUp([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 4, 2, 1 }));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 4, 3, 3, 3 }));
        Assert.That(layer.Blobs[1].Shape, Is.EqualTo(new[] { 4 }));
    }

    [Test]
    public void Backward_accumulates_parameter_gradients_and_overwrites_the_bottom_gradient()
    {
        var c = Cases().First();
        var random = new RandomSource(1705);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, c.Bottom);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Definition(c)));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(1f);

        layer.Backward([top], [true], [bottom]);
        var weightOnce = layer.Blobs[0].Diff.ToArray();
        var biasOnce = layer.Blobs[1].Diff.ToArray();
        var bottomOnce = bottom.Diff.ToArray();
        layer.Backward([top], [true], [bottom]);

        Assert.That(layer.Blobs[0].Diff.ToArray(), Is.EqualTo(weightOnce.Select(v => 2f * v).ToArray()).Within(1e-4f));
        Assert.That(biasOnce, Is.EqualTo(new[] { 4f, 4f, 4f, 4f }), "each of 2 items has 2 x 1 output positions");
        Assert.That(layer.Blobs[1].Diff.ToArray(), Is.EqualTo(new[] { 8f, 8f, 8f, 8f }));
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(bottomOnce));
    }

    [Test]
    public void Missing_num_output_is_an_error_at_the_layer()
    {
        var parameter = Simple(0, 3);

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(parameter)));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'conv1' (Convolution): convolution_param.num_output must be given and positive"));
    }

    [Test]
    public void Channels_not_divisible_by_group_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(4, 3, p => p.Group = 2)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5) { Name = "data" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(7,1): layer 'conv1' (Convolution): bottom 'data' has 3 channels, which is not a multiple of convolution_param.group 2"));
    }

    [Test]
    public void Num_output_not_divisible_by_group_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(3, 3, p => p.Group = 2))));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'conv1' (Convolution): convolution_param.num_output 3 must be a multiple of group 2"));
    }

    [Test]
    public void A_missing_kernel_size_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3, p => p.KernelSize.Clear())));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'conv1' (Convolution): convolution_param.kernel_size must be given once, or once per spatial axis (2)"));
    }

    [Test]
    public void A_zero_kernel_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 0)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'conv1' (Convolution): convolution_param: the kernel size must be positive"));
    }

    [Test]
    public void Kernel_size_and_kernel_h_together_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3, p => { p.KernelH = 3; p.KernelW = 3; })));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.EndWith("give convolution_param.kernel_size or kernel_h and kernel_w, not both"));
    }

    [Test]
    public void Kernel_h_on_a_3D_convolution_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3, p => { p.KernelSize.Clear(); p.KernelH = 3; p.KernelW = 3; })));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.EndWith("convolution_param.kernel_h and kernel_w can only be used for 2-D convolution; the bottom has 3 spatial axes"));
    }

    [Test]
    public void Two_kernel_sizes_for_three_spatial_axes_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3, p => p.KernelSize.Add(3))));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.EndWith("convolution_param.kernel_size must be given once, or once per spatial axis (3); it is given 2 times"));
    }

    [Test]
    public void A_kernel_larger_than_the_padded_input_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 5, p => p.Dilation.Add(2))));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 8, 8) { Name = "data" }], [new Blob()]));

        Assert.That(error.Message, Does.EndWith("bottom 'data' of shape 1 3 8 8 (192) is too small on spatial axis 0 for a kernel extent of 9 with pad 0"));
    }

    [Test]
    public void A_given_weight_of_the_wrong_shape_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3)));
        layer.SetGivenBlobs([new Blob(2, 3, 3, 2), new Blob(2)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'conv1' (Convolution): weight shape mismatch"));
        Assert.That(error.Message, Does.Contain("2 3 3 3 (54)").And.Contain("2 3 3 2 (36)"));
    }

    [Test]
    public void A_missing_given_bias_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3)));
        layer.SetGivenBlobs([new Blob(2, 3, 3, 3)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.EndWith("expected 2 learnable blobs (weight, bias), the model gives 1"));
    }

    [Test]
    public void Bottoms_of_different_shapes_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3)));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(1, 3, 5, 5) { Name = "a" }, new Blob(1, 3, 6, 5) { Name = "b" }], [new Blob(), new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'conv1' (Convolution): bottom 'b' has shape 1 3 6 5 (90)"));
    }

    [Test]
    public void Unequal_bottom_and_top_counts_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob(), new Blob()]));

        Assert.That(error.Message, Does.EndWith("expected as many top blobs as bottom blobs, got 1 bottom and 2 top"));
    }

    [Test]
    public void A_changed_channel_count_after_set_up_is_an_error()
    {
        var bottom = new Blob(1, 3, 5, 5) { Name = "data" };
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(2, 3)));
        layer.SetUp([bottom], [top]);
        bottom.Reshape([1, 4, 5, 5]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([bottom], [top]));

        Assert.That(error.Message, Does.EndWith("bottom 'data' has shape 1 4 5 5 (100), with 4 channels on axis 1; the layer was set up for 3"));
    }

    [Test]
    public void A_batch_split_over_threads_gives_the_bits_of_one_item_at_a_time()
    {
        // 8 items of LeNet's conv2 shape: 12.8 M multiply-adds, enough to split over the worker threads on a
        // machine with several cores. Each item must come out exactly as when it is the whole batch.
        var random = new RandomSource(11);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 8, 20, 12, 12);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(50, 5, p => p.WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.1f })));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        BlobBuilder.Gaussian(random, 0f, 1f, top.Shape.ToArray()).Data.CopyTo(top.Diff);
        layer.Backward([top], [true], [bottom]);

        var single = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(Simple(50, 5)));
        single.SetGivenBlobs([layer.Blobs[0], layer.Blobs[1]]);
        for (var n = 0; n < 8; n++)
        {
            var item = new Blob(1, 20, 12, 12);
            bottom.Data.Slice(n * item.Count, item.Count).CopyTo(item.Data);
            var itemTop = new Blob();
            single.SetUp([item], [itemTop]);
            single.Forward([item], [itemTop]);
            top.Diff.Slice(n * itemTop.Count, itemTop.Count).CopyTo(itemTop.Diff);
            single.Backward([itemTop], [true], [item]);

            Assert.That(itemTop.Data.ToArray(), Is.EqualTo(top.Data.Slice(n * itemTop.Count, itemTop.Count).ToArray()), $"item {n} output");
            Assert.That(item.Diff.ToArray(), Is.EqualTo(bottom.Diff.Slice(n * item.Count, item.Count).ToArray()), $"item {n} input gradient");
        }
    }
}
