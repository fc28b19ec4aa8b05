using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class SplitLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 3, 1));

    private static LayerParameter Definition()
    {
        var parameter = new LayerParameter { Name = "data_split", Type = "Split" };
        return parameter;
    }

    [Test]
    public void Forward_gives_every_top_the_bottom_data()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 1, 2, 3, 4);
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new SplitLayer(Definition()));

        layer.SetUp([bottom], top);
        layer.Forward([bottom], top);

        foreach (var blob in top)
        {
            Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 2 }));
            Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
            Assert.That(blob.SharesDataWith(bottom), Is.True);
        }
    }

    [Test]
    public void Backward_sums_the_top_gradients()
    {
        var bottom = new Blob(3);
        Blob[] top = [new Blob(), new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new SplitLayer(Definition()));
        layer.SetUp([bottom], top);
        layer.Forward([bottom], top);
        BlobBuilder.FromValues([3], 1, 2, 3).Data.CopyTo(top[0].Diff);
        BlobBuilder.FromValues([3], 10, 20, 30).Data.CopyTo(top[1].Diff);
        BlobBuilder.FromValues([3], 100, 200, 300).Data.CopyTo(top[2].Diff);

        layer.Backward(top, [true], [bottom]);

        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new[] { 111f, 222f, 333f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new SplitLayer(Definition()));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob(), new Blob()]);
    }

    [Test]
    public void A_top_that_is_the_bottom_is_an_error()
    {
        var bottom = new Blob(2) { Name = "data" };
        var layer = Layer.ConstructAt(DefinedAt, () => new SplitLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([bottom], [new Blob(), bottom]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(3,1): layer 'data_split' (Split): top 1 'data' is the bottom; Split does not work in place"));
    }
}
