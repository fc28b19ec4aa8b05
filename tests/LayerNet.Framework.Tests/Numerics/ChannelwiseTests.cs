using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

/// <summary>
/// The one-pass channel kernels give, bit for bit, what the passes they replace give: Normalize as Subtract then
/// Divide (and its copy the same values), MultiplyAdd as Multiply then Add, in place too, for run lengths around
/// every vector width (their scalar tails included).
/// </summary>
public sealed class ChannelwiseTests
{
    private static readonly int[] RunLengths = [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100];

    [Test]
    public void Normalize_is_subtract_then_divide_bit_for_bit()
    {
        foreach (var inner in RunLengths)
        {
            var (x, m, d) = Values(inner, seed: inner);
            var expected = new float[x.Length];
            Channelwise.Subtract(x, m, inner, expected);
            Channelwise.Divide(expected, d, inner, expected);
            var y = new float[x.Length];
            var copy = new float[x.Length];
            var inPlace = (float[])x.Clone();

            Channelwise.Normalize(x, m, d, inner, y, copy);
            Channelwise.Normalize(inPlace, m, d, inner, inPlace, copy);

            Assert.Multiple(() =>
            {
                Assert.That(Bits(y), Is.EqualTo(Bits(expected)), $"inner {inner}");
                Assert.That(Bits(copy), Is.EqualTo(Bits(expected)), $"inner {inner}, copy");
                Assert.That(Bits(inPlace), Is.EqualTo(Bits(expected)), $"inner {inner}, in place");
            });
        }
    }

    [Test]
    public void MultiplyAdd_is_multiply_then_add_bit_for_bit()
    {
        foreach (var inner in RunLengths)
        {
            var (x, a, b) = Values(inner, seed: 100 + inner);
            var expected = new float[x.Length];
            Channelwise.Multiply(x, a, inner, expected);
            Channelwise.Add(expected, b, inner, expected);
            var y = new float[x.Length];
            var inPlace = (float[])x.Clone();

            Channelwise.MultiplyAdd(x, a, b, inner, y);
            Channelwise.MultiplyAdd(inPlace, a, b, inner, inPlace);

            Assert.Multiple(() =>
            {
                Assert.That(Bits(y), Is.EqualTo(Bits(expected)), $"inner {inner}");
                Assert.That(Bits(inPlace), Is.EqualTo(Bits(expected)), $"inner {inner}, in place");
            });
        }
    }

    // Two items of three channels: values with full mantissas, so that a fused multiply-add would round differently.
    [TestCase(0f)]
    [TestCase(0.1f)]
    public void MultiplyAddRectify_is_multiply_add_then_ReLU_bit_for_bit(float slope)
    {
        foreach (var inner in RunLengths)
        {
            var (x, a, b) = Values(inner, seed: 200 + inner);
            var expected = new float[x.Length];
            Channelwise.MultiplyAdd(x, a, b, inner, expected);
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] = expected[i] > 0f ? expected[i] : expected[i] * slope;
            }

            var y = new float[x.Length];
            var inPlace = (float[])x.Clone();

            Channelwise.MultiplyAddRectify(x, a, b, inner, slope, y);
            Channelwise.MultiplyAddRectify(inPlace, a, b, inner, slope, inPlace);

            Assert.Multiple(() =>
            {
                Assert.That(expected, Has.Some.LessThan(0f).Or.Some.EqualTo(0f), $"inner {inner}: some values are rectified");
                Assert.That(Bits(y), Is.EqualTo(Bits(expected)), $"inner {inner}");
                Assert.That(Bits(inPlace), Is.EqualTo(Bits(expected)), $"inner {inner}, in place");
            });
        }
    }

    private static (float[] X, float[] A, float[] B) Values(int inner, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 20) - 10) * (1 + (float)random.NextDouble() / 3);
        var x = new float[2 * 3 * inner];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Next();
        }

        float[] a = [Next(), Next(), Math.Abs(Next()) + 0.1f];
        float[] b = [Next(), Next(), Next()];
        return (x, a, b);
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
