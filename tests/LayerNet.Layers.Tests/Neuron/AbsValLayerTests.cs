using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class AbsValLayerTests
{
    private static LayerParameter Definition() => NeuronTestData.Definition("abs", "AbsVal");

    [Test]
    public void Forward_computes_the_absolute_value()
    {
        var bottom = BlobBuilder.FromValues([4], -2f, 0f, 3f, -0.25f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new AbsValLayer(Definition())), bottom);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 2f, 0f, 3f, 0.25f }));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_the_sign_of_the_input()
    {
        var bottom = BlobBuilder.FromValues([4], -2f, 0f, 3f, -0.25f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new AbsValLayer(Definition())), bottom, 1f, 5f, 2f, -3f);

        Assert.That(dx, Is.EqualTo(new[] { -1f, 0f, 2f, 3f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new AbsValLayer(Definition())), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [Test]
    public void In_place_is_an_error_at_the_layer()
    {
        var blob = new Blob(2, 3) { Name = "data" };
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new AbsValLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([blob], [blob]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'abs' (AbsVal): cannot run in place (top 'data' is the bottom)"));
    }
}
