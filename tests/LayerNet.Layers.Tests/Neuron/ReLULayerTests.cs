using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class ReLULayerTests
{
    private static LayerParameter Definition(float negativeSlope = 0f)
    {
        var parameter = NeuronTestData.Definition("relu", "ReLU");
        if (negativeSlope != 0f)
        {
            parameter.ReluParam = new ReLUParameter { NegativeSlope = negativeSlope };
        }

        return parameter;
    }

    [Test]
    public void Forward_clamps_negative_values_to_zero()
    {
        var bottom = BlobBuilder.FromValues([5], -2f, -0.5f, 0f, 0.5f, 3f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition())), bottom);

        Assert.That(top.Shape, Is.EqualTo(new[] { 5 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0.5f, 3f }));
    }

    [Test]
    public void Forward_with_a_negative_slope_scales_negative_values()
    {
        var bottom = BlobBuilder.FromValues([5], -2f, -0.5f, 0f, 0.5f, 3f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition(0.1f))), bottom);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -0.2f, -0.05f, 0f, 0.5f, 3f }).Within(1e-7f));
    }

    [Test]
    public void Backward_passes_positive_inputs_and_scales_the_others_by_the_slope()
    {
        var bottom = BlobBuilder.FromValues([5], -2f, -0.5f, 0f, 0.5f, 3f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition(0.1f))), bottom, 1f, 2f, 3f, 4f, 5f);

        // The gradient at x = 0 is the slope's, as in Caffe.
        Assert.That(dx, Is.EqualTo(new[] { 0.1f, 0.2f, 0.3f, 4f, 5f }).Within(1e-6f));
    }

    [TestCase(0f)]
    [TestCase(0.01f)]
    [TestCase(-0.5f)]
    public void Gradient_matches_finite_differences(float negativeSlope)
    {
        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition(negativeSlope))), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [TestCase(0f)]
    [TestCase(0.1f)]
    [TestCase(-0.5f)]
    public void In_place_forward_and_backward_give_the_same_values(float negativeSlope) =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition(negativeSlope))), NeuronTestData.Gaussian());

    [TestCase(0f)]
    [TestCase(-0.5f)]
    public void Gradient_in_place_matches_finite_differences(float negativeSlope)
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition(negativeSlope))), [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        Assert.That(
            NeuronTestData.TwoBottomsError(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(Definition()))),
            Is.EqualTo("net.prototxt(7,1): layer 'relu' (ReLU): expected 1 bottom blob, got 2"));
    }
}
