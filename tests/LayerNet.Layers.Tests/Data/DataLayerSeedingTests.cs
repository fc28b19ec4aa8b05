using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Data;

/// <summary>
/// A prefetching data layer takes from the net's generator what Caffe's takes at set-up: one seed for the
/// transformer before DataLayerSetUp and one after it when the transform draws (mirror, or a crop at TRAIN), then
/// one for the prefetch thread; so the layers after it draw Caffe's numbers.
/// </summary>
public sealed class DataLayerSeedingTests
{
    private static string FixtureDatabase => Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb");

    [TestCase(false, 0u, Phase.Train, 1)]
    [TestCase(true, 0u, Phase.Train, 3)]
    [TestCase(false, 20u, Phase.Train, 3)]
    [TestCase(false, 20u, Phase.Test, 1)]
    [TestCase(true, 20u, Phase.Test, 3)]
    public void Set_up_takes_Caffes_number_of_raw_draws(bool mirror, uint crop, Phase phase, int draws)
    {
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "Data",
            Phase = phase,
            TransformParam = new TransformationParameter { CropSize = crop, Mirror = mirror },
            DataParam = new DataParameter { Source = FixtureDatabase, BatchSize = 4, Backend = DataParameter.Types.DB.Lmdb, Prefetch = 0, RandSkip = 50 },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");
        var random = new RandomSource(1701);
        using var layer = new DataLayer(definition) { Random = random };
        layer.SetUp([], [new Blob { Name = "data" }, new Blob { Name = "label" }]);

        var expected = new RandomSource(1701);
        for (var i = 0; i < draws; i++)
        {
            expected.NextUInt32();
        }

        Assert.That(random.NextUInt32(), Is.EqualTo(expected.NextUInt32()));
    }
}
