using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

/// <summary>Dropout draws Caffe's mask: caffe_rng_bernoulli(count, 1. - ratio) over the whole blob, in order.</summary>
[TestFixture]
public sealed class DropoutCaffeMaskTests
{
    [TestCase(0.3f, 1000, 10584548431623067650UL)]
    [TestCase(0.5f, 100_000, 12769243528193035155UL)]
    public void The_mask_is_Caffes_bernoulli_draws_and_the_scale_Caffes_double_one_over_one_minus_ratio(float ratio, int count, ulong caffeMaskHash)
    {
        // The hash is an FNV-1a 64 (offset 1469598103934665603) of each mask value as a 32-bit 0 or 1, from Boost 1.74's
        // bernoulli_distribution<double>(1. - ratio) on mt19937(13): `./ref bernd 13 COUNT RATIO` (see
        // CaffeRandomStreamTests in LayerNet.Framework.Tests for the program).
        var parameter = NeuronTestData.Definition("drop", "Dropout");
        parameter.Phase = Phase.Train;
        parameter.DropoutParam = new DropoutParameter { DropoutRatio = ratio };
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(parameter));
        layer.Random = new RandomSource(13);
        var bottom = BlobBuilder.FromValues([count], [.. Enumerable.Repeat(1f, count)]);

        var top = NeuronTestData.Forward(layer, bottom).Data.ToArray();

        var scale = (float)(1.0 / (1.0 - ratio));
        var hash = 1469598103934665603UL;
        foreach (var value in top)
        {
            Assert.That(value == 0f || value == scale, Is.True, $"{value} is neither 0 nor {scale}");
            var bit = value == 0f ? 0u : 1u;
            for (var i = 0; i < 4; i++)
            {
                hash ^= (bit >> (8 * i)) & 0xFF;
                hash *= 1099511628211UL;
            }
        }

        Assert.That(hash, Is.EqualTo(caffeMaskHash));
    }
}
