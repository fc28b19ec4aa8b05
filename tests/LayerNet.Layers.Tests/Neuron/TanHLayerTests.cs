using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class TanHLayerTests
{
    private static LayerParameter Definition() => NeuronTestData.Definition("tanh", "TanH");

    [Test]
    public void Forward_computes_the_hyperbolic_tangent()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 0f, 1f, -2f, 10f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition())), bottom);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 0.7615942f, -0.9640276f, 1f }).Within(1e-6f));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_1_minus_y_squared()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 1f, -2f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition())), bottom, 2f, 1f, -1f);

        // tanh(1) = 0.7615942, tanh(-2) = -0.9640276.
        float[] expected = [2f, 1f - (0.7615942f * 0.7615942f), -(1f - (0.9640276f * 0.9640276f))];
        Assert.That(dx, Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition())), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition())), NeuronTestData.Gaussian());

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition())), [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        Assert.That(
            NeuronTestData.TwoBottomsError(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new TanHLayer(Definition()))),
            Is.EqualTo("net.prototxt(7,1): layer 'tanh' (TanH): expected 1 bottom blob, got 2"));
    }
}
