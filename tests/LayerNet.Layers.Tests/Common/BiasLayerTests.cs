using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class BiasLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 50, 3));

    private static LayerParameter Definition(int axis = 1, int numAxes = 1, bool randomFiller = false)
    {
        var p = new BiasParameter { Axis = axis, NumAxes = numAxes };
        if (randomFiller)
        {
            p.Filler = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f };
        }

        var parameter = new LayerParameter { Name = "bias1", Type = "Bias", BiasParam = p };
        return parameter;
    }

    private static Blob Input() => BlobBuilder.FromValues([2, 3, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f);

    private static float[] Run(BiasLayer layer, params Blob[] bottom)
    {
        var top = new Blob();
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        Assert.That(top.Shape, Is.EqualTo(bottom[0].Shape));
        return top.Data.ToArray();
    }

    [Test]
    public void Forward_adds_each_channel_its_bias()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition()));
        layer.SetGivenBlobs([BlobBuilder.FromValues([3], 10f, 0f, -1f)]);

        Assert.That(Run(layer, Input()), Is.EqualTo(new[] { 11f, 12f, 3f, 4f, 4f, 5f, 17f, 18f, 9f, 10f, 10f, 11f }).Within(1e-6f));
    }

    [Test]
    public void Forward_with_the_bias_as_second_bottom_on_the_last_axis_adds_it()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition(axis: -1)));

        Assert.That(
            Run(layer, Input(), BlobBuilder.FromValues([2], 0.5f, -0.5f)),
            Is.EqualTo(new[] { 1.5f, 1.5f, 3.5f, 3.5f, 5.5f, 5.5f, 7.5f, 7.5f, 9.5f, 9.5f, 11.5f, 11.5f }).Within(1e-6f));
    }

    [Test]
    public void Set_up_fills_a_zero_bias_of_the_covered_axes_by_default()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition(axis: 1, numAxes: 2)));

        layer.SetUp([new Blob(2, 3, 4, 5)], [new Blob()]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.All.EqualTo(0f));
    }

    [TestCase(1, 1)]
    [TestCase(0, -1)]
    [TestCase(2, 0)]
    [TestCase(-2, 2)]
    public void Gradient_with_a_learned_bias_matches_finite_differences(int axis, int numAxes)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition(axis, numAxes, randomFiller: true)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Gradient_with_the_bias_as_second_bottom_matches_finite_differences()
    {
        var random = new RandomSource(1702);
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2), BlobBuilder.Gaussian(random, 0f, 1f, 3, 2)];
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition()));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob()]);
    }

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1703), 0f, 1f, 2, 3, 4);
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition(randomFiller: true)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [bottom]);
    }

    [Test]
    public void A_bias_bottom_that_does_not_match_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "x" }, new Blob(3, 5) { Name = "b" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(50,3): layer 'bias1' (Bias): bottom 1 'b' has shape 3 5 (15), which does not match bottom 0 'x' of shape 2 3 4 (24) from axis 1 on"));
    }

    [Test]
    public void A_given_bias_of_the_wrong_shape_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition()));
        layer.SetGivenBlobs([new Blob(4)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(50,3): layer 'bias1' (Bias): bias shape mismatch: the layer needs 3 (3), the given blob has 4 (4)"));
    }

    [Test]
    public void Negative_num_axes_other_than_minus_one_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new BiasLayer(Definition(numAxes: -2))));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(50,3): layer 'bias1' (Bias): bias_param.num_axes -2 is invalid; expected a count of axes, or -1 for all axes from bias_param.axis on"));
    }
}
