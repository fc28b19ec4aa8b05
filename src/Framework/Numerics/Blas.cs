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
        Gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c, ldc: n);
    }

    private static void Gemm(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * ldc - (ldc - n))
        {
            throw new ArgumentException("A, B or C is shorter than the matrix dimensions require");
        }

        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }

        if (alpha == 0f || k == 0)
        {
            return;
        }

        if (!transposeB)
        {
            // Rows of C are sums of rows of B weighted by A's entries: contiguous, vectorised updates.
            for (var i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                for (var p = 0; p < k; p++)
                {
                    var weight = alpha * (transposeA ? a[(p * m) + i] : a[(i * k) + p]);
                    if (weight != 0f)
                    {
                        TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), weight, row, row);
                    }
                }
            }

            return;
        }

        if (!transposeA)
        {
            // B is n x k: each entry of C is a dot product of two contiguous rows.
            for (var i = 0; i < m; i++)
            {
                var aRow = a.Slice(i * k, k);
                for (var j = 0; j < n; j++)
                {
                    c[(i * ldc) + j] += alpha * TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                }
            }

            return;
        }

        // Both transposed: A is k x m, B is n x k.
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    sum += a[(p * m) + i] * b[(j * k) + p];
                }

                c[(i * ldc) + j] += alpha * sum;
            }
        }
    }

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
