using LayerNet.Errors;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// cuBLAS is asked for row-major products through its column-major interface (<see cref="CublasCall"/>). No cuBLAS is
/// here, so the call is checked against cuBLAS's documented semantics, written out below as a column-major product in
/// double, and compared with the row-major definition; the choice of products is checked on the CPU accelerator.
/// </summary>
[TestFixture]
public sealed class CublasProductsTests
{
    [TestCase(3, 5, 7, false, false)]
    [TestCase(3, 5, 7, true, false)]
    [TestCase(3, 5, 7, false, true)]
    [TestCase(3, 5, 7, true, true)]
    [TestCase(1, 9, 4, false, true)]
    [TestCase(17, 1, 33, true, false)]
    [TestCase(20, 49, 64, false, false)]
    public void The_column_major_call_computes_the_row_major_product(int m, int n, int k, bool transposeA, bool transposeB)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        var a = Draw(random, m * k);
        var b = Draw(random, k * n);
        var c = Draw(random, m * n);
        var shape = new GemmShape(m, n, k, transposeA, transposeB, alpha: 0.75f, beta: -0.5f);

        var expected = RowMajor(a, b, c, m, n, k, transposeA, transposeB, shape.Alpha, shape.Beta);
        var call = CublasCall.For(shape);
        var actual = (double[])c.Clone();
        ColumnMajorSgemm(call.TransposeFirst, call.TransposeSecond, call.M, call.N, call.K, shape.Alpha, b, call.LeadingFirst, a, call.LeadingSecond, shape.Beta, actual, call.LeadingC);

        Assert.That(actual, Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void The_cpu_accelerator_runs_the_direct_kernel_and_refuses_cublas_by_name()
    {
        var saved = Environment.GetEnvironmentVariable(GpuDevice.ProductsVariable);
        var savedBackend = Environment.GetEnvironmentVariable(GpuDevice.BackendVariable);
        try
        {
            Environment.SetEnvironmentVariable(GpuDevice.BackendVariable, "cpu");
            Environment.SetEnvironmentVariable(GpuDevice.ProductsVariable, null);
            using (var plain = GpuDevice.Open(0))
            {
                Assert.That(plain.Products, Is.EqualTo("LayerNet's direct kernel"));
            }

            Environment.SetEnvironmentVariable(GpuDevice.ProductsVariable, "cublas");
            Assert.That(() => GpuDevice.Open(0), Throws.TypeOf<LayerNetException>().With.Message.EqualTo("LAYERNET_GPU_GEMM=cublas: cuBLAS cannot be used on CPUAccelerator: not a CUDA device"));
            Environment.SetEnvironmentVariable(GpuDevice.ProductsVariable, "mkl");
            Assert.That(() => GpuDevice.Open(0), Throws.TypeOf<LayerNetException>().With.Message.StartsWith("LAYERNET_GPU_GEMM=mkl: the choices are kernel and cublas"));
            Environment.SetEnvironmentVariable(GpuDevice.ProductsVariable, "kernel");
            using var device = GpuDevice.Open(0);
            Assert.That(device.Products, Is.EqualTo("LayerNet's direct kernel"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GpuDevice.ProductsVariable, saved);
            Environment.SetEnvironmentVariable(GpuDevice.BackendVariable, savedBackend);
        }
    }

    private static double[] Draw(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => Math.Round(random.NextDouble() * 4 - 2, 3))];

    // C = alpha op(A) op(B) + beta C, row-major, as GemmShape defines it: A is M x K (K x M when transposed), B is K x N
    // (N x K when transposed).
    private static double[] RowMajor(double[] a, double[] b, double[] c, int m, int n, int k, bool transposeA, bool transposeB, double alpha, double beta)
    {
        var result = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum += (transposeA ? a[(p * m) + i] : a[(i * k) + p]) * (transposeB ? b[(j * k) + p] : b[(p * n) + j]);
                }

                result[(i * n) + j] = (alpha * sum) + (beta * c[(i * n) + j]);
            }
        }

        return result;
    }

    // cublasSgemm's definition: C (m x n, column-major, leading dimension ldc) = alpha op(A) op(B) + beta C, where A is
    // m x k (k x m when transposed) and B is k x n (n x k when transposed), column-major with leading dimensions lda, ldb.
    private static void ColumnMajorSgemm(bool transposeA, bool transposeB, int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb, double beta, double[] c, int ldc)
    {
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var left = transposeA ? a[(i * lda) + p] : a[(p * lda) + i];
                    var right = transposeB ? b[(p * ldb) + j] : b[(j * ldb) + p];
                    sum += left * right;
                }

                c[(j * ldc) + i] = (alpha * sum) + (beta * c[(j * ldc) + i]);
            }
        }
    }
}
