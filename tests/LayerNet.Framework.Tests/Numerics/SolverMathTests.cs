using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
public sealed class SolverMathTests
{
    // Odd lengths so the scalar tail runs; the fused passes must give the bits of the separate operations.
    [TestCase(1)]
    [TestCase(37)]
    [TestCase(1003)]
    public void Fused_steps_round_as_the_separate_operations(int length)
    {
        var random = new Random(length);
        float[] Values() => [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var (g, h, w) = (Values(), Values(), Values());
        const float Rate = 0.01f, Momentum = 0.9f;

        // The separate operations, element by element: h = (m h) + (r g), g = h, w = w - g.
        var expectedH = h.Select((x, i) => (g[i] * Rate) + (x * Momentum)).ToArray();
        var expectedW = w.Select((x, i) => x - expectedH[i]).ToArray();

        var (g1, h1) = ((float[])g.Clone(), (float[])h.Clone());
        SolverMath.MomentumStep(Rate, Momentum, g1, h1);
        Assert.That(h1, Is.EqualTo(expectedH));
        Assert.That(g1, Is.EqualTo(expectedH));

        var w1 = (float[])w.Clone();
        SolverMath.SubtractInPlace(w1, g1);
        Assert.That(w1, Is.EqualTo(expectedW));

        var (g2, h2, w2) = ((float[])g.Clone(), (float[])h.Clone(), (float[])w.Clone());
        SolverMath.MomentumStepAndUpdate(Rate, Momentum, g2, h2, w2);
        Assert.That(h2, Is.EqualTo(expectedH));
        Assert.That(g2, Is.EqualTo(expectedH));
        Assert.That(w2, Is.EqualTo(expectedW));
    }

    [Test]
    public void Mismatched_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => SolverMath.MomentumStep(1f, 0f, new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => SolverMath.SubtractInPlace(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => SolverMath.MomentumStepAndUpdate(1f, 0f, new float[3], new float[3], new float[4]));
    }
}
