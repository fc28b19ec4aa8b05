using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class ScaleLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 40, 3));

    private static LayerParameter Definition(int axis = 1, int numAxes = 1, bool biasTerm = false, bool randomFillers = false)
    {
        var p = new ScaleParameter { Axis = axis, NumAxes = numAxes, BiasTerm = biasTerm };
        if (randomFillers)
        {
            p.Filler = new FillerParameter { Type = "uniform", Min = 1f, Max = 2f };
            p.BiasFiller = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f };
        }

        var parameter = new LayerParameter { Name = "scale1", Type = "Scale", ScaleParam = p };
        return parameter;
    }

    private static Blob Input() => BlobBuilder.FromValues([2, 3, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f);

    private static float[] Run(ScaleLayer layer, params Blob[] bottom)
    {
        var top = new Blob();
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        Assert.That(top.Shape, Is.EqualTo(bottom[0].Shape));
        return top.Data.ToArray();
    }

    [Test]
    public void Forward_multiplies_each_channel_by_its_scale_and_adds_its_bias()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(biasTerm: true)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([3], 2f, 0f, -1f), BlobBuilder.FromValues([3], 0.5f, 1f, 0f)]);

        Assert.That(
            Run(layer, Input()),
            Is.EqualTo(new[] { 2.5f, 4.5f, 1f, 1f, -5f, -6f, 14.5f, 16.5f, 1f, 1f, -11f, -12f }).Within(1e-6f));
    }

    [Test]
    public void Forward_with_the_scale_as_second_bottom_multiplies_by_it()
    {
        // Axis 0 with a 2 x 3 scale: each (item, channel) pair gets its own factor.
        var scale = BlobBuilder.FromValues([2, 3], 1f, 2f, 3f, -1f, 0f, 0.5f);
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(axis: 0)));

        Assert.That(layer.Blobs, Is.Empty);
        Assert.That(
            Run(layer, Input(), scale),
            Is.EqualTo(new[] { 1f, 2f, 6f, 8f, 15f, 18f, -7f, -8f, 0f, 0f, 5.5f, 6f }).Within(1e-6f));
    }

    [Test]
    public void A_scalar_scale_multiplies_everything()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(numAxes: 0)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([], 3f)]);

        Assert.That(Run(layer, Input()), Is.EqualTo(Enumerable.Range(1, 12).Select(i => 3f * i).ToArray()).Within(1e-6f));
    }

    [Test]
    public void Set_up_fills_the_scale_with_ones_and_the_bias_with_zeros_by_default()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(numAxes: -1, biasTerm: true)));

        layer.SetUp([new Blob(2, 3, 4)], [new Blob()]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(2));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.All.EqualTo(1f));
        Assert.That(layer.Blobs[1].Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void With_two_bottoms_and_a_bias_the_only_blob_is_the_bias_shaped_like_bottom_1()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(biasTerm: true)));

        layer.SetUp([new Blob(2, 3, 4), new Blob(3, 4)], [new Blob()]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 3, 4 }));
    }

    [TestCase(1, 1, false)]
    [TestCase(1, 1, true)]
    [TestCase(0, -1, true)]
    [TestCase(-1, 1, true)]
    [TestCase(1, 0, true)]
    public void Gradient_with_a_learned_scale_matches_finite_differences(int axis, int numAxes, bool biasTerm)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(axis, numAxes, biasTerm, randomFillers: true)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gradient_with_the_scale_as_second_bottom_matches_finite_differences(bool biasTerm)
    {
        var random = new RandomSource(1702);
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2), BlobBuilder.Gaussian(random, 0f, 1f, 3, 2)];
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(biasTerm: biasTerm, randomFillers: true)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob()]);
    }

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1703), 0f, 1f, 2, 3, 4);
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(biasTerm: true, randomFillers: true)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [bottom]);
    }

    [Test]
    public void Gradient_to_a_scale_the_size_of_the_bottom_matches_finite_differences()
    {
        var random = new RandomSource(1704);
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3), BlobBuilder.Gaussian(random, 0f, 1f, 2, 3)];
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(axis: 0)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob()]);
    }

    [Test]
    public void A_scale_bottom_that_does_not_match_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "x" }, new Blob(4) { Name = "a" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(40,3): layer 'scale1' (Scale): bottom 1 'a' has shape 4 (4), which does not match bottom 0 'x' of shape 2 3 4 (24) from axis 1 on"));
    }

    [Test]
    public void Num_axes_past_the_bottom_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(axis: 1, numAxes: 3)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "x" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(40,3): layer 'scale1' (Scale): the scale would cover axes 1 to 3 of bottom 'x', which has shape 2 3 4 (24); axis + num_axes must be at most 3"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition(axis: 3)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "x" }], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(40,3): layer 'scale1' (Scale): scale_param.axis 3 is out of range"));
    }

    [Test]
    public void Three_bottoms_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ScaleLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3), new Blob(3), new Blob(3)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(40,3): layer 'scale1' (Scale): expected 1 or 2 bottom blobs, got 3"));
    }
}
