using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class Im2colLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 12, 1));

    private static Im2colLayer Create(Action<ConvolutionParameter> configure)
    {
        var p = new ConvolutionParameter();
        configure(p);
        return Layer.ConstructAt(DefinedAt, () => new Im2colLayer(new LayerParameter { Name = "cols", Type = "Im2col", ConvolutionParam = p }));
    }

    private static Blob Forward(Action<ConvolutionParameter> configure, Blob bottom)
    {
        var top = new Blob();
        var layer = Create(configure);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        return top;
    }

    [Test]
    public void A_2x2_kernel_over_3x3_gives_one_row_per_kernel_offset()
    {
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);

        var top = Forward(p => p.KernelSize.Add(2), bottom);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 4, 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new float[] { 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9 }));
    }

    [Test]
    public void Pad_and_stride_read_zeros_in_the_padding_per_item_and_channel()
    {
        // 2 items x 2 channels of 2 x 2; kernel 2, pad 1, stride 2: output 2 x 2, each window holds one pixel.
        var bottom = BlobBuilder.FromValues([2, 2, 2, 2], 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

        var top = Forward(p => { p.KernelSize.Add(2); p.Pad.Add(1); p.Stride.Add(2); }, bottom);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 8, 2, 2 }));
        // Channel 0 of item 0 (1 2; 3 4): offset (0,0) reads (-1,-1) (-1,1) (1,-1) (1,1): only the last is inside.
        Assert.That(top.Data[..16].ToArray(), Is.EqualTo(new float[] { 0, 0, 0, 4, 0, 0, 3, 0, 0, 2, 0, 0, 1, 0, 0, 0 }));
        Assert.That(top.Data[(3 * 16)..].ToArray(), Is.EqualTo(new float[] { 0, 0, 0, 16, 0, 0, 15, 0, 0, 14, 0, 0, 13, 0, 0, 0 }));
    }

    [Test]
    public void Dilation_spreads_the_kernel()
    {
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);

        var top = Forward(p => { p.KernelSize.Add(2); p.Dilation.Add(2); }, bottom);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 4, 1, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new float[] { 1, 3, 7, 9 }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Three_spatial_axes_after_axis_2_match_a_float64_reference(bool forceND)
    {
        // Items 2 x 1 (axis 2 is the channel axis), 2 channels, 3 x 4 x 3 volumes; kernel 2 x 3 x 2, stride 1 x 2 x 1, pad 0 x 1 x 1.
        int[] shape = [2, 1, 2, 3, 4, 3];
        int[] kernel = [2, 3, 2], stride = [1, 2, 1], pad = [0, 1, 1];
        var bottom = BlobBuilder.Uniform(new RandomSource(3), -1f, 1f, shape);

        var top = Forward(
            p =>
            {
                p.Axis = 2;
                p.ForceNdIm2Col = forceND;
                p.KernelSize.Add(kernel.Select(k => (uint)k));
                p.Stride.Add(stride.Select(s => (uint)s));
                p.Pad.Add(pad.Select(s => (uint)s));
            },
            bottom);

        int[] output = [.. Enumerable.Range(0, 3).Select(i => ((shape[i + 3] + (2 * pad[i]) - kernel[i]) / stride[i]) + 1)];
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 2 * 12, output[0], output[1], output[2] }));
        var x = bottom.Data.ToArray();
        var expected = new List<double>();
        for (var n = 0; n < 2; n++)
        {
            for (var c = 0; c < 2; c++)
            {
                for (var k0 = 0; k0 < kernel[0]; k0++)
                {
                    for (var k1 = 0; k1 < kernel[1]; k1++)
                    {
                        for (var k2 = 0; k2 < kernel[2]; k2++)
                        {
                            for (var o0 = 0; o0 < output[0]; o0++)
                            {
                                for (var o1 = 0; o1 < output[1]; o1++)
                                {
                                    for (var o2 = 0; o2 < output[2]; o2++)
                                    {
                                        int d0 = (o0 * stride[0]) - pad[0] + k0, d1 = (o1 * stride[1]) - pad[1] + k1, d2 = (o2 * stride[2]) - pad[2] + k2;
                                        var inside = d0 >= 0 && d0 < 3 && d1 >= 0 && d1 < 4 && d2 >= 0 && d2 < 3;
                                        expected.Add(inside ? x[(((((n * 2) + c) * 3) + d0) * 4 + d1) * 3 + d2] : 0.0);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        Assert.That(top.Data.ToArray().Select(v => (double)v), Is.EqualTo(expected));
    }

    [Test]
    public void Backward_adds_each_column_gradient_back_at_its_pixel()
    {
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);
        var top = new Blob();
        var layer = Create(p => p.KernelSize.Add(2));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(1f);
        bottom.Diff.Fill(7f);

        layer.Backward([top], [true], [bottom]);

        // How many 2 x 2 windows of a 3 x 3 image hold each pixel.
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new float[] { 1, 2, 1, 2, 4, 2, 1, 2, 1 }));
    }

    [Test]
    public void Gradient_matches_finite_differences_in_2D_with_pad_stride_and_dilation()
    {
        var bottom = BlobBuilder.Uniform(new RandomSource(1701), -1f, 1f, 2, 3, 6, 5);
        var layer = Create(p => { p.KernelH = 3; p.KernelW = 2; p.PadH = 1; p.PadW = 0; p.StrideH = 2; p.StrideW = 1; p.Dilation.Add(2); });

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Gradient_matches_finite_differences_in_3D()
    {
        var bottom = BlobBuilder.Uniform(new RandomSource(1702), -1f, 1f, 1, 2, 3, 4, 3);
        var layer = Create(p => { p.KernelSize.Add(2); p.Pad.Add(1); p.Stride.Add(2); });

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    private static string ErrorOf(Action<ConvolutionParameter> configure, Blob bottom)
    {
        var error = Assert.Throws<LayerNetException>(() => Create(configure).SetUp([bottom], [new Blob()]));
        return error.Message;
    }

    [Test]
    public void A_missing_kernel_size_is_an_error() =>
        Assert.That(
            ErrorOf(_ => { }, new Blob(1, 1, 4, 4)),
            Is.EqualTo("net.prototxt(12,1): layer 'cols' (Im2col): convolution_param.kernel_size must be given once, or once per spatial axis (2); it is given 0 times"));

    [Test]
    public void Kernel_h_and_w_on_a_3D_bottom_is_an_error() =>
        Assert.That(
            ErrorOf(p => { p.KernelH = 2; p.KernelW = 2; }, new Blob(1, 1, 4, 4, 4)),
            Is.EqualTo("net.prototxt(12,1): layer 'cols' (Im2col): convolution_param.kernel_h and kernel_w can only be used for 2-D convolution; the bottom has 3 spatial axes"));

    [Test]
    public void A_kernel_larger_than_the_padded_bottom_is_an_error() =>
        Assert.That(
            ErrorOf(p => { p.KernelSize.Add(5); p.Pad.Add(1); }, new Blob(1, 1, 2, 4) { Name = "data" }),
            Is.EqualTo("net.prototxt(12,1): layer 'cols' (Im2col): bottom 'data' of shape 1 1 2 4 (8) is too small on spatial axis 0 for a kernel extent of 5 with pad 1"));

    [Test]
    public void A_channel_axis_without_spatial_axes_after_it_is_an_error() =>
        Assert.That(
            ErrorOf(p => { p.KernelSize.Add(1); p.Axis = -1; }, new Blob(2, 3) { Name = "ip" }),
            Is.EqualTo("net.prototxt(12,1): layer 'cols' (Im2col): bottom 'ip' of shape 2 3 (6) has no spatial axis after convolution_param.axis 1"));

    [Test]
    public void Running_in_place_is_an_error()
    {
        var blob = new Blob(1, 1, 3, 3) { Name = "data" };
        var error = Assert.Throws<LayerNetException>(() => Create(p => p.KernelSize.Add(2)).SetUp([blob], [blob]));
        Assert.That(error.Message, Does.EndWith("top 'data' is the bottom; Im2col does not work in place"));
    }
}
