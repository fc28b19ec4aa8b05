using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class DropoutLayerTests
{
    private static LayerParameter Definition(float? ratio = null, Phase phase = Phase.Train)
    {
        var parameter = NeuronTestData.Definition("drop", "Dropout");
        parameter.Phase = phase;
        if (ratio is { } value)
        {
            parameter.DropoutParam = new DropoutParameter { DropoutRatio = value };
        }

        return parameter;
    }

    private static Blob LargeInput() => BlobBuilder.Uniform(new RandomSource(1701), 0.5f, 1.5f, 100, 100);

    [TestCase(null, 0.5f)]
    [TestCase(0.75f, 0.75f)]
    [TestCase(0.1f, 0.1f)]
    public void Train_forward_drops_about_the_ratio_and_scales_the_rest(float? ratio, float expectedRatio)
    {
        var bottom = LargeInput();

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(ratio))), bottom);

        var scale = 1f / (1f - expectedRatio);
        var kept = 0;
        for (var i = 0; i < bottom.Count; i++)
        {
            if (top.Data[i] != 0f)
            {
                kept++;
                Assert.That(top.Data[i], Is.EqualTo(bottom.Data[i] * scale).Within(1e-6f), $"element {i}");
            }
        }

        // Within 3 standard errors of the binomial proportion.
        var standardError = Math.Sqrt(expectedRatio * (1d - expectedRatio) / bottom.Count);
        Assert.That(1d - ((double)kept / bottom.Count), Is.EqualTo(expectedRatio).Within(3d * standardError));
    }

    [Test]
    public void Train_backward_uses_the_forward_mask()
    {
        var bottom = LargeInput();
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0.3f)));

        var dx = NeuronTestData.Backward(layer, bottom, Enumerable.Repeat(1f, bottom.Count).ToArray());

        var mask = layer.Mask.ToArray();
        Assert.That(dx, Is.EqualTo(mask));
        Assert.That(mask, Has.All.EqualTo(0f).Or.EqualTo(1f / 0.7f));
        Assert.That(mask, Has.Some.EqualTo(0f));
    }

    [Test]
    public void The_same_seed_gives_the_same_mask_and_another_seed_another()
    {
        var bottom = NeuronTestData.Gaussian();

        float[] Run(ulong seed)
        {
            var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition()));
            layer.Random = new RandomSource(seed);
            return NeuronTestData.Forward(layer, bottom).Data.ToArray();
        }

        var first = Run(42);
        var again = Run(42);
        var other = Run(43);

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [Test]
    public void Successive_train_passes_draw_new_masks()
    {
        var bottom = NeuronTestData.Gaussian();
        var top = new Blob();
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition()));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);
        var first = top.Data.ToArray();
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.Not.EqualTo(first));
    }

    [Test]
    public void Test_phase_is_the_identity_forward_and_backward()
    {
        var bottom = NeuronTestData.Gaussian();
        var layer = Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0.5f, Phase.Test)));
        var topDiff = NeuronTestData.Gaussian(seed: 7);

        var dx = NeuronTestData.Backward(layer, bottom, topDiff.Data.ToArray());

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0.5f, Phase.Test))), bottom);
        Assert.That(top.Data.ToArray(), Is.EqualTo(bottom.Data.ToArray()));
        Assert.That(dx, Is.EqualTo(topDiff.Data.ToArray()));
    }

    [Test]
    public void A_zero_ratio_keeps_everything_in_training()
    {
        var bottom = NeuronTestData.Gaussian();

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0f))), bottom);

        Assert.That(top.Data.ToArray(), Is.EqualTo(bottom.Data.ToArray()));
    }

    [Test]
    public void Train_gradient_matches_finite_differences()
    {
        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition())), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [Test]
    public void Test_gradient_matches_finite_differences()
    {
        new GradientChecker(1e-2f, 1e-3f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0.5f, Phase.Test))), [NeuronTestData.Gaussian()], [new Blob()]);
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void In_place_forward_and_backward_give_the_same_values(Phase phase) =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(0.5f, phase))), NeuronTestData.Gaussian());

    [Test]
    public void Train_gradient_in_place_matches_finite_differences()
    {
        var blob = NeuronTestData.Gaussian();

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition())), [blob], [blob]);
    }

    [TestCase(1f)]
    [TestCase(-0.1f)]
    [TestCase(1.5f)]
    [TestCase(float.NaN)]
    public void A_ratio_outside_0_to_1_is_an_error_at_the_layer(float ratio)
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new DropoutLayer(Definition(ratio))));

        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'drop' (Dropout): dropout_param.dropout_ratio must be in [0, 1), got "));
    }
}
