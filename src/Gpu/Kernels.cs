using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The device kernels, in C# that ILGPU compiles for the device (PTX, OpenCL) or runs on its CPU accelerator. Every
/// output element is written by one thread that sums its terms in a fixed order: results never depend on timing.
/// </summary>
internal static class Kernels
{
    /// <summary>The side of a product's square tile: a group of Tile x Tile threads computes one tile of C.</summary>
    public const int Tile = 16;

    /// <summary>
    /// C = alpha op(A) op(B) + beta C, one Tile x Tile tile of C per group: the group stages Tile-wide slices of A's
    /// rows and B's columns in shared memory, and each thread sums its element over k in order.
    /// </summary>
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s)
    {
        var tileA = SharedMemory.Allocate<float>(Tile * Tile);
        var tileB = SharedMemory.Allocate<float>(Tile * Tile);
        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var row = (Grid.IdxY * Tile) + ty;
        var col = (Grid.IdxX * Tile) + tx;
        var sum = 0f;
        for (var t = 0; t < s.K; t += Tile)
        {
            var ka = t + tx;
            var valueA = 0f;
            if (row < s.M && ka < s.K)
            {
                valueA = s.TransposeA != 0 ? a[(ka * s.M) + row] : a[(row * s.K) + ka];
            }

            var kb = t + ty;
            var valueB = 0f;
            if (kb < s.K && col < s.N)
            {
                valueB = s.TransposeB != 0 ? b[(col * s.K) + kb] : b[(kb * s.N) + col];
            }

            tileA[(ty * Tile) + tx] = valueA;
            tileB[(ty * Tile) + tx] = valueB;
            Group.Barrier();
            for (var p = 0; p < Tile; p++)
            {
                sum += tileA[(ty * Tile) + p] * tileB[(p * Tile) + tx];
            }

            Group.Barrier();
        }

        if (row < s.M && col < s.N)
        {
            var index = (row * s.N) + col;
            c[index] = s.Beta == 0f ? s.Alpha * sum : (s.Alpha * sum) + (s.Beta * c[index]);
        }
    }

    /// <summary>
    /// C = alpha op(A) op(B) + beta C, one thread per element of C summing over k in order, no shared memory: the
    /// product on ILGPU's CPU accelerator, where a group's threads are operating-system threads and the tiled kernel's
    /// barriers cost more than its arithmetic. Each element is the tiled kernel's sum, in the same order.
    /// </summary>
    public static void GemmDirect(Index2D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s)
    {
        var col = index.X;
        var row = index.Y;
        var sum = 0f;
        for (var p = 0; p < s.K; p++)
        {
            var valueA = s.TransposeA != 0 ? a[(p * s.M) + row] : a[(row * s.K) + p];
            var valueB = s.TransposeB != 0 ? b[(col * s.K) + p] : b[(p * s.N) + col];
            sum += valueA * valueB;
        }

        var i = (row * s.N) + col;
        c[i] = s.Beta == 0f ? s.Alpha * sum : (s.Alpha * sum) + (s.Beta * c[i]);
    }

    /// <summary>Adds bias[j] to every row of the rows x columns matrix y (one thread per element).</summary>
    public static void AddBias(Index1D index, ArrayView<float> y, ArrayView<float> bias, int columns)
    {
        y[index] += bias[index % columns];
    }

    /// <summary>bias gradient: db[j] += the sum over rows of dy[row, j], rows in order (one thread per column).</summary>
    public static void AddColumnSums(Index1D column, ArrayView<float> dy, ArrayView<float> db, int rows, int columns)
    {
        var sum = 0f;
        for (var row = 0; row < rows; row++)
        {
            sum += dy[(row * columns) + column];
        }

        db[column] += sum;
    }

    /// <summary>y = x &gt; 0 ? x : slope x.</summary>
    public static void ReluForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float slope)
    {
        var v = x[i];
        y[i] = v > 0f ? v : slope * v;
    }

    /// <summary>dx = dy (sign &gt; 0 ? 1 : slope), the sign read from x (or from y in place, which keeps it for slope &gt;= 0).</summary>
    public static void ReluBackward(Index1D i, ArrayView<float> sign, ArrayView<float> dy, ArrayView<float> dx, float slope)
    {
        dx[i] = sign[i] > 0f ? dy[i] : dy[i] * slope;
    }

    /// <summary>y = 1 / (1 + exp(-x)).</summary>
    public static void SigmoidForward(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = 1f / (1f + XMath.Exp(-x[i]));
    }

    /// <summary>dx = dy y (1 - y).</summary>
    public static void SigmoidBackward(Index1D i, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        var v = y[i];
        dx[i] = dy[i] * v * (1f - v);
    }

    /// <summary>y = tanh(x).</summary>
    public static void TanHForward(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = XMath.Tanh(x[i]);
    }

    /// <summary>dx = dy (1 - y^2).</summary>
    public static void TanHBackward(Index1D i, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        var v = y[i];
        dx[i] = dy[i] * (1f - (v * v));
    }
}
