using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class PReLULayerTests
{
    private static LayerParameter Definition(bool channelShared = false, FillerParameter? filler = null)
    {
        var parameter = NeuronTestData.Definition("prelu", "PReLU");
        parameter.PreluParam = new PReLUParameter { ChannelShared = channelShared, Filler = filler };
        return parameter;
    }

    private static FillerParameter Gaussian => new() { Type = "gaussian" };

    [Test]
    public void Slopes_default_to_a_quarter_per_channel()
    {
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        layer.SetUp([NeuronTestData.Gaussian()], [new Blob()]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 3 }));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.25f, 0.25f, 0.25f }));
    }

    [Test]
    public void A_shared_slope_is_a_single_value_with_no_axes()
    {
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition(channelShared: true)));
        layer.SetUp([NeuronTestData.Gaussian()], [new Blob()]);

        Assert.That(layer.Blobs[0].AxisCount, Is.Zero);
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.25f }));
    }

    [Test]
    public void Forward_scales_negative_values_by_their_channel_slope()
    {
        var bottom = BlobBuilder.FromValues([1, 2, 3], -1f, 2f, -3f, 4f, -5f, 0f);
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        layer.Blobs[0].Data[0] = 0.5f;
        layer.Blobs[0].Data[1] = 0.1f;

        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -0.5f, 2f, -1.5f, 4f, -0.5f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Forward_on_a_2D_bottom_has_one_slope_per_column()
    {
        var bottom = BlobBuilder.FromValues([2, 3], -1f, -1f, -1f, -2f, 2f, -2f);
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        float[] slopes = [0.1f, 0.2f, 0.3f];
        slopes.CopyTo(layer.Blobs[0].Data);

        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -0.1f, -0.2f, -0.3f, -0.2f, 2f, -0.6f }).Within(1e-6f));
    }

    [Test]
    public void Backward_accumulates_the_slope_gradient_and_overwrites_the_bottom_gradient()
    {
        var bottom = BlobBuilder.FromValues([1, 2, 3], -1f, 2f, -3f, 4f, -5f, 0f);
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        layer.Blobs[0].Data[0] = 0.5f;
        layer.Blobs[0].Data[1] = 0.1f;
        layer.Blobs[0].Diff.Fill(1f);
        bottom.Diff.Fill(100f);
        layer.Forward([bottom], [top]);
        float[] topDiff = [1f, 1f, 1f, 2f, 2f, 2f];
        topDiff.CopyTo(top.Diff);

        layer.Backward([top], [true], [bottom]);

        // da_0 = 1 + (-1 - 3); da_1 = 1 + 2 * (-5 + 0). At x = 0 the slope applies, as in Caffe.
        Assert.That(layer.Blobs[0].Diff.ToArray(), Is.EqualTo(new[] { -3f, -9f }).Within(1e-6f));
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new[] { 0.5f, 1f, 0.5f, 2f, 0.2f, 0.2f }).Within(1e-6f));
    }

    [Test]
    public void Zero_slopes_give_a_ReLU()
    {
        var bottom = NeuronTestData.Gaussian();

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition(filler: new FillerParameter { Type = "constant", Value = 0f }))), bottom);

        var expected = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ReLULayer(NeuronTestData.Definition("relu", "ReLU"))), bottom);
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected.Data.ToArray()));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gradient_matches_finite_differences(bool channelShared)
    {
        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f)
            .CheckGradientExhaustive(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition(channelShared, Gaussian))), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void In_place_forward_and_backward_give_the_same_values(bool channelShared) =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition(channelShared, Gaussian))), NeuronTestData.Gaussian());

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f, 1701, 0f, 0.01f).CheckGradientExhaustive(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition(false, Gaussian))), [blob], [blob]);
    }

    [Test]
    public void A_bottom_with_fewer_than_2_axes_is_an_error_at_the_layer()
    {
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(5) { Name = "x" }], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'prelu' (PReLU): bottom 'x' has shape 5 (5); PReLU needs at least 2 axes"));
    }

    [Test]
    public void Given_slopes_of_the_wrong_count_are_an_error_at_the_layer()
    {
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        layer.SetGivenBlobs([new Blob(4)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([NeuronTestData.Gaussian()], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'prelu' (PReLU): the given slope blob has 4 values"));
    }

    [Test]
    public void Given_slopes_of_the_right_count_are_kept()
    {
        var slopes = BlobBuilder.FromValues([3], 0.1f, 0.2f, 0.3f);
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        layer.SetGivenBlobs([slopes]);

        layer.SetUp([NeuronTestData.Gaussian()], [new Blob()]);

        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.1f, 0.2f, 0.3f }));
    }

    [Test]
    public void Reshaping_to_another_channel_count_is_an_error_at_the_layer()
    {
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PReLULayer(Definition()));
        var bottom = NeuronTestData.Gaussian();
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        bottom.Reshape([2, 4, 4, 5]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([bottom], [top]));

        Assert.That(error.Message, Does.Contain("4 channels; the layer has 3 slopes"));
    }
}
