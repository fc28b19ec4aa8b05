using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class ExpLayerTests
{
    private static LayerParameter Definition(float? @base = null, float scale = 1f, float shift = 0f)
    {
        var parameter = NeuronTestData.Definition("exp", "Exp");
        parameter.ExpParam = new ExpParameter { Scale = scale, Shift = shift };
        if (@base is { } value)
        {
            parameter.ExpParam.Base = value;
        }

        return parameter;
    }

    [Test]
    public void Forward_with_the_default_base_is_e_to_the_x()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 1f, -2f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(NeuronTestData.Definition("exp", "Exp"))), bottom);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2.7182817f, 0.13533528f }).Within(1e-6f));
    }

    [Test]
    public void Forward_raises_the_base_to_shift_plus_scale_x()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 1f, -1f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(2f, 3f, 1f))), bottom);

        // 2^1, 2^4, 2^-2.
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 2f, 16f, 0.25f }).Within(1e-5f));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_scale_ln_base_y()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 1f, -1f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(2f, 3f, 1f))), bottom, 1f, 1f, 2f);

        // 3 ln 2 = 2.0794415, times y = 2, 16, 0.25 (and dy = 2 for the last).
        Assert.That(dx, Is.EqualTo(new[] { 4.158883f, 33.271065f, 1.0397208f }).Within(1e-4f));
    }

    [TestCase(-1f, 1f, 0f)]
    [TestCase(-1f, 1f, 1f)]
    [TestCase(2f, 1f, 0f)]
    [TestCase(2f, 1f, 1f)]
    [TestCase(2f, 3f, 0f)]
    [TestCase(2f, 3f, 1f)]
    public void Gradient_matches_finite_differences(float @base, float scale, float shift)
    {
        new GradientChecker(1e-2f, 1e-3f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(@base, scale, shift))), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(2f, 3f, 1f))), NeuronTestData.Gaussian());

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(2f, 3f, 1f))), [blob], [blob]);
    }

    [TestCase(0f)]
    [TestCase(-2f)]
    [TestCase(-0.5f)]
    [TestCase(float.NaN)]
    public void A_base_neither_positive_nor_minus_one_is_an_error_at_the_layer(float @base)
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ExpLayer(Definition(@base))));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'exp' (Exp): exp_param.base must be positive, or -1 for e; got "));
    }
}
