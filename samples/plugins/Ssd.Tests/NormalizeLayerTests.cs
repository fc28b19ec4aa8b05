using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Testing;

namespace LayerNet.Samples.Ssd.Tests;

[TestFixture]
public sealed class NormalizeLayerTests
{
    private static NormalizeLayer Layer(bool acrossSpatial, bool channelShared, float scale = 1f) =>
        new(LayerDefinitions.With("Normalize", SsdExtensions.NormParam, new NormalizeParameter
        {
            AcrossSpatial = acrossSpatial,
            ChannelShared = channelShared,
            ScaleFiller = new FillerParameter { Type = "constant", Value = scale },
        }));

    [Test]
    public void Eps_defaults_to_1e_minus_10_and_the_scale_to_constant_1()
    {
        var parameter = new NormalizeParameter();
        var layer = new NormalizeLayer(new LayerParameter { Name = "n", Type = "Normalize" });
        layer.SetUp([new Blob(1, 2, 1, 1)], [new Blob()]);

        Assert.That(parameter.Eps, Is.EqualTo(1e-10f));
        Assert.That(layer.Blobs[0].Shape, Is.Empty);
        Assert.That(layer.Blobs[0].Data[0], Is.EqualTo(1f));
    }

    [Test]
    public void Across_spatial_divides_each_item_by_its_norm_and_scales()
    {
        // Channels (1, 2) and (3, 4) over two positions: norm sqrt(30); scale 2.
        var bottom = BlobBuilder.FromValues([1, 2, 1, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer(acrossSpatial: true, channelShared: true, scale: 2f);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        var norm = Math.Sqrt(30);
        Assert.That(top.Data.ToArray().Select(v => (double)v), Is.EqualTo(new[] { 2 / norm, 4 / norm, 6 / norm, 8 / norm }).Within(1e-6));
    }

    [Test]
    public void Per_position_divides_each_channel_vector_by_its_norm_and_scales_per_channel()
    {
        // Position 0: (1, 3), norm sqrt(10); position 1: (2, 4), norm sqrt(20). Scales 2 and 3.
        var bottom = BlobBuilder.FromValues([1, 2, 1, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer(acrossSpatial: false, channelShared: false);
        layer.SetUp([bottom], [top]);
        layer.Blobs[0].Data[0] = 2f;
        layer.Blobs[0].Data[1] = 3f;
        layer.Forward([bottom], [top]);

        double[] expected = [2 * 1 / Math.Sqrt(10), 2 * 2 / Math.Sqrt(20), 3 * 3 / Math.Sqrt(10), 3 * 4 / Math.Sqrt(20)];
        Assert.That(top.Data.ToArray().Select(v => (double)v), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Backward_with_unequal_channel_scales_follows_the_forks_formula()
    {
        // The fork's dx = s_c (dy - x (x . dy) / norm^2) / norm, x . dy without the scales; per position here.
        var bottom = BlobBuilder.FromValues([1, 2, 1, 1], 1f, 2f);
        var top = new Blob();
        var layer = Layer(acrossSpatial: false, channelShared: false);
        layer.SetUp([bottom], [top]);
        layer.Blobs[0].Data[0] = 2f;
        layer.Blobs[0].Data[1] = 5f;
        layer.Forward([bottom], [top]);
        top.Diff[0] = 1f;
        top.Diff[1] = -1f;
        layer.Backward([top], [true], [bottom]);

        var norm = Math.Sqrt(5);
        var dot = (1 * 1) + (2 * -1);
        double[] expected = [2 * (1 - (1 * dot / 5d)) / norm, 5 * (-1 - (2 * dot / 5d)) / norm];
        Assert.That(bottom.Diff.ToArray().Select(v => (double)v), Is.EqualTo(expected).Within(1e-6));
    }

    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public void Gradient_matches_finite_differences(bool acrossSpatial, bool channelShared)
    {
        // Equal channel scales (as the filler starts them): there the fork's formula is the exact gradient.
        var bottom = BlobBuilder.Gaussian(new RandomSource(5), 0f, 1f, 2, 3, 2, 3);
        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(Layer(acrossSpatial, channelShared, scale: 1.5f), [bottom], [new Blob()]);
    }
}
