using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The kernels of <see cref="SoftmaxFamily"/>: the softmax over the middle axis of an outer x C x inner tensor and
/// its gradient, one thread per (outer, inner) position summing over C in order; SoftmaxWithLoss's per-position loss,
/// its total in two fixed stages (chunks of positions in order, then the chunks in order), and its gradient.
/// </summary>
internal static class SoftmaxKernels
{
    /// <summary>Caffe's FLT_MIN, the floor under a probability before its log.</summary>
    private const float SmallestProbability = 1.17549435e-38f;

    /// <summary>y(c) = exp(x(c) - max) / sum over c' of exp(x(c') - max) at one (outer, inner) position (y may be x).</summary>
    public static void Forward(Index1D position, ArrayView<float> x, ArrayView<float> y, int channels, int inner)
    {
        var start = ((position / inner) * channels * inner) + (position % inner);
        var max = x[start];
        for (var c = 1; c < channels; c++)
        {
            max = XMath.Max(max, x[start + (c * inner)]);
        }

        for (var c = 0; c < channels; c++)
        {
            var at = start + (c * inner);
            y[at] = XMath.Exp(x[at] - max);
        }

        var sum = y[start];
        for (var c = 1; c < channels; c++)
        {
            sum += y[start + (c * inner)];
        }

        for (var c = 0; c < channels; c++)
        {
            var at = start + (c * inner);
            y[at] = y[at] / sum;
        }
    }

    /// <summary>dx(c) = (dy(c) - sum over c' of dy(c') y(c')) y(c) at one position (dx may be dy).</summary>
    public static void Backward(Index1D position, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int channels, int inner)
    {
        var start = ((position / inner) * channels * inner) + (position % inner);
        var dot = 0f;
        for (var c = 0; c < channels; c++)
        {
            var at = start + (c * inner);
            dot += dy[at] * y[at];
        }

        for (var c = 0; c < channels; c++)
        {
            var at = start + (c * inner);
            dx[at] = (dy[at] - dot) * y[at];
        }
    }

    /// <summary>
    /// A label as a class, or -1 for an ignored position, or -2 for a label outside [0, classes) that is not ignored
    /// (truncated toward zero as the CPU layer's conversion; NaN is out of range).
    /// </summary>
    public static int Label(float value, int classes, int hasIgnore, int ignoreLabel)
    {
        if (float.IsNaN(value) || value >= 2147483648f || value < -2147483648f)
        {
            return -2;
        }

        var label = (int)value;
        if (hasIgnore != 0 && label == ignoreLabel)
        {
            return -1;
        }

        return label >= 0 && label < classes ? label : -2;
    }

    /// <summary>
    /// One position's loss, -log(max(p(label), FLT_MIN)) (0 where it does not count), and its state: 1 counted,
    /// 0 ignored, 2 a label out of range.
    /// </summary>
    public static void PositionLoss(Index1D position, ArrayView<float> probability, ArrayView<float> labels, ArrayView<float> loss, ArrayView<float> state, int channels, int inner, int hasIgnore, int ignoreLabel)
    {
        var label = Label(labels[position], channels, hasIgnore, ignoreLabel);
        if (label < 0)
        {
            loss[position] = 0f;
            state[position] = label == -1 ? 0f : 2f;
            return;
        }

        var at = ((position / inner) * channels * inner) + (position % inner) + (label * inner);
        loss[position] = XMath.Log(XMath.Max(probability[at], SmallestProbability));
        state[position] = 1f;
    }

    /// <summary>The positions one thread of the loss's first stage sums (a fixed size: the order never depends on the device).</summary>
    public const int Chunk = 1024;

    /// <summary>
    /// For chunk k of <see cref="Chunk"/> positions, in order: partial[3k] = -(the sum of the counted positions'
    /// log-probabilities), partial[3k + 1] = how many counted, partial[3k + 2] = how many had a label out of range.
    /// </summary>
    public static void ChunkTotals(Index1D chunk, ArrayView<float> logProbability, ArrayView<float> state, ArrayView<float> partial, int positions)
    {
        var start = chunk * Chunk;
        var end = XMath.Min(start + Chunk, positions);
        var loss = 0f;
        var valid = 0;
        var bad = 0;
        for (var p = start; p < end; p++)
        {
            var s = state[p];
            if (s == 1f)
            {
                loss -= logProbability[p];
                valid++;
            }
            else if (s == 2f)
            {
                bad++;
            }
        }

        partial[3 * chunk] = loss;
        partial[(3 * chunk) + 1] = valid;
        partial[(3 * chunk) + 2] = bad;
    }

    /// <summary>One thread: total[0..2] = the chunks' loss, count and bad count, added in chunk order.</summary>
    public static void Total(Index1D index, ArrayView<float> partial, ArrayView<float> total, int chunks)
    {
        var loss = 0f;
        var valid = 0f;
        var bad = 0f;
        for (var k = 0; k < chunks; k++)
        {
            loss += partial[3 * k];
            valid += partial[(3 * k) + 1];
            bad += partial[(3 * k) + 2];
        }

        total[0] = loss;
        total[1] = valid;
        total[2] = bad;
    }

    /// <summary>dx(c) = scale (p(c) - [c = label]), 0 at a position that does not count; one thread per score.</summary>
    public static void LossBackward(Index1D i, ArrayView<float> probability, ArrayView<float> labels, ArrayView<float> dx, int channels, int inner, int hasIgnore, int ignoreLabel, float scale)
    {
        var o = i / (channels * inner);
        var c = (i / inner) % channels;
        var label = Label(labels[(o * inner) + (i % inner)], channels, hasIgnore, ignoreLabel);
        if (label < 0)
        {
            dx[i] = 0f;
            return;
        }

        var p = probability[i];
        dx[i] = (c == label ? p - 1f : p) * scale;
    }

    /// <summary>y = x.</summary>
    public static void Copy(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = x[i];
    }
}
