using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The kernels of <see cref="LossFamily"/>: EuclideanLoss and HingeLoss, elementwise parts one thread per element,
/// totals in two fixed stages (chunks of <see cref="Chunk"/> values summed in order, then the chunks' sums in order).
/// </summary>
internal static class LossKernels
{
    /// <summary>d = a - b.</summary>
    public static void Subtract(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> d)
    {
        d[i] = a[i] - b[i];
    }

    /// <summary>y = x scale.</summary>
    public static void Scale(Index1D i, ArrayView<float> x, ArrayView<float> y, float scale)
    {
        y[i] = x[i] * scale;
    }

    /// <summary>The values one thread of a total's first stage sums (a fixed size: the order never depends on the device).</summary>
    public const int Chunk = 1024;

    /// <summary>
    /// partial[k] = the sum of d^2 (squares = 1) or of d (squares = 0) over chunk k of <see cref="Chunk"/> values, in
    /// order: a total's first stage, one thread per chunk.
    /// </summary>
    public static void ChunkSums(Index1D chunk, ArrayView<float> d, ArrayView<float> partial, int count, int squares)
    {
        var start = chunk * Chunk;
        var end = XMath.Min(start + Chunk, count);
        var sum = 0f;
        for (var i = start; i < end; i++)
        {
            var v = d[i];
            sum += squares != 0 ? v * v : v;
        }

        partial[chunk] = sum;
    }

    /// <summary>One thread: total[0] = the chunks' sums added in order.</summary>
    public static void Total(Index1D index, ArrayView<float> partial, ArrayView<float> total, int chunks)
    {
        var sum = 0f;
        for (var k = 0; k < chunks; k++)
        {
            sum += partial[k];
        }

        total[0] = sum;
    }

    /// <summary>A label as a class, or -1 outside [0, classes) (truncated toward zero; NaN is out of range).</summary>
    public static int Label(float value, int classes)
    {
        if (float.IsNaN(value) || value >= 2147483648f || value < -2147483648f)
        {
            return -1;
        }

        var label = (int)value;
        return label >= 0 && label < classes ? label : -1;
    }

    /// <summary>h = max(0, 1 - t x), t = +1 for the item's label, -1 for the other classes.</summary>
    public static void Hinge(Index1D i, ArrayView<float> x, ArrayView<float> labels, ArrayView<float> h, int classes)
    {
        var label = Label(labels[i / classes], classes);
        var v = (i % classes) == label ? -x[i] : x[i];
        h[i] = XMath.Max(v + 1f, 0f);
    }

    /// <summary>One thread: total[1] = how many labels lie outside [0, classes).</summary>
    public static void CountBadLabels(Index1D index, ArrayView<float> labels, ArrayView<float> total, int items, int classes)
    {
        var bad = 0;
        for (var n = 0; n < items; n++)
        {
            if (Label(labels[n], classes) < 0)
            {
                bad++;
            }
        }

        total[1] = bad;
    }

    /// <summary>dx = -t (h &gt; 0 ? scale : 0) (L1, squared = 0) or -t h 2 scale (L2, squared = 1).</summary>
    public static void HingeBackward(Index1D i, ArrayView<float> h, ArrayView<float> labels, ArrayView<float> dx, int classes, int squared, float scale)
    {
        var label = Label(labels[i / classes], classes);
        var v = squared != 0 ? h[i] * (2f * scale) : h[i] > 0f ? scale : 0f;
        dx[i] = (i % classes) == label ? -v : v;
    }
}
