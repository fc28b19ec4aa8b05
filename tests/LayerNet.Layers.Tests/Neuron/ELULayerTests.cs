using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class ELULayerTests
{
    private static LayerParameter Definition(float? alpha = null)
    {
        var parameter = NeuronTestData.Definition("elu", "ELU");
        if (alpha is { } value)
        {
            parameter.EluParam = new ELUParameter { Alpha = value };
        }

        return parameter;
    }

    [Test]
    public void Forward_is_the_identity_above_zero_and_a_scaled_exponential_below()
    {
        var bottom = BlobBuilder.FromValues([4], -1f, 0f, 2f, -10f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(0.5f))), bottom);

        // 0.5 * (exp(-1) - 1), 0, 2, 0.5 * (exp(-10) - 1).
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -0.31606028f, 0f, 2f, -0.49997730f }).Within(1e-6f));
    }

    [Test]
    public void Default_alpha_is_one()
    {
        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition())), BlobBuilder.FromValues([1], -1f));

        Assert.That(top.Data[0], Is.EqualTo(-0.63212056f).Within(1e-6f));
    }

    [Test]
    public void Backward_passes_positive_inputs_and_scales_the_others_by_alpha_exp_x()
    {
        var bottom = BlobBuilder.FromValues([3], -1f, 0f, 2f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(0.5f))), bottom, 2f, 2f, 2f);

        // 2 * 0.5 * exp(-1); at x = 0 the left-hand gradient alpha, as Caffe; 2.
        Assert.That(dx, Is.EqualTo(new[] { 0.36787944f, 1f, 2f }).Within(1e-6f));
    }

    [Test]
    public void Alpha_zero_is_a_ReLU()
    {
        var bottom = NeuronTestData.Gaussian();

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(0f))), bottom);

        var expected = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(NeuronTestData.Definition("relu", "ReLU"))), bottom);
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected.Data.ToArray()));
    }

    [TestCase(1f)]
    [TestCase(0f)]
    [TestCase(-0.5f)]
    public void Gradient_matches_finite_differences(float alpha)
    {
        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(alpha))), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [TestCase(1f)]
    [TestCase(-0.5f)]
    public void In_place_forward_and_backward_give_the_same_values(float alpha) =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(alpha))), NeuronTestData.Gaussian());

    [TestCase(1f)]
    [TestCase(-0.5f)]
    public void Gradient_in_place_matches_finite_differences(float alpha)
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition(alpha))), [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        Assert.That(
            NeuronTestData.TwoBottomsError(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ELULayer(Definition()))),
            Is.EqualTo("net.prototxt(7,1): layer 'elu' (ELU): expected 1 bottom blob, got 2"));
    }
}
