using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;
using PoolMethod = Caffe.PoolingParameter.Types.PoolMethod;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class PoolingLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 21, 1));

    private static LayerParameter Definition(PoolMethod method, Action<PoolingParameter> configure)
    {
        var p = new PoolingParameter { Pool = method };
        configure(p);
        var parameter = new LayerParameter { Name = "pool1", Type = "Pooling", PoolingParam = p };
        return parameter;
    }

    /// <summary>Caffe's TestForwardSquare input: 2 x 2 channels of [1 2 5 2 3; 9 4 1 4 8; 1 2 5 2 3].</summary>
    private static Blob SquareInput()
    {
        float[] plane = [1, 2, 5, 2, 3, 9, 4, 1, 4, 8, 1, 2, 5, 2, 3];
        var blob = new Blob(2, 2, 3, 5);
        for (var i = 0; i < 4; i++)
        {
            plane.CopyTo(blob.Data[(i * 15)..]);
        }

        return blob;
    }

    /// <summary>Distinct values at least 0.05 apart, so a finite-difference step of 1e-2 never changes a maximum.</summary>
    private static Blob DistinctValues(ulong seed, params int[] shape)
    {
        var blob = new Blob(shape);
        var random = new RandomSource(seed);
        var order = Enumerable.Range(0, blob.Count).ToArray();
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        for (var i = 0; i < order.Length; i++)
        {
            blob.Data[i] = (order[i] - (order.Length / 2f)) * 0.05f;
        }

        return blob;
    }

    private static float[] Repeat(float[] plane, int times) => Enumerable.Repeat(plane, times).SelectMany(p => p).ToArray();

    [Test]
    public void Max_2x2_forward_matches_Caffe_TestForwardSquare()
    {
        var bottom = SquareInput();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => p.KernelSize = 2)));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2, 4 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(Repeat([9, 5, 5, 8, 9, 5, 5, 8], 4)));
    }

    [Test]
    public void Max_with_a_second_top_writes_the_argmax_mask()
    {
        var bottom = SquareInput();
        var top = new Blob();
        var mask = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => p.KernelSize = 2)));

        layer.SetUp([bottom], [top, mask]);
        layer.Forward([bottom], [top, mask]);

        Assert.That(mask.Shape, Is.EqualTo(top.Shape));
        Assert.That(mask.Data.ToArray(), Is.EqualTo(Repeat([5, 2, 2, 9, 5, 12, 12, 9], 4)));
    }

    [Test]
    public void Max_backward_routes_each_gradient_to_its_argmax()
    {
        var bottom = SquareInput();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => p.KernelSize = 2)));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(1f);
        bottom.Diff.Fill(7f);

        layer.Backward([top], [true], [bottom]);

        // Plane indices 5 (the 9) and 9 (the 8) win twice; 2 and 12 (the 5s) win twice each in their row.
        Assert.That(bottom.Diff[..15].ToArray(), Is.EqualTo(new float[] { 0, 0, 2, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0, 0 }));
    }

    [Test]
    public void Max_with_pad_2_matches_Caffe_TestForwardMaxPadded()
    {
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 4, 2, 3, 2, 4, 2, 1);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => { p.KernelSize = 3; p.Stride = 2; p.Pad = 2; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 3, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new float[] { 1, 4, 4, 4, 4, 4, 4, 4, 1 }));
    }

    [Test]
    public void Ave_with_pad_1_divides_by_the_padded_window_as_Caffe_TestForwardAve()
    {
        var bottom = BlobBuilder.Constant(2f, 1, 1, 3, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Ave, p => { p.KernelSize = 3; p.Pad = 1; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        float e = 8f / 9f, s = 4f / 3f;
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { e, s, e, s, 2f, s, e, s, e }).Within(1e-5f));
    }

    [Test]
    public void Ave_windows_hanging_over_the_edge_without_pad_divide_by_the_clipped_size()
    {
        // 1 x 3 input, kernel 2, stride 2: ceil((3 - 2) / 2) + 1 = 2 outputs; the second window holds only x[2].
        var bottom = BlobBuilder.FromValues([1, 1, 1, 3], 2, 4, 9);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Ave, p => { p.KernelH = 1; p.KernelW = 2; p.Stride = 2; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 9f }).Within(1e-6f));
    }

    [TestCase(3u, 2u, new float[] { 9, 5, 5, 8 })]
    [TestCase(2u, 3u, new float[] { 9, 5, 8, 9, 5, 8 })]
    public void Max_with_a_rectangular_kernel(uint kernelH, uint kernelW, float[] expected)
    {
        var bottom = SquareInput();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => { p.KernelH = kernelH; p.KernelW = kernelW; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data[..expected.Length].ToArray(), Is.EqualTo(expected));
    }

    // A large input is pooled by planes on several threads: any split gives each plane pooled alone, bit for bit,
    // the mask top of MAX included.
    [TestCase(PoolMethod.Max, 3u, 2u, 1u)]
    [TestCase(PoolMethod.Max, 3u, 1u, 1u)]
    [TestCase(PoolMethod.Ave, 3u, 2u, 1u)]
    [TestCase(PoolMethod.Max, 2u, 2u, 0u)]
    [NonParallelizable]
    public void Planes_split_over_threads_pool_as_each_plane_alone(PoolMethod method, uint kernel, uint stride, uint pad)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1703), 0f, 1f, 2, 41, 30, 29);
        LayerParameter Define() => Definition(method, p => { p.KernelSize = kernel; p.Stride = stride; p.Pad = pad; });
        var tops = method == PoolMethod.Max ? 2 : 1;
        foreach (var parts in new[] { 0, 2, 3, 7 })
        {
            WorkParts.Forced = parts;
            try
            {
                var top = Enumerable.Range(0, tops).Select(_ => new Blob()).ToArray();
                var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Define()));
                layer.SetUp([bottom], top);
                layer.Forward([bottom], top);
                var planeOut = top[0].Height * top[0].Width;
                WorkParts.Forced = 1;
                for (var plane = 0; plane < 82; plane++)
                {
                    var one = new Blob(1, 1, 30, 29);
                    bottom.Data.Slice(plane * 870, 870).CopyTo(one.Data);
                    var alone = Enumerable.Range(0, tops).Select(_ => new Blob()).ToArray();
                    var single = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Define()));
                    single.SetUp([one], alone);
                    single.Forward([one], alone);
                    for (var t = 0; t < tops; t++)
                    {
                        Assert.That(
                            top[t].Data.Slice(plane * planeOut, planeOut).ToArray().Select(BitConverter.SingleToInt32Bits),
                            Is.EqualTo(alone[t].Data.ToArray().Select(BitConverter.SingleToInt32Bits)),
                            $"{parts} parts, plane {plane}, top {t}");
                    }
                }
            }
            finally
            {
                WorkParts.Forced = 0;
            }
        }
    }

    [TestCase(PoolMethod.Max)]
    [TestCase(PoolMethod.Ave)]
    public void Global_pooling_reduces_each_channel_to_one_value(PoolMethod method)
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 6, 5);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => p.GlobalPooling = true)));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, 1, 1 }));
        for (var plane = 0; plane < 6; plane++)
        {
            var values = bottom.Data.Slice(plane * 30, 30).ToArray();
            var expected = method == PoolMethod.Max ? values.Max() : values.Average();
            Assert.That(top.Data[plane], Is.EqualTo(expected).Within(1e-5f));
        }
    }

    [TestCase(0u, PoolingParameter.Types.RoundMode.Ceil, 3, 2)]
    [TestCase(1u, PoolingParameter.Types.RoundMode.Ceil, 4, 3)]
    [TestCase(0u, PoolingParameter.Types.RoundMode.Floor, 2, 2)]
    [TestCase(1u, PoolingParameter.Types.RoundMode.Floor, 3, 3)]
    public void Output_size_rounds_as_Caffe(uint pad, PoolingParameter.Types.RoundMode mode, int height, int width)
    {
        // 6 x 5 input, kernel 3, stride 2 (Caffe's TestSetup and TestSetupPadded).
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => { p.KernelSize = 3; p.Stride = 2; p.Pad = pad; p.RoundMode = mode; })));

        layer.SetUp([new Blob(2, 3, 6, 5)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, height, width }));
    }

    [Test]
    public void The_last_window_may_not_start_in_the_padding()
    {
        // 5 wide, kernel 2, stride 2, pad 1: ceil(5 / 2) + 1 = 4, but window 3 would start at 5 = in the pad: 3.
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Ave, p => { p.KernelSize = 2; p.Stride = 2; p.Pad = 1; })));

        layer.SetUp([new Blob(1, 1, 5, 5)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 3, 3 }));
    }

    [TestCase(PoolMethod.Max)]
    [TestCase(PoolMethod.Ave)]
    public void A_window_larger_than_a_1x1_input_gives_one_output_as_Caffe_for_OpenPose_placeholders(PoolMethod method)
    {
        // OpenPose's deploy files ship a 1x1 input; VGG's 2x2 stride-2 pooling: ceil((1 - 2) / 2) + 1 = ceil(-0.5) + 1 = 1.
        var bottom = new Blob(1, 2, 1, 1);
        bottom.Data[0] = 3f;
        bottom.Data[1] = -2f;
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => { p.KernelSize = 2; p.Stride = 2; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 2, 1, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, -2f }));
    }

    [TestCase(PoolMethod.Max, 9f)]
    [TestCase(PoolMethod.Ave, 5f)]
    public void A_window_larger_than_the_input_by_less_than_a_stride_covers_the_whole_input(PoolMethod method, float expected)
    {
        // 3x3 input, kernel 4, stride 2: ceil(-1 / 2) + 1 = 1 window, clipped to the input (AVE divides by 3 x 3 = 9).
        var bottom = new Blob(1, 1, 3, 3);
        float[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        values.CopyTo(bottom.Data);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => { p.KernelSize = 4; p.Stride = 2; })));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 1, 1 }));
        Assert.That(top.Data[0], Is.EqualTo(expected));
    }

    [TestCase(PoolMethod.Max)]
    [TestCase(PoolMethod.Ave)]
    public void A_window_larger_than_the_input_gradient_matches_finite_differences(PoolMethod method)
    {
        var bottom = DistinctValues(7, 2, 2, 3, 3);
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => { p.KernelSize = 4; p.Stride = 2; })));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void A_window_larger_than_the_input_by_a_stride_or_more_is_still_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, p => { p.KernelSize = 3; p.Stride = 2; }, new Blob(1, 1, 1, 1) { Name = "data" }),
            Does.EndWith("bottom 'data' of shape 1 1 1 1 (1) is smaller than the kernel (3 x 3) with pad (0 x 0)"));

    public static IEnumerable<TestCaseData> GradientCases()
    {
        foreach (var method in new[] { PoolMethod.Max, PoolMethod.Ave })
        {
            yield return new TestCaseData(method, 3u, 3u, 2u, 0u).SetArgDisplayNames($"{method}", "kernel 3", "stride 2", "no pad");
            yield return new TestCaseData(method, 3u, 3u, 2u, 1u).SetArgDisplayNames($"{method}", "kernel 3", "stride 2", "pad 1");
            yield return new TestCaseData(method, 3u, 2u, 1u, 1u).SetArgDisplayNames($"{method}", "kernel 3x2", "stride 1", "pad 1");
            yield return new TestCaseData(method, 2u, 4u, 2u, 0u).SetArgDisplayNames($"{method}", "kernel 2x4", "stride 2", "no pad");
        }
    }

    [TestCaseSource(nameof(GradientCases))]
    public void Gradient_matches_finite_differences(PoolMethod method, uint kernelH, uint kernelW, uint stride, uint pad)
    {
        var bottom = DistinctValues(1701, 2, 2, 6, 5);
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => { p.KernelH = kernelH; p.KernelW = kernelW; p.Stride = stride; p.Pad = pad; })));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [TestCase(PoolMethod.Max)]
    [TestCase(PoolMethod.Ave)]
    public void Global_pooling_gradient_matches_finite_differences(PoolMethod method)
    {
        var bottom = DistinctValues(1702, 2, 2, 4, 3);
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, p => p.GlobalPooling = true)));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Max_gradient_with_the_mask_top_matches_finite_differences()
    {
        var bottom = DistinctValues(1703, 1, 2, 5, 5);
        var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(PoolMethod.Max, p => { p.KernelSize = 3; p.Stride = 2; p.Pad = 1; })));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob(), new Blob()]);
    }

    private static string ErrorOf(PoolMethod method, Action<PoolingParameter> configure, Blob? bottom = null, int tops = 1)
    {
        var error = Assert.Throws<LayerNetException>(() =>
        {
            var layer = Layer.ConstructAt(DefinedAt, () => new PoolingLayer(Definition(method, configure)));
            layer.SetUp([bottom ?? new Blob(1, 1, 5, 5)], [.. Enumerable.Range(0, tops).Select(_ => new Blob())]);
        });
        return error.Message;
    }

    [Test]
    public void A_pad_not_less_than_the_kernel_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, p => { p.KernelSize = 2; p.Pad = 2; }),
            Is.EqualTo("net.prototxt(21,1): layer 'pool1' (Pooling): pooling_param: the pad (2 x 2) must be less than the kernel size (2 x 2)"));

    [Test]
    public void Stochastic_pooling_is_not_supported() =>
        Assert.That(
            ErrorOf(PoolMethod.Stochastic, p => p.KernelSize = 2),
            Is.EqualTo("net.prototxt(21,1): layer 'pool1' (Pooling): pooling_param.pool STOCHASTIC is not supported; use MAX or AVE"));

    [Test]
    public void A_kernel_size_with_global_pooling_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Ave, p => { p.GlobalPooling = true; p.KernelSize = 2; }),
            Does.EndWith("pooling_param: with global_pooling the kernel size cannot be given"));

    [Test]
    public void A_stride_with_global_pooling_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Ave, p => { p.GlobalPooling = true; p.Stride = 2; }),
            Does.EndWith("pooling_param: with global_pooling only pad 0 and stride 1 are allowed"));

    [Test]
    public void A_missing_kernel_is_an_error() =>
        Assert.That(ErrorOf(PoolMethod.Max, _ => { }), Does.EndWith("pooling_param: the kernel size is required (kernel_size, or kernel_h and kernel_w)"));

    [Test]
    public void Kernel_size_and_kernel_h_together_are_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, p => { p.KernelSize = 2; p.KernelH = 2; }),
            Does.EndWith("pooling_param: give kernel_size or kernel_h and kernel_w, not both"));

    [Test]
    public void Kernel_h_without_kernel_w_is_an_error() =>
        Assert.That(ErrorOf(PoolMethod.Max, p => p.KernelH = 2), Does.EndWith("pooling_param: a non-square kernel needs both kernel_h and kernel_w"));

    [Test]
    public void Pad_and_pad_h_together_are_an_error() =>
        Assert.That(ErrorOf(PoolMethod.Max, p => { p.KernelSize = 3; p.Pad = 1; p.PadH = 1; }), Does.EndWith("pooling_param: give pad, or both pad_h and pad_w"));

    [Test]
    public void A_bottom_without_4_axes_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, p => p.KernelSize = 2, new Blob(1, 5, 5) { Name = "data" }),
            Is.EqualTo("net.prototxt(21,1): layer 'pool1' (Pooling): bottom 'data' has shape 1 5 5 (25); pooling needs 4 axes (num, channels, height, width)"));

    [Test]
    public void A_kernel_larger_than_the_input_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, p => p.KernelSize = 6, new Blob(1, 1, 5, 5) { Name = "data" }),
            Does.EndWith("bottom 'data' of shape 1 1 5 5 (25) is smaller than the kernel (6 x 6) with pad (0 x 0)"));

    [Test]
    public void Average_pooling_with_a_mask_top_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Ave, p => p.KernelSize = 2, tops: 2),
            Is.EqualTo("net.prototxt(21,1): layer 'pool1' (Pooling): expected 1 top blob, got 2"));
}
