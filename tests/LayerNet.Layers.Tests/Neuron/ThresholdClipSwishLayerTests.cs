using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class ThresholdLayerTests
{
    private static ThresholdLayer Create(float? threshold = null)
    {
        var parameter = NeuronTestData.Definition("thr", "Threshold");
        if (threshold is { } value)
        {
            parameter.ThresholdParam = new ThresholdParameter { Threshold = value };
        }

        return Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ThresholdLayer(parameter));
    }

    [Test]
    public void Forward_is_one_strictly_above_the_threshold_and_zero_elsewhere()
    {
        var top = NeuronTestData.Forward(Create(0.5f), BlobBuilder.FromValues([5], -1f, 0.5f, 0.50001f, 2f, 0f));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 1f, 0f }));
    }

    [Test]
    public void Default_threshold_is_zero()
    {
        var top = NeuronTestData.Forward(Create(), BlobBuilder.FromValues([3], -0.1f, 0f, 0.1f));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f }));
    }

    [Test]
    public void In_place_gives_the_same_values()
    {
        var blob = BlobBuilder.FromValues([3], -2f, 0.3f, 4f);
        var layer = Create(0.25f);

        layer.SetUp([blob], [blob]);
        layer.Forward([blob], [blob]);

        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 1f }));
    }

    [Test]
    public void It_has_no_backward_and_allows_no_forced_gradient()
    {
        var layer = Create();

        Assert.That(layer.HasBackward, Is.False);
        Assert.That(layer.AllowForceBackward(0), Is.False);
    }

    [Test]
    public void A_gradient_asked_of_it_is_an_error_at_the_layer()
    {
        var bottom = BlobBuilder.FromValues([2], 1f, -1f);
        var layer = Create();
        var top = NeuronTestData.Forward(layer, bottom);

        var error = Assert.Throws<LayerNetException>(() => layer.Backward([top], [true], [bottom]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'thr' (Threshold): Threshold has no gradient (as in Caffe); give the layer 'propagate_down: false'"));
    }

    [Test]
    public void Backward_without_propagate_down_does_nothing()
    {
        var bottom = BlobBuilder.FromValues([2], 1f, -1f);
        var layer = Create();
        var top = NeuronTestData.Forward(layer, bottom);
        bottom.Diff[0] = 7f;

        layer.Backward([top], [false], [bottom]);

        Assert.That(bottom.Diff[0], Is.EqualTo(7f));
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer() =>
        Assert.That(NeuronTestData.TwoBottomsError(Create()), Is.EqualTo("net.prototxt(7,1): layer 'thr' (Threshold): expected 1 bottom blob, got 2"));
}

[TestFixture]
public sealed class ClipLayerTests
{
    private static LayerParameter Definition(float min, float max)
    {
        var parameter = NeuronTestData.Definition("clip", "Clip");
        parameter.ClipParam = new ClipParameter { Min = min, Max = max };
        return parameter;
    }

    private static ClipLayer Create(float min = -1f, float max = 2f) =>
        Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ClipLayer(Definition(min, max)));

    [Test]
    public void Forward_clamps_into_min_max()
    {
        var top = NeuronTestData.Forward(Create(), BlobBuilder.FromValues([5], -3f, -1f, 0.5f, 2f, 7f));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -1f, -1f, 0.5f, 2f, 2f }));
    }

    [Test]
    public void Min_above_max_gives_min_everywhere_as_Caffe()
    {
        var top = NeuronTestData.Forward(Create(1f, -1f), BlobBuilder.FromValues([3], -3f, 0f, 3f));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f }));
    }

    [Test]
    public void Backward_passes_the_gradient_where_min_le_x_le_max_ends_included()
    {
        var dx = NeuronTestData.Backward(Create(), BlobBuilder.FromValues([5], -3f, -1f, 0.5f, 2f, 7f), 1f, 2f, 3f, 4f, 5f);

        Assert.That(dx, Is.EqualTo(new[] { 0f, 2f, 3f, 4f, 0f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        // Inputs moved off the kinks at -1 and 2, so no finite difference (step 1e-2) straddles one.
        var bottom = NeuronTestData.Gaussian();
        var x = bottom.Data;
        for (var i = 0; i < x.Length; i++)
        {
            if (MathF.Abs(x[i] + 1f) < 0.05f || MathF.Abs(x[i] - 2f) < 0.05f)
            {
                x[i] += 0.1f;
            }
        }

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Create(), [bottom], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Create(-0.5f, 0.7f), NeuronTestData.Gaussian());

    [Test]
    public void A_definition_without_clip_param_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new ClipLayer(NeuronTestData.Definition("clip", "Clip"))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'clip' (Clip): Clip needs clip_param { min: ... max: ... }"));
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer() =>
        Assert.That(NeuronTestData.TwoBottomsError(Create()), Is.EqualTo("net.prototxt(7,1): layer 'clip' (Clip): expected 1 bottom blob, got 2"));
}

[TestFixture]
public sealed class SwishLayerTests
{
    private static SwishLayer Create(float? beta = null)
    {
        var parameter = NeuronTestData.Definition("swish", "Swish");
        if (beta is { } value)
        {
            parameter.SwishParam = new SwishParameter { Beta = value };
        }

        return Layer.ConstructAt(NeuronTestData.DefinedAt, () => new SwishLayer(parameter));
    }

    [Test]
    public void Forward_is_x_times_sigmoid_of_beta_x()
    {
        var top = NeuronTestData.Forward(Create(2f), BlobBuilder.FromValues([3], 1f, -0.5f, 0f));

        // 1 * sigmoid(2) = 0.88079708; -0.5 * sigmoid(-1) = -0.5 * 0.26894142; 0.
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0.88079708f, -0.13447071f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Default_beta_is_one()
    {
        var top = NeuronTestData.Forward(Create(), BlobBuilder.FromValues([1], 2f));

        Assert.That(top.Data[0], Is.EqualTo(2f * 0.88079708f).Within(1e-6f));
    }

    [Test]
    public void Backward_is_beta_y_plus_s_times_1_minus_beta_y()
    {
        var dx = NeuronTestData.Backward(Create(2f), BlobBuilder.FromValues([2], 1f, 0f), 3f, 1f);

        // x = 1: s = 0.88079708, y = s, 2y + s(1 - 2y) = 1.76159416 - 0.67080821 = 1.09078595; times 3.
        // x = 0: s = 0.5, y = 0: 0.5.
        Assert.That(dx, Is.EqualTo(new[] { 3.27235785f, 0.5f }).Within(1e-5f));
    }

    [TestCase(1f)]
    [TestCase(1.5f)]
    [TestCase(-0.5f)]
    public void Gradient_matches_finite_differences(float beta) =>
        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Create(beta), [NeuronTestData.Gaussian()], [new Blob()]);

    [Test]
    public void In_place_forward_and_backward_give_the_same_values() =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Create(1.5f), NeuronTestData.Gaussian());

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer() =>
        Assert.That(NeuronTestData.TwoBottomsError(Create()), Is.EqualTo("net.prototxt(7,1): layer 'swish' (Swish): expected 1 bottom blob, got 2"));
}
