using System.Numerics.Tensors;

namespace LayerNet.Numerics;

/// <summary>
/// The dense linear algebra every layer uses: row-major single-precision GEMM and GEMV with BLAS's
/// transpose, alpha and beta semantics, plus the level-1 operations layers need. This is the one
/// place in the code base that loops over matrices.
/// </summary>
public static class Blas
{
    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is m x k, op(B) is k x n, C is m x n.
    /// A is stored m x k (k x m when <paramref name="transposeA"/>), B k x n (n x k when <paramref name="transposeB"/>).
    /// </summary>
    /// <remarks>With beta = 0, C's previous contents are ignored (NaN in C does not propagate), as BLAS does.</remarks>
    public static void Gemm(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException("A, B or C is shorter than the matrix dimensions require");
        }

        PackedGemm.Gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c);
    }

    /// <summary>The GEMM micro-kernel this machine runs: "avx512", "avx2" or "portable".</summary>
    public static string GemmKernel => PackedGemm.KernelName;

    /// <summary>
    /// y = alpha * op(A) * x + beta * y, A row-major m x n; op(A) is A (y has m entries, x has n) or
    /// its transpose (y has n entries, x has m).
    /// </summary>
    public static void Gemv(bool transposeA, int m, int n, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        if (!transposeA)
        {
            for (var i = 0; i < m; i++)
            {
                var value = alpha * TensorPrimitives.Dot(a.Slice(i * n, n), x[..n]);
                y[i] = beta == 0f ? value : (beta * y[i]) + value;
            }

            return;
        }

        var result = y[..n];
        if (beta == 0f)
        {
            result.Clear();
        }
        else if (beta != 1f)
        {
            TensorPrimitives.Multiply(result, beta, result);
        }

        for (var i = 0; i < m; i++)
        {
            var weight = alpha * x[i];
            if (weight != 0f)
            {
                TensorPrimitives.MultiplyAdd(a.Slice(i * n, n), weight, result, result);
            }
        }
    }

    /// <summary>y += alpha * x.</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y) =>
        TensorPrimitives.MultiplyAdd(x, alpha, y[..x.Length], y);

    /// <summary>y = alpha * x + beta * y.</summary>
    public static void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        TensorPrimitives.Multiply(y, beta, y);
        TensorPrimitives.MultiplyAdd(x, alpha, y, y);
    }

    /// <summary>x *= alpha.</summary>
    public static void Scale(float alpha, Span<float> x) => TensorPrimitives.Multiply(x, alpha, x);

    /// <summary>The dot product of x and y.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    /// <summary>The sum of absolute values.</summary>
    public static float Asum(ReadOnlySpan<float> x) => TensorPrimitives.SumOfMagnitudes(x);
}
