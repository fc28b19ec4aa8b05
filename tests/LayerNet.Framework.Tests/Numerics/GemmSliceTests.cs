using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

/// <summary>
/// PackedGemm.GemmSlice computes one part of a product that the caller splits over threads itself (a convolution
/// of one image on several cores): the parts of any split, put together, are Gemm's product (or GemmMapped's) bit
/// for bit, on every kernel, for splits by C's columns and by C's rows, packed or direct; a column slice reads B only
/// in its columns.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GemmSliceTests
{
    // Columns of C (wide outputs), rows of C (tall and narrow: C^T tiles waste less), several k blocks, partial panels.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (64, 3136, 576), (256, 196, 2304), (512, 49, 4608), (2048, 49, 512), (40, 169, 216), (96, 70, 300), (13, 1000, 700),
        // DirectGemm's products (by columns there), and ones too narrow to share.
        (16, 3025, 64), (64, 3025, 16), (24, 3136, 144), (48, 100, 96), (16, 40, 64),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kernel in BlasTests.Kernels())
        {
            foreach (var (m, n, k) in Shapes)
            {
                foreach (var mapped in new[] { false, true })
                {
                    yield return new TestCaseData(kernel, m, n, k, mapped).SetName($"GemmSlice {kernel} {m}x{n}x{k}{(mapped ? " mapped" : string.Empty)}");
                }
            }
        }
    }

    [TearDown]
    public void RestoreKernel() => BlasTests.Use(PackedGemm.Supported[0]);

    [TestCaseSource(nameof(Cases))]
    public void Slices_put_together_are_the_whole_product_bit_for_bit(string kernel, int m, int n, int k, bool mapped)
    {
        BlasTests.Use(kernel);
        var random = new Random((m * 7919) + (n * 31) + k);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var a = Enumerable.Range(0, m * k).Select(_ => Next()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => Next()).ToArray();
        var scale = mapped ? Enumerable.Range(0, m).Select(_ => Next() * 3).ToArray() : [];
        var shift = mapped ? Enumerable.Range(0, m).Select(_ => Next()).ToArray() : [];
        var expected = new float[m * n];
        if (mapped)
        {
            PackedGemm.GemmMapped(m, n, k, a, b, expected, scale, shift, rectify: true, slope: 0.1f);
        }
        else
        {
            Blas.Gemm(false, false, m, n, k, 1f, a, b, 0f, expected);
        }

        var split = PackedGemm.SplitOf(m, n, k);
        if (split == ProductSplit.None)
        {
            // Only a product DirectGemm takes with too few columns to share is not split.
            Assert.That(kernel, Is.AnyOf("avx512", "avx2"), "the packed kernels split every product");
            Assert.That(n, Is.LessThan(64));
            return;
        }

        foreach (var total in new[] { 1, 2, 3, 5 })
        {
            var actual = Enumerable.Repeat(float.NaN, m * n).ToArray();
            var covered = 0;
            for (var index = 0; index < total; index++)
            {
                var (first, last) = PackedGemm.SliceRange(split, m, n, index, total);
                Assert.That(first, Is.EqualTo(covered), $"slice {index} of {total} starts where the one before ended");
                covered = last;

                // A column slice gets a B that holds only its own columns (NaN elsewhere), as a thread that builds
                // just the im2col columns it reads has.
                var own = b;
                if (split != ProductSplit.Rows)
                {
                    own = Enumerable.Repeat(float.NaN, k * n).ToArray();
                    for (var row = 0; row < k; row++)
                    {
                        Array.Copy(b, (row * n) + first, own, (row * n) + first, last - first);
                    }
                }

                PackedGemm.GemmSlice(split, m, n, k, a, own, actual, scale, shift, rectify: true, slope: 0.1f, index, total);
            }

            Assert.That(covered, Is.EqualTo(split == ProductSplit.Rows ? m : n), $"{total} slices cover the product");
            Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), $"{split} in {total} slices");
        }
    }

    [Test]
    public void Both_ways_of_splitting_occur_and_small_products_are_not_split()
    {
        BlasTests.Use(PackedGemm.Supported[0]);
        Assert.That(PackedGemm.SplitOf(64, 3136, 576), Is.EqualTo(ProductSplit.Columns));
        Assert.That(PackedGemm.SplitOf(0, 10, 10), Is.EqualTo(ProductSplit.None));
        if (PackedGemm.Supported[0] == "avx512")
        {
            Assert.That(PackedGemm.SplitOf(512, 49, 4608), Is.EqualTo(ProductSplit.Rows), "49 columns are fewer than four panels");
            Assert.That(PackedGemm.SplitOf(256, 196, 2304), Is.EqualTo(ProductSplit.Columns), "by columns, though one thread runs C^T's tiles");
            Assert.That(PackedGemm.SplitOf(64, 3025, 16), Is.EqualTo(ProductSplit.DirectColumns), "DirectGemm's product");
            Assert.That(PackedGemm.SplitOf(16, 40, 64), Is.EqualTo(ProductSplit.None), "DirectGemm's, two vectors wide");
        }
    }
    // A convolution's weight gradient, dW += dy columns^T: LeNet's conv2 (50 x 500 x 64), ResNet-like shapes, a 1x1.
    private static IEnumerable<TestCaseData> TransposedCases()
    {
        foreach (var kernel in BlasTests.Kernels())
        {
            foreach (var (m, n, k) in new[] { (50, 500, 64), (64, 576, 3136), (256, 2304, 196), (20, 75, 576), (96, 64, 900) })
            {
                yield return new TestCaseData(kernel, m, n, k).SetName($"AccumulateSliceTransposedB {kernel} {m}x{n}x{k}");
            }
        }
    }

    [TestCaseSource(nameof(TransposedCases))]
    public void Slices_of_a_weight_gradient_add_what_the_whole_product_adds_bit_for_bit(string kernel, int m, int n, int k)
    {
        BlasTests.Use(kernel);
        var random = new Random((m * 31) + (n * 7) + k);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var a = Enumerable.Range(0, m * k).Select(_ => Next()).ToArray();
        var b = Enumerable.Range(0, n * k).Select(_ => Next()).ToArray();
        var start = Enumerable.Range(0, m * n).Select(_ => Next()).ToArray();
        var expected = (float[])start.Clone();
        Blas.Gemm(false, true, m, n, k, 1f, a, b, 1f, expected);
        if (!PackedGemm.SplitsTransposedB(m, n, k))
        {
            Assert.That(kernel, Is.AnyOf("avx512", "avx2"), "the packed kernels split every weight gradient wide enough");
            return;
        }

        foreach (var total in new[] { 1, 2, 3, 5 })
        {
            var actual = (float[])start.Clone();
            for (var index = 0; index < total; index++)
            {
                // The slice gets only the rows of B from a whole-channel boundary at or before its first column (as
                // a thread that builds the im2col rows of its channels does), NaN-free but shifted.
                var (first, last) = PackedGemm.SliceRange(ProductSplit.Columns, m, n, index, total);
                var from = first - (first % 5);
                var rows = b.AsSpan(from * k, (Math.Min(n, last + 3) - from) * k).ToArray();
                PackedGemm.AccumulateSliceTransposedB(m, n, k, a, rows, from, actual, index, total);
            }

            Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), $"{total} slices");
        }
    }
}
