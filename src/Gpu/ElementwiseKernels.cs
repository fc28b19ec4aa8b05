using ILGPU;

namespace LayerNet.Gpu;

/// <summary>
/// The kernels of <see cref="ElementwiseFamily"/>: Eltwise's products, weighted sums and maxima, Split's gradient sum,
/// and the piece copies of Concat and Slice, one thread per element.
/// </summary>
internal static class ElementwiseKernels
{
    /// <summary>y = x.</summary>
    public static void Copy(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = x[i];
    }

    /// <summary>y = a b.</summary>
    public static void Multiply(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        y[i] = a[i] * b[i];
    }

    /// <summary>y = a / b.</summary>
    public static void Divide(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        y[i] = a[i] / b[i];
    }

    /// <summary>y = c x.</summary>
    public static void Scale(Index1D i, ArrayView<float> x, ArrayView<float> y, float c)
    {
        y[i] = x[i] * c;
    }

    /// <summary>y = y + c x (y's value first, then the term, as Caffe's axpy).</summary>
    public static void Axpy(Index1D i, ArrayView<float> x, ArrayView<float> y, float c)
    {
        y[i] = (x[i] * c) + y[i];
    }

    /// <summary>y = max(a, b), winner = 0 where a &gt; b, 1 otherwise (a tie goes to b, as the CPU layer's rule).</summary>
    public static void MaxFirst(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ArrayView<float> winner)
    {
        var first = a[i] > b[i];
        y[i] = first ? a[i] : b[i];
        winner[i] = first ? 0f : 1f;
    }

    /// <summary>Where x &gt; y: y = x, winner = index (a tie keeps the earlier winner).</summary>
    public static void MaxNext(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> winner, int index)
    {
        var v = x[i];
        if (v > y[i])
        {
            y[i] = v;
            winner[i] = index;
        }
    }

    /// <summary>dx = dy where bottom index won, 0 elsewhere.</summary>
    public static void MaxBackward(Index1D i, ArrayView<float> dy, ArrayView<float> winner, ArrayView<float> dx, int index)
    {
        dx[i] = winner[i] == index ? dy[i] : 0f;
    }

    /// <summary>y = a + b.</summary>
    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        y[i] = a[i] + b[i];
    }

    /// <summary>
    /// whole[o, offset + r] = piece[o, r] for a piece of rows of <paramref name="row"/> values inside rows of
    /// <paramref name="wholeRow"/> (one thread per value of the piece): Concat's forward, Slice's backward.
    /// </summary>
    public static void PieceToWhole(Index1D i, ArrayView<float> piece, ArrayView<float> whole, int row, int wholeRow, int offset)
    {
        whole[((i / row) * wholeRow) + offset + (i % row)] = piece[i];
    }

    /// <summary>piece[o, r] = whole[o, offset + r]: Slice's forward, Concat's backward.</summary>
    public static void WholeToPiece(Index1D i, ArrayView<float> whole, ArrayView<float> piece, int row, int wholeRow, int offset)
    {
        piece[i] = whole[((i / row) * wholeRow) + offset + (i % row)];
    }
}
