using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Testing;
using LayerNet.Text;
using NormRegion = Caffe.LRNParameter.Types.NormRegion;

namespace LayerNet.Layers.Tests.Vision;

[TestFixture]
public sealed class LRNLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 30, 1));

    private static LayerParameter Definition(NormRegion region, uint size = 5, float alpha = 1f, float beta = 0.75f, float k = 1f)
    {
        var parameter = new LayerParameter
        {
            Name = "norm1",
            Type = "LRN",
            LrnParam = new LRNParameter { NormRegion = region, LocalSize = size, Alpha = alpha, Beta = beta, K = k },
        };
        return parameter;
    }

    /// <summary>Caffe's ReferenceLRNForward, written out loop by loop.</summary>
    private static float[] Reference(Blob bottom, NormRegion region, int size, float alpha, float beta, float k)
    {
        int num = bottom.Num, channels = bottom.Channels, height = bottom.Height, width = bottom.Width;
        var result = new float[bottom.Count];
        float At(int n, int c, int h, int w) => bottom.Data[(((((n * channels) + c) * height) + h) * width) + w];
        for (var n = 0; n < num; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var h = 0; h < height; h++)
                {
                    for (var w = 0; w < width; w++)
                    {
                        double scale;
                        if (region == NormRegion.AcrossChannels)
                        {
                            scale = k;
                            var start = c - ((size - 1) / 2);
                            for (var i = Math.Max(start, 0); i < Math.Min(start + size, channels); i++)
                            {
                                scale += (double)At(n, i, h, w) * At(n, i, h, w) * alpha / size;
                            }
                        }
                        else
                        {
                            scale = 1;
                            var hStart = h - ((size - 1) / 2);
                            var wStart = w - ((size - 1) / 2);
                            for (var y = Math.Max(hStart, 0); y < Math.Min(hStart + size, height); y++)
                            {
                                for (var x = Math.Max(wStart, 0); x < Math.Min(wStart + size, width); x++)
                                {
                                    scale += (double)At(n, c, y, x) * At(n, c, y, x) * alpha / (size * size);
                                }
                            }
                        }

                        result[(((((n * channels) + c) * height) + h) * width) + w] = (float)(At(n, c, h, w) / Math.Pow(scale, beta));
                    }
                }
            }
        }

        return result;
    }

    [Test]
    public void Across_channels_forward_on_hand_computed_values()
    {
        // x = [1, 2, 3] over channels, n = 3, alpha = 3, beta = 1, k = 2: s = 2 + (sum of neighbours' squares) = [7, 16, 15].
        var bottom = BlobBuilder.FromValues([1, 3, 1, 1], 1, 2, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(NormRegion.AcrossChannels, size: 3, alpha: 3f, beta: 1f, k: 2f)));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f / 7f, 2f / 16f, 3f / 15f }).Within(1e-6f));
    }

    [Test]
    public void Within_channel_forward_on_hand_computed_values_ignores_k_as_Caffe()
    {
        // x = [1 2 3] in one 1x3 channel, a 3x3 window, alpha = 9, beta = 1: s = 1 + (sum of squares in the window) = [6, 15, 14].
        var bottom = BlobBuilder.FromValues([1, 1, 1, 3], 1, 2, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(NormRegion.WithinChannel, size: 3, alpha: 9f, beta: 1f, k: 5f)));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f / 6f, 2f / 15f, 3f / 14f }).Within(1e-6f));
    }

    [TestCase(NormRegion.AcrossChannels, 5u, 1f, 0.75f, 1f)]
    [TestCase(NormRegion.AcrossChannels, 15u, 0.5f, 0.75f, 2f)]
    [TestCase(NormRegion.AcrossChannels, 1u, 2f, 0.5f, 1f)]
    [TestCase(NormRegion.WithinChannel, 3u, 1f, 0.75f, 1f)]
    [TestCase(NormRegion.WithinChannel, 5u, 2f, 0.6f, 1f)]
    public void Forward_matches_Caffe_reference(NormRegion region, uint size, float alpha, float beta, float k)
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 7, 3, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(region, size, alpha, beta, k)));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(bottom.Shape));
        Assert.That(top.Data.ToArray(), Is.EqualTo(Reference(bottom, region, (int)size, alpha, beta, k)).Within(1e-5f));
    }

    [TestCase(NormRegion.AcrossChannels, 5u, 1f, 0.75f, 1f)]
    [TestCase(NormRegion.AcrossChannels, 15u, 0.5f, 0.75f, 2f)]
    [TestCase(NormRegion.WithinChannel, 3u, 1f, 0.75f, 1f)]
    [TestCase(NormRegion.WithinChannel, 5u, 2f, 0.6f, 1f)]
    public void Gradient_matches_finite_differences(NormRegion region, uint size, float alpha, float beta, float k)
    {
        var random = new RandomSource(1702);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 7, 3, 3);
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(region, size, alpha, beta, k)));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void An_even_local_size_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(NormRegion.AcrossChannels, size: 4))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,1): layer 'norm1' (LRN): lrn_param.local_size must be odd, got 4"));
    }

    [Test]
    public void A_bottom_without_4_axes_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(NormRegion.WithinChannel)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 7, 3) { Name = "conv1" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(30,1): layer 'norm1' (LRN): bottom 'conv1' has shape 2 7 3 (42); LRN needs 4 axes (num, channels, height, width)"));
    }

    [TestCase(NormRegion.AcrossChannels)]
    [TestCase(NormRegion.WithinChannel)]
    public void In_place_is_an_error_at_set_up(NormRegion region)
    {
        var blob = new Blob(1, 3, 2, 2) { Name = "conv1" };
        var layer = Layer.ConstructAt(DefinedAt, () => new LRNLayer(Definition(region)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([blob], [blob]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,1): layer 'norm1' (LRN): top 'conv1' is the bottom; LRN does not work in place"));
    }
}
