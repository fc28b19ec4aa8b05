using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class PowerLayerTests
{
    private static LayerParameter Definition(float power, float scale, float shift)
    {
        var parameter = NeuronTestData.Definition("power", "Power");
        parameter.PowerParam = new PowerParameter { Power = power, Scale = scale, Shift = shift };
        return parameter;
    }

    /// <summary>Caffe's gradient-test input: for powers other than 0, 1 and 2, inputs are reflected about -shift/scale so the base is non-negative.</summary>
    private static Blob GradientInput(float power, float scale, float shift)
    {
        var blob = NeuronTestData.Gaussian();
        if (power is not (0f or 1f or 2f))
        {
            var data = blob.Data;
            var minimum = -shift / scale;
            for (var i = 0; i < data.Length; i++)
            {
                if (data[i] < minimum)
                {
                    data[i] = minimum + (minimum - data[i]);
                }
            }
        }

        return blob;
    }

    [Test]
    public void Forward_raises_shift_plus_scale_x_to_the_power()
    {
        var bottom = BlobBuilder.FromValues([3], 0f, 2f, -4f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(2f, 0.5f, 1f))), bottom);

        // (1 + 0.5 x)^2 for x = 0, 2, -4.
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 4f, 1f }).Within(1e-6f));
    }

    [TestCase(0.37f, 0.83f, -2.4f)]
    [TestCase(0f, 0.83f, -2.4f)]
    [TestCase(1f, 0.83f, -2.4f)]
    [TestCase(2f, 0.34f, -2.4f)]
    [TestCase(3f, 0.83f, 0f)]
    public void Forward_matches_pow_on_random_inputs(float power, float scale, float shift)
    {
        var bottom = NeuronTestData.Gaussian();

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(power, scale, shift))), bottom);

        for (var i = 0; i < bottom.Count; i++)
        {
            var expected = Math.Pow(shift + (scale * bottom.Data[i]), power);
            if (double.IsNaN(expected))
            {
                Assert.That(top.Data[i], Is.NaN, $"element {i}");
            }
            else
            {
                Assert.That(top.Data[i], Is.EqualTo(expected).Within(Math.Max(Math.Abs(expected) * 1e-4, 1e-5)), $"element {i}");
            }
        }
    }

    [Test]
    public void Power_zero_gives_one_everywhere()
    {
        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(0f, 0.83f, -2.4f))), BlobBuilder.FromValues([3], -1f, 0f, float.NaN));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f }));
    }

    [Test]
    public void Scale_zero_gives_shift_to_the_power_everywhere_and_a_zero_gradient()
    {
        var bottom = BlobBuilder.FromValues([2], -1f, 5f);

        var dx = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(3f, 0f, 2f))), bottom, 1f, 1f);

        var top = NeuronTestData.Forward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(3f, 0f, 2f))), bottom);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 8f, 8f }));
        Assert.That(dx, Is.EqualTo(new[] { 0f, 0f }));
    }

    [Test]
    public void Backward_multiplies_the_top_gradient_by_power_scale_base_to_the_power_minus_1()
    {
        var square = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(2f, 0.5f, 1f))), BlobBuilder.FromValues([3], 0f, 2f, -4f), 1f, 1f, 2f);
        var cube = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(3f, 2f, 0f))), BlobBuilder.FromValues([3], 0f, 1f, -1f), 1f, 1f, 1f);
        var line = NeuronTestData.Backward(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(1f, 3f, 5f))), BlobBuilder.FromValues([2], 7f, -7f), 1f, -2f);

        // 2 * 0.5 * (1 + 0.5 x); 3 * 2 * (2x)^2 (0 at x = 0, where Caffe's y / x shortcut gives NaN); 3 everywhere.
        Assert.That(square, Is.EqualTo(new[] { 1f, 2f, -2f }).Within(1e-6f));
        Assert.That(cube, Is.EqualTo(new[] { 0f, 24f, 24f }).Within(1e-5f));
        Assert.That(line, Is.EqualTo(new[] { 3f, -6f }));
    }

    [TestCase(0.37f, 0.83f, -2.4f)]
    [TestCase(0.37f, 0.83f, 0f)]
    [TestCase(0f, 0.83f, -2.4f)]
    [TestCase(1f, 0.83f, -2.4f)]
    [TestCase(2f, 0.83f, -2.4f)]
    [TestCase(2f, 0.5f, -2.4f)]
    [TestCase(3f, 0.83f, 0f)]
    public void Gradient_matches_finite_differences(float power, float scale, float shift)
    {
        new GradientChecker(1e-3f, 1e-2f, 1701, 0f, 0.01f)
            .CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(power, scale, shift))), [GradientInput(power, scale, shift)], [new Blob()]);
    }

    [TestCase(0.37f, 0.83f, -2.4f)]
    [TestCase(2f, 0.83f, -2.4f)]
    [TestCase(1f, 0.83f, -2.4f)]
    public void In_place_forward_and_backward_give_the_same_values(float power, float scale, float shift) =>
        NeuronTestData.AssertInPlaceMatchesSeparate(() => Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(power, scale, shift))), GradientInput(power, scale, shift));

    [Test]
    public void Gradient_in_place_matches_finite_differences()
    {
        var blob = GradientInput(0.37f, 0.83f, -2.4f);

        new GradientChecker(1e-3f, 1e-2f, 1701, 0f, 0.01f).CheckGradientEltwise(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(0.37f, 0.83f, -2.4f))), [blob], [blob]);
    }

    [Test]
    public void Two_bottoms_are_an_error_at_the_layer()
    {
        Assert.That(
            NeuronTestData.TwoBottomsError(Layer.ConstructAt(NeuronTestData.DefinedAt, () => new PowerLayer(Definition(2f, 1f, 0f)))),
            Is.EqualTo("net.prototxt(7,1): layer 'power' (Power): expected 1 bottom blob, got 2"));
    }
}
