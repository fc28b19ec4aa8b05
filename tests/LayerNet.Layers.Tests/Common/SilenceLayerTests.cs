using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class SilenceLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 50, 1));

    private static LayerParameter Definition()
    {
        var parameter = new LayerParameter { Name = "quiet", Type = "Silence" };
        return parameter;
    }

    [Test]
    public void Forward_leaves_the_bottoms_alone()
    {
        var bottom = BlobBuilder.FromValues([2], 1, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new SilenceLayer(Definition()));

        layer.SetUp([bottom], []);
        var loss = layer.Forward([bottom], []);

        Assert.That(loss, Is.Zero);
        Assert.That(bottom.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void Backward_zeroes_the_gradients_it_propagates_to()
    {
        var first = new Blob(2);
        var second = new Blob(3);
        first.Diff.Fill(5f);
        second.Diff.Fill(5f);
        var layer = Layer.ConstructAt(DefinedAt, () => new SilenceLayer(Definition()));
        layer.SetUp([first, second], []);

        layer.Backward([], [true, false], [first, second]);

        Assert.That(first.Diff.ToArray(), Is.EqualTo(new[] { 0f, 0f }));
        Assert.That(second.Diff.ToArray(), Is.EqualTo(new[] { 5f, 5f, 5f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var random = new RandomSource(1701);
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3), BlobBuilder.Gaussian(random, 0f, 1f, 4)];
        foreach (var blob in bottom)
        {
            blob.Diff.Fill(1f);
        }

        // The objective does not depend on a silenced blob: every gradient must come back zero.
        new GradientChecker(1e-2f, 1e-3f).CheckGradient(Layer.ConstructAt(DefinedAt, () => new SilenceLayer(Definition())), bottom, []);
    }

    [Test]
    public void No_bottom_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new SilenceLayer(Definition())).SetUp([], []));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(50,1): layer 'quiet' (Silence): expected at least 1 bottom blob, got 0"));
    }

    [Test]
    public void A_top_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new SilenceLayer(Definition())).SetUp([new Blob(1)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(50,1): layer 'quiet' (Silence): expected 0 top blobs, got 1"));
    }
}
