using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class BNLLLayerTests
{
    private static LayerParameter Definition() => NeuronTestData.Definition("bnll", "BNLL");

    [Test]
    public void Forward_computes_log_1_plus_exp_x_without_overflow()
    {
        var bottom = BlobBuilder.FromValues([5], 0f, 1f, -1f, 100f, -100f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition())), bottom);

        // ln 2, ln(1 + e), ln(1 + 1/e), 100 (exp(100) would overflow a float), ~exp(-100).
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0.6931472f, 1.3132616f, 0.31326169f, 100f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_the_sigmoid_of_the_input()
    {
        var bottom = BlobBuilder.FromValues([5], 0f, 1f, -1f, 100f, -100f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition())), bottom, 2f, 1f, 1f, 3f, 1f);

        Assert.That(dx, Is.EqualTo(new[] { 1f, 0.7310586f, 0.26894143f, 3f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition())), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition())), NeuronTestData.Gaussian());

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition())), [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        Assert.That(
            NeuronTestData.TwoBottomsError(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new BNLLLayer(Definition()))),
            Is.EqualTo("net.prototxt(7,1): layer 'bnll' (BNLL): expected 1 bottom blob, got 2"));
    }
}
