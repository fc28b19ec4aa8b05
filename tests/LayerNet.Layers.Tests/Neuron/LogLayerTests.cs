using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class LogLayerTests
{
    private static LayerParameter Definition(float? @base = null, float scale = 1f, float shift = 0f)
    {
        var parameter = NeuronTestData.Definition("log", "Log");
        parameter.LogParam = new LogParameter { Scale = scale, Shift = shift };
        if (@base is { } value)
        {
            parameter.LogParam.Base = value;
        }

        return parameter;
    }

    /// <summary>
    /// Caffe's log test input: exp of N(0, 1) draws, so every value is positive. As Caffe's LogBottomInit, it is the
    /// fixture's second gaussian fill from seed 1701 (the first fills the blob when the fixture is made).
    /// </summary>
    private static Blob PositiveInput()
    {
        var random = new RandomSource(1701);
        BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var blob = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var data = blob.Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = MathF.Exp(data[i]);
        }

        return blob;
    }

    [Test]
    public void Forward_with_the_default_base_is_the_natural_log()
    {
        var bottom = BlobBuilder.FromValues([3], 1f, 2.7182817f, 0.5f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(NeuronTestData.Definition("log", "Log"))), bottom);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, -0.6931472f }).Within(1e-6f));
    }

    [Test]
    public void Forward_takes_the_log_to_the_base_of_shift_plus_scale_x()
    {
        var bottom = BlobBuilder.FromValues([3], 0.5f, 1.5f, 0f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(2f, 2f, 1f))), bottom);

        // log2(2), log2(4), log2(1).
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_scale_over_ln_base_times_the_argument()
    {
        var bottom = BlobBuilder.FromValues([3], 0.5f, 1.5f, 0f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(2f, 2f, 1f))), bottom, 1f, 1f, 1f);

        // 2 / (ln 2 * u) for u = 2, 4, 1.
        Assert.That(dx, Is.EqualTo(new[] { 1.442695f, 0.7213475f, 2.8853901f }).Within(1e-5f));
    }

    [TestCase(-1f, 1f, 0f)]
    [TestCase(-1f, 1f, 1f)]
    [TestCase(2f, 1f, 0f)]
    [TestCase(2f, 1f, 1f)]
    [TestCase(2f, 3f, 0f)]
    [TestCase(2f, 3f, 1f)]
    public void Gradient_matches_finite_differences(float @base, float scale, float shift)
    {
        new GradientChecker(1e-2f, 1e-2f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(@base, scale, shift))), [PositiveInput()], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(2f, 3f, 1f))), PositiveInput());

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = PositiveInput();

        new GradientChecker(1e-2f, 1e-2f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(2f, 3f, 1f))), [blob], [blob]);
    }

    [TestCase(0f)]
    [TestCase(-2f)]
    [TestCase(1f)]
    [TestCase(float.NaN)]
    public void A_base_not_positive_or_one_is_an_error_at_the_layer(float @base)
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new LogLayer(Definition(@base))));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'log' (Log): log_param.base must be positive and not 1, or -1 for e; got "));
    }
}
