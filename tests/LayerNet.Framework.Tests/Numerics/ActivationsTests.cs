using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
public sealed class ActivationsTests
{
    [Test]
    public void Sigmoid_is_within_a_few_ulps_of_the_double_precision_formula()
    {
        // Every 1/64 from -100 to 100, plus a vector's worth of odd values so the scalar tail runs too.
        var x = Enumerable.Range(-6400, 12801).Select(i => i / 64f).Concat([0.1f, -0.3f, 1e-8f, -1e-8f, 16.99f, -87.2f, 88.1f]).ToArray();
        var y = new float[x.Length];
        Activations.Sigmoid(x, y);
        for (var i = 0; i < x.Length; i++)
        {
            var expected = 1.0 / (1.0 + Math.Exp(-(double)x[i]));
            // Below the smallest normal float the result is held at about 1.6e-38 (no denormals); above it, 3e-7 relative.
            var tolerance = expected < 1.7e-38 ? 1.7e-38 : 3e-7 * expected;
            Assert.That(y[i], Is.EqualTo(expected).Within(tolerance), $"sigmoid({x[i]})");
            Assert.That(float.IsNormal(y[i]), Is.True, $"sigmoid({x[i]}) = {y[i]} is not a normal float");
        }
    }

    [Test]
    public void Sigmoid_in_place_and_at_any_offset_gives_the_same_bits()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 203).Select(_ => (float)((random.NextDouble() * 40) - 20)).ToArray();
        var expected = new float[x.Length];
        Activations.Sigmoid(x, expected);
        var inPlace = (float[])x.Clone();
        Activations.Sigmoid(inPlace, inPlace);
        Assert.That(inPlace, Is.EqualTo(expected));
        for (var offset = 1; offset < 20; offset++)
        {
            var shifted = new float[x.Length - offset];
            Activations.Sigmoid(x.AsSpan(offset), shifted);
            Assert.That(shifted, Is.EqualTo(expected.Skip(offset)), $"offset {offset}");
        }
    }

    [Test]
    public void Sigmoid_keeps_NaN_and_saturates_at_infinities()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, .. Enumerable.Repeat(float.NaN, 17)];
        var y = new float[x.Length];
        Activations.Sigmoid(x, y);
        Assert.That(float.IsNaN(y[0]), Is.True);
        Assert.That(y[1], Is.EqualTo(1f));
        Assert.That(y[2], Is.GreaterThan(0f).And.LessThan(2e-38f));
        Assert.That(y.Skip(3), Is.All.NaN);
    }
}
