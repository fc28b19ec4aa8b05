using LayerNet.Layers;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class SigmoidLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 7, 1));

    private static LayerParameter Definition() => new() { Name = "sig", Type = "Sigmoid" };

    [Test]
    public void Forward_computes_the_logistic_function()
    {
        var bottom = BlobBuilder.FromValues([2, 3], 0f, 1f, -1f, 2f, -3f, 10f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        float[] expected = [0.5f, 0.7310586f, 0.26894143f, 0.880797f, 0.047425874f, 0.9999546f];
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_y_times_1_minus_y()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 1f, -2f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff[0] = 2f;
        top.Diff[1] = 1f;
        top.Diff[2] = -1f;

        layer.Backward([top], [true], [bottom]);

        // y(0) = 0.5, y(1) = 0.7310586, y(-2) = 0.11920292.
        float[] expected = [2f * 0.25f, 0.7310586f * 0.2689414f, -0.11920292f * 0.8807971f];
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values()
    {
        var random = new RandomSource(1701);
        var separate = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var inPlace = new Blob(2, 3, 4, 5);
        separate.Data.CopyTo(inPlace.Data);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));
        var inPlaceLayer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));
        layer.SetUp([separate], [top]);
        inPlaceLayer.SetUp([inPlace], [inPlace]);

        layer.Forward([separate], [top]);
        inPlaceLayer.Forward([inPlace], [inPlace]);
        Assert.That(inPlace.Data.ToArray(), Is.EqualTo(top.Data.ToArray()));

        top.Diff.Fill(0.5f);
        inPlace.Diff.Fill(0.5f);
        layer.Backward([top], [true], [separate]);
        inPlaceLayer.Backward([inPlace], [true], [inPlace]);
        Assert.That(inPlace.Diff.ToArray(), Is.EqualTo(separate.Diff.ToArray()));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));

        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f).CheckGradientEltwise(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var random = new RandomSource(1701);
        var blob = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(Definition()));

        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f).CheckGradientEltwise(layer, [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(DefinedAt, () => new SigmoidLayer(parameter));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2), new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'sig' (Sigmoid): expected 1 bottom blob, got 2"));
    }
}
