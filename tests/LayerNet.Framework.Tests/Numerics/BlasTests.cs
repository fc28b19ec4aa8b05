using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
[NonParallelizable]
public sealed class BlasTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (3, 5, 7), (7, 5, 3), (12, 32, 256), (13, 33, 257), (24, 64, 513), (37, 65, 300),
        (64, 100, 1000), (100, 64, 1000), (64, 10, 100), (10, 100, 64), (64, 100, 10), (50, 500, 64), (130, 70, 600), (200, 300, 129),
        (20, 576, 25), (64, 500, 800), (64, 116, 40), (100, 10, 64), (11, 47, 17), (20, 25, 576), (5, 27, 40), (8, 20, 9), (6, 40, 33), (9, 70, 20), (2, 33, 5),
        // Edges of DirectGemm: last chunks of 4, 8, 9, 13, 16 and 17 columns, row blocks of 1 to 12, dot-product tiles
        // of 1 to 6 columns with k a multiple of 8 or not.
        (5, 13, 7), (16, 9, 33), (12, 40, 10), (7, 3, 40), (5, 8, 64), (2, 9, 100), (13, 17, 200), (1, 100, 1000),
        (24, 48, 16), (64, 96, 10), (3, 200, 5), (30, 100, 64), (4, 36, 12), (25, 1, 300),
        // k = 1 (a convolution's bias, b 1^T) and single rows or columns.
        (50, 64, 1), (9, 1, 7), (1, 37, 1), (17, 40, 1),
    ];

    // Every kernel this machine runs, and the AVX-512 and AVX2 ones with the packed path alone too (DirectGemm takes
    // the small products there).
    internal static IEnumerable<string> Kernels() =>
        [.. PackedGemm.Supported, .. PackedGemm.Supported.Where(k => k != "portable").Select(k => k + "-packed")];

    internal static void Use(string kernel)
    {
        PackedGemm.Select(kernel.Replace("-packed", string.Empty, StringComparison.Ordinal));
        PackedGemm.DirectProducts = !kernel.EndsWith("-packed", StringComparison.Ordinal);
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kernel in Kernels())
        {
            foreach (var (m, n, k) in Shapes)
            {
                foreach (var ta in new[] { false, true })
                {
                    foreach (var tb in new[] { false, true })
                    {
                        yield return new TestCaseData(kernel, m, n, k, ta, tb).SetName($"Gemm {kernel} {m}x{n}x{k} {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')}");
                    }
                }
            }
        }
    }

    [TearDown]
    public void RestoreKernel() => Use(PackedGemm.Supported[0]);

    [TestCaseSource(nameof(Cases))]
    public void Gemm_matches_a_double_precision_reference(string kernel, int m, int n, int k, bool ta, bool tb)
    {
        Use(kernel);
        var random = new Random(m * 1000003 + n * 1009 + k);
        var a = Values(random, m * k);
        var b = Values(random, k * n);
        var c = Values(random, m * n);
        foreach (var (alpha, beta) in new[] { (1f, 0f), (0.7f, 1f), (-1.3f, 0.3f) })
        {
            var expected = Reference(ta, tb, m, n, k, alpha, a, b, beta, c, out var scale);
            var actual = (float[])c.Clone();
            Blas.Gemm(ta, tb, m, n, k, alpha, a, b, beta, actual);
            for (var i = 0; i < actual.Length; i++)
            {
                // float32 sums of k products: error bounded by a few ulps of the sum of magnitudes.
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * scale[i] + 1e-6), $"alpha {alpha}, beta {beta}, element {i}");
            }
        }
    }

    [Test]
    public void Gemm_with_beta_zero_ignores_what_C_held()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 1, 0, 0, 1 };
        var c = new[] { float.NaN, float.NaN, float.NaN, float.NaN };

        Blas.Gemm(false, false, 2, 2, 2, 1f, a, b, 0f, c);

        Assert.That(c, Is.EqualTo(new float[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void A_large_product_split_over_threads_is_deterministic_and_right()
    {
        const int m = 96, n = 640, k = 300;
        var random = new Random(7);
        var a = Values(random, m * k);
        var b = Values(random, k * n);
        var first = new float[m * n];
        var second = new float[m * n];

        Blas.Gemm(false, false, m, n, k, 1f, a, b, 0f, first);
        Blas.Gemm(false, false, m, n, k, 1f, a, b, 0f, second);

        Assert.That(second, Is.EqualTo(first), "the same product twice gives the same bits");
        var expected = Reference(false, false, m, n, k, 1f, a, b, 0f, new float[m * n], out var scale);
        for (var i = 0; i < first.Length; i++)
        {
            Assert.That(first[i], Is.EqualTo(expected[i]).Within(1e-5 * scale[i] + 1e-6));
        }
    }

    [Test]
    public void Gemm_allocates_nothing_once_warm()
    {
        var random = new Random(3);
        var small = (A: Values(random, 64 * 1000), B: Values(random, 100 * 1000), C: new float[64 * 100]);
        var large = (A: Values(random, 128 * 512), B: Values(random, 512 * 512), C: new float[128 * 512]);
        void Run()
        {
            Blas.Gemm(false, true, 64, 100, 1000, 1f, small.A, small.B, 0f, small.C);
            Blas.Gemm(false, false, 128, 512, 512, 1f, large.A, large.B, 1f, large.C);
        }

        for (var i = 0; i < 5; i++)
        {
            Run();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            Run();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Gemm_rejects_buffers_shorter_than_the_dimensions()
    {
        Assert.That(() => Blas.Gemm(false, false, 2, 2, 2, 1f, new float[3], new float[4], 0f, new float[4]), Throws.ArgumentException);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gemv_matches_a_reference(bool transpose)
    {
        const int m = 37, n = 53;
        var random = new Random(11);
        var a = Values(random, m * n);
        var x = Values(random, transpose ? m : n);
        var y = Values(random, transpose ? n : m);
        var expected = new double[y.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            double sum = 0;
            for (var j = 0; j < x.Length; j++)
            {
                sum += (double)(transpose ? a[(j * n) + i] : a[(i * n) + j]) * x[j];
            }

            expected[i] = (0.5 * sum) + (2.0 * y[i]);
        }

        Blas.Gemv(transpose, m, n, 0.5f, a, x, 2f, y);

        Assert.That(y, Is.EqualTo(expected).Within(1e-4));
    }

    [Test]
    public void Level_one_operations_follow_their_formulas()
    {
        var x = new float[] { 1, -2, 3 };
        var y = new float[] { 4, 5, 6 };
        Blas.Axpy(2f, x, y);
        Assert.That(y, Is.EqualTo(new float[] { 6, 1, 12 }));
        Blas.Axpby(1f, x, 0.5f, y);
        Assert.That(y, Is.EqualTo(new float[] { 4, -1.5f, 9 }));
        Blas.Scale(-1f, y);
        Assert.That(y, Is.EqualTo(new float[] { -4, 1.5f, -9 }));
        Assert.That(Blas.Dot(x, new float[] { 1, 1, 1 }), Is.EqualTo(2f));
        Assert.That(Blas.Asum(x), Is.EqualTo(6f));
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c, out double[] scale)
    {
        var result = new double[m * n];
        scale = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (var p = 0; p < k; p++)
                {
                    var product = (double)(ta ? a[(p * m) + i] : a[(i * k) + p]) * (tb ? b[(j * k) + p] : b[(p * n) + j]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                result[(i * n) + j] = (alpha * sum) + (beta * (double)c[(i * n) + j]);
                scale[(i * n) + j] = (Math.Abs(alpha) * magnitude) + Math.Abs(beta * c[(i * n) + j]);
            }
        }

        return result;
    }
}
