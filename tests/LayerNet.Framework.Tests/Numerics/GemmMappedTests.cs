using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

/// <summary>
/// PackedGemm.GemmMapped maps each column panel of C as it completes (a convolution's folded BatchNorm, Scale and
/// ReLU): its values are those of Gemm followed by Channelwise.MultiplyAdd(Rectify), bit for bit, on every kernel,
/// on the packed path and where it falls back (DirectGemm's products, C^T tiles), with one or more k blocks and
/// column ranges split over the worker threads.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GemmMappedTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (96, 12544, 16), (144, 3136, 24), (32, 700, 300), (64, 1000, 100), (37, 65, 300), (13, 33, 257), (7, 5, 3),
        (64, 10, 100), (200, 300, 129), (24, 3136, 144), (1, 40, 7), (130, 70, 600),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kernel in BlasTests.Kernels())
        {
            foreach (var (m, n, k) in Shapes)
            {
                yield return new TestCaseData(kernel, m, n, k, true, 0f).SetName($"GemmMapped {kernel} {m}x{n}x{k} ReLU");
                yield return new TestCaseData(kernel, m, n, k, true, 0.1f).SetName($"GemmMapped {kernel} {m}x{n}x{k} leaky");
                yield return new TestCaseData(kernel, m, n, k, false, 0f).SetName($"GemmMapped {kernel} {m}x{n}x{k} affine");
            }
        }
    }

    [TearDown]
    public void RestoreKernel() => BlasTests.Use(PackedGemm.Supported[0]);

    [TestCaseSource(nameof(Cases))]
    public void Mapped_product_equals_product_then_map_bit_for_bit(string kernel, int m, int n, int k, bool rectify, float slope)
    {
        BlasTests.Use(kernel);
        var random = new Random((m * 7919) + (n * 31) + k);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var a = Enumerable.Range(0, m * k).Select(_ => Next()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => Next()).ToArray();
        var scale = Enumerable.Range(0, m).Select(_ => Next() * 3).ToArray();
        var shift = Enumerable.Range(0, m).Select(_ => Next()).ToArray();

        var expected = new float[m * n];
        Blas.Gemm(false, false, m, n, k, 1f, a, b, 0f, expected);
        if (rectify)
        {
            Channelwise.MultiplyAddRectify(expected, scale, shift, n, slope, expected);
        }
        else
        {
            Channelwise.MultiplyAdd(expected, scale, shift, n, expected);
        }

        var actual = Enumerable.Repeat(float.NaN, m * n).ToArray();
        PackedGemm.GemmMapped(m, n, k, a, b, actual, scale, shift, rectify, slope);

        Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(expected, Has.Some.LessThan(0f).Or.Some.EqualTo(0f), "some values are negative or rectified");
    }
}
