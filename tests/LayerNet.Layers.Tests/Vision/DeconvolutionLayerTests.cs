using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class DeconvolutionLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 9, 3));

    public static IEnumerable<ConvolutionLayerTests.Geometry> Cases()
    {
        yield return new ConvolutionLayerTests.Geometry("kernel 3, stride 2", [2, 3, 3, 2], 4, [3, 3], [0, 0], [2, 2], [1, 1]);
        yield return new ConvolutionLayerTests.Geometry("no bias", [1, 3, 3, 2], 2, [3, 3], [0, 0], [2, 2], [1, 1], Bias: false);
        yield return new ConvolutionLayerTests.Geometry("group 2, pad 1, dilation 2", [1, 4, 3, 3], 2, [3, 3], [1, 1], [2, 2], [2, 2], Group: 2);
        yield return new ConvolutionLayerTests.Geometry("rectangular, kernel_h/pad_h/stride_h fields", [1, 2, 3, 4], 2, [3, 2], [1, 0], [2, 1], [1, 1], HeightWidthFields: true);
        yield return new ConvolutionLayerTests.Geometry("1x1", [2, 3, 3, 4], 2, [1, 1], [0, 0], [1, 1], [1, 1]);
        yield return new ConvolutionLayerTests.Geometry("3-D", [1, 2, 2, 3, 2], 2, [3, 3, 3], [1, 1, 1], [2, 2, 2], [1, 1, 1]);
    }

    private static LayerParameter Simple(uint outputs, uint kernel, Action<ConvolutionParameter>? configure = null)
    {
        var p = new ConvolutionParameter { NumOutput = outputs, KernelSize = { kernel } };
        configure?.Invoke(p);
        var parameter = new LayerParameter { Name = "deconv1", Type = "Deconvolution", ConvolutionParam = p };
        return parameter;
    }

    [Test]
    public void Forward_sums_overlapping_kernels_as_Caffe_TestSimpleDeconvolution()
    {
        // Caffe's test: ones in, a 3x3 kernel of ones at stride 2 over 3 channels, bias 0.1. Each output sums
        // 3 channels times the number of kernel placements covering it (overlaps at even interior positions).
        var bottom = BlobBuilder.Constant(1f, 2, 3, 6, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(4, 3, p =>
        {
            p.Stride.Add(2);
            p.WeightFiller = new FillerParameter { Type = "constant", Value = 1f };
            p.BiasFiller = new FillerParameter { Type = "constant", Value = 0.1f };
        })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 4, 13, 9 }));
        for (var n = 0; n < 2; n++)
        {
            for (var c = 0; c < 4; c++)
            {
                for (var h = 0; h < 13; h++)
                {
                    for (var w = 0; w < 9; w++)
                    {
                        var hOverlap = h % 2 == 0 && h > 0 && h < 12;
                        var wOverlap = w % 2 == 0 && w > 0 && w < 8;
                        var expected = 3.1f + (hOverlap && wOverlap ? 9f : hOverlap || wOverlap ? 3f : 0f);
                        Assert.That(top.Data[(((((n * 4) + c) * 13) + h) * 9) + w], Is.EqualTo(expected).Within(1e-4f), $"({n}, {c}, {h}, {w})");
                    }
                }
            }
        }
    }

    [Test]
    public void Forward_scatters_each_input_times_the_kernel_on_hand_computed_values()
    {
        // x = [1 2] (1x2), kernel [1 10; 100 1000], stride 1: the two kernel copies overlap in the middle column.
        var bottom = BlobBuilder.FromValues([1, 1, 1, 2], 1, 2);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(1, 2, p => p.BiasTerm = false)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([1, 1, 2, 2], 1, 10, 100, 1000)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 2, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 12f, 20f, 100f, 1200f, 2000f }).Within(1e-3f));
    }

    [TestCaseSource(nameof(Cases))]
    public void Forward_is_the_adjoint_of_convolution_with_the_same_weights(ConvolutionLayerTests.Geometry c)
    {
        // <deconv(x), y> = <x, conv(y)>: a deconvolution from C to O channels and a convolution from O to C
        // channels have the same C x O/group x kernel weight.
        var random = new RandomSource(1701);
        var x = BlobBuilder.Gaussian(random, 0f, 1f, c.Bottom);
        var deconvolved = new Blob();
        var deconvolution = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(ConvolutionLayerTests.Definition(c with { Bias = false }, "Deconvolution")));
        deconvolution.SetUp([x], [deconvolved]);
        deconvolution.Forward([x], [deconvolved]);
        var y = BlobBuilder.Gaussian(random, 0f, 1f, [.. deconvolved.Shape]);
        var convolved = new Blob();
        var convolution = Layer.ConstructAt(DefinedAt, () => new ConvolutionLayer(ConvolutionLayerTests.Definition(c with { Bias = false, Outputs = (uint)c.Bottom[1] })));
        convolution.SetGivenBlobs([deconvolution.Blobs[0]]);
        convolution.SetUp([y], [convolved]);
        convolution.Forward([y], [convolved]);

        Assert.That(convolved.Shape, Is.EqualTo(x.Shape));
        Assert.That(Dot(deconvolved, y), Is.EqualTo(Dot(x, convolved)).Within(1e-3));
    }

    private static double Dot(Blob a, Blob b)
    {
        var sum = 0d;
        for (var i = 0; i < a.Count; i++)
        {
            sum += (double)a.Data[i] * b.Data[i];
        }

        return sum;
    }

    [TestCaseSource(nameof(Cases))]
    public void Gradient_matches_finite_differences(ConvolutionLayerTests.Geometry c)
    {
        var random = new RandomSource(1702);
        var bottom = BlobBuilder.Uniform(random, -1f, 1f, c.Bottom);
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(ConvolutionLayerTests.Definition(c, "Deconvolution")));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Set_up_creates_the_transposed_weight_shape_and_the_upsampled_top()
    {
        var bottom = new Blob(2, 6, 6, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(4, 3, p => { p.Stride.Add(2); p.Pad.Add(1); p.Group = 2; })));

        layer.SetUp([bottom], [top]);

        // 2 (6 - 1) + 3 - 2 = 11 and 2 (4 - 1) + 3 - 2 = 7.
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 4, 11, 7 }));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 6, 2, 3, 3 }));
        Assert.That(layer.Blobs[1].Shape, Is.EqualTo(new[] { 4 }));
    }

    [Test]
    public void A_given_weight_in_convolution_shape_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(4, 3, p => p.BiasTerm = false)));
        layer.SetGivenBlobs([new Blob(4, 3, 3, 3)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 5, 5)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(9,3): layer 'deconv1' (Deconvolution): weight shape mismatch: the layer needs 3 4 3 3 (108)"));
    }

    [Test]
    public void Num_output_not_divisible_by_group_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(3, 3, p => p.Group = 2))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(9,3): layer 'deconv1' (Deconvolution): convolution_param.num_output 3 must be a multiple of group 2"));
    }

    [Test]
    public void A_pad_that_leaves_no_output_is_an_error()
    {
        // 1 (1 - 1) + 3 - 2 * 2 = -1.
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(2, 3, p => p.Pad.Add(2))));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 3, 1, 1) { Name = "data" }], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(9,3): layer 'deconv1' (Deconvolution): bottom 'data' of shape 1 3 1 1 (3) is too small"));
    }

    [Test]
    public void A_batch_split_over_threads_gives_the_bits_of_one_item_at_a_time()
    {
        // 8 items of 50 x 8 x 8 upsampled by a 5x5 kernel to 20 x 12 x 12: 12.8 M multiply-adds, enough to split over
        // the worker threads on a machine with several cores. Each item must come out exactly as when it is alone.
        var random = new RandomSource(12);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 8, 50, 8, 8);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(20, 5, p => p.WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.1f })));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        BlobBuilder.Gaussian(random, 0f, 1f, top.Shape.ToArray()).Data.CopyTo(top.Diff);
        layer.Backward([top], [true], [bottom]);

        var single = Layer.ConstructAt(DefinedAt, () => new DeconvolutionLayer(Simple(20, 5)));
        single.SetGivenBlobs([layer.Blobs[0], layer.Blobs[1]]);
        for (var n = 0; n < 8; n++)
        {
            var item = new Blob(1, 50, 8, 8);
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
