using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;
using PoolMethod = Caffe.SPPParameter.Types.PoolMethod;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class SPPLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 30, 1));

    private static SPPLayer Create(PoolMethod method, uint pyramidHeight) =>
        Layer.ConstructAt(DefinedAt, () => new SPPLayer(new LayerParameter
        {
            Name = "spp",
            Type = "SPP",
            SppParam = new SPPParameter { Pool = method, PyramidHeight = pyramidHeight },
        }));

    private static float[] Run(PoolMethod method, uint pyramidHeight, Blob bottom, out int[] shape)
    {
        var top = new Blob();
        var layer = Create(method, pyramidHeight);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        shape = [.. top.Shape];
        return top.Data.ToArray();
    }

    /// <summary>Planes of 0..15 (4 x 4), plus 100 per plane: 2 items of 2 channels.</summary>
    private static Blob FourByFour()
    {
        var blob = new Blob(2, 2, 4, 4);
        for (var i = 0; i < blob.Count; i++)
        {
            blob.Data[i] = (i % 16) + (100 * (i / 16));
        }

        return blob;
    }

    [Test]
    public void Max_of_two_levels_on_4x4_is_the_plane_max_then_the_quadrant_maxima_per_channel()
    {
        var values = Run(PoolMethod.Max, 2, FourByFour(), out var shape);

        // Level 0: one bin (kernel 4); level 1: 2 x 2 bins (kernel 2, pad (0 + 1) / 2 = 0). Per item: both
        // channels' level 0, then both channels' level 1.
        Assert.That(shape, Is.EqualTo(new[] { 2, 10 }));
        Assert.That(values, Is.EqualTo(new float[]
        {
            15, 115, 5, 7, 13, 15, 105, 107, 113, 115,
            215, 315, 205, 207, 213, 215, 305, 307, 313, 315,
        }));
    }

    [Test]
    public void Ave_of_two_levels_on_4x4_is_the_plane_mean_then_the_quadrant_means()
    {
        var values = Run(PoolMethod.Ave, 2, FourByFour(), out _);

        // Quadrant means of 0..15: (0 + 1 + 4 + 5) / 4 = 2.5, 4.5, 10.5, 12.5; the plane's mean is 7.5.
        Assert.That(values[..10], Is.EqualTo(new[] { 7.5f, 107.5f, 2.5f, 4.5f, 10.5f, 12.5f, 102.5f, 104.5f, 110.5f, 112.5f }).Within(1e-5f));
    }

    [Test]
    public void An_odd_size_pads_as_Caffe_and_ave_counts_the_padding()
    {
        // 3 x 3 of 1..9, level 1: kernel ceil(3 / 2) = 2, pad (2 * 2 - 3 + 1) / 2 = 1, stride 2: bins cover rows
        // {0} and {1, 2} (the first window starts in the padding), and AVE divides by the padded window, 4.
        var bottom = BlobBuilder.FromValues([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);

        var max = Run(PoolMethod.Max, 2, bottom, out var shape);
        var ave = Run(PoolMethod.Ave, 2, bottom, out _);

        Assert.That(shape, Is.EqualTo(new[] { 1, 5 }));
        Assert.That(max, Is.EqualTo(new float[] { 9, 1, 3, 7, 9 }));
        Assert.That(ave, Is.EqualTo(new[] { 5f, 0.25f, 1.25f, 2.75f, 7f }).Within(1e-6f));
    }

    [Test]
    public void A_pyramid_of_height_1_keeps_the_pooling_shape_as_Caffe()
    {
        var values = Run(PoolMethod.Max, 1, FourByFour(), out var shape);

        Assert.That(shape, Is.EqualTo(new[] { 2, 2, 1, 1 }));
        Assert.That(values, Is.EqualTo(new float[] { 15, 115, 215, 315 }));
    }

    [Test]
    public void Three_levels_of_a_13x13_bottom_give_1_4_and_16_bins_per_channel()
    {
        var bottom = BlobBuilder.Uniform(new RandomSource(5), -1f, 1f, 2, 3, 13, 13);

        Run(PoolMethod.Max, 3, bottom, out var shape);

        Assert.That(shape, Is.EqualTo(new[] { 2, 3 * (1 + 4 + 16) }));
    }

    [Test]
    public void Backward_adds_the_gradients_of_every_level()
    {
        var bottom = FourByFour();
        var top = new Blob();
        var layer = Create(PoolMethod.Max, 2);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(1f);
        bottom.Diff.Fill(7f);

        layer.Backward([top], [true], [bottom]);

        // Pixel 15 is the plane's maximum and its quadrant's: 2; the other quadrant maxima (5, 7, 13): 1.
        var expected = new float[16];
        expected[5] = expected[7] = expected[13] = 1;
        expected[15] = 2;
        Assert.That(bottom.Diff[..16].ToArray(), Is.EqualTo(expected));
        Assert.That(bottom.Diff[48..].ToArray(), Is.EqualTo(expected));
    }

    [TestCase(PoolMethod.Max)]
    [TestCase(PoolMethod.Ave)]
    public void Gradient_matches_finite_differences(PoolMethod method)
    {
        // 7 x 6 at level 2: kernels 2 x 2, pads 1 x 1; distinct values keep every maximum stable under the step.
        var bottom = new Blob(2, 2, 7, 6);
        var random = new RandomSource(11);
        var order = Enumerable.Range(0, bottom.Count).OrderBy(_ => random.NextInt(1 << 20)).ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            bottom.Data[i] = (order[i] - (order.Length / 2f)) * 0.05f;
        }

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(Create(method, 3), [bottom], [new Blob()]);
    }

    private static string ErrorOf(PoolMethod method, uint pyramidHeight, Blob bottom)
    {
        var error = Assert.Throws<LayerNetException>(() => Create(method, pyramidHeight).SetUp([bottom], [new Blob()]));
        return error.Message;
    }

    [Test]
    public void Stochastic_pooling_is_not_supported() =>
        Assert.That(
            ErrorOf(PoolMethod.Stochastic, 2, new Blob(1, 1, 4, 4)),
            Is.EqualTo("net.prototxt(30,1): layer 'spp' (SPP): spp_param.pool STOCHASTIC is not supported; use MAX or AVE"));

    [Test]
    public void A_pyramid_height_of_0_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, 0, new Blob(1, 1, 4, 4)),
            Is.EqualTo("net.prototxt(30,1): layer 'spp' (SPP): spp_param.pyramid_height 0 is out of range; expected at least 1"));

    [Test]
    public void A_bottom_too_small_for_the_finest_level_is_refused_as_Caffe_refuses_its_pad() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, 3, new Blob(1, 1, 5, 5) { Name = "conv5" }),
            Is.EqualTo(
                "net.prototxt(30,1): layer 'spp' (SPP): bottom 'conv5' of shape 1 1 5 5 (25) is too small for spp_param.pyramid_height 3: " +
                "level 2 (4 x 4 bins) needs a pad of 2 x 2, which must be less than its kernel size (2 x 2); " +
                "use fewer levels"));

    [Test]
    public void A_bottom_without_4_axes_is_an_error() =>
        Assert.That(
            ErrorOf(PoolMethod.Max, 2, new Blob(2, 16) { Name = "ip" }),
            Is.EqualTo("net.prototxt(30,1): layer 'spp' (SPP): bottom 'ip' has shape 2 16 (32); SPP needs 4 axes (num, channels, height, width)"));
}
