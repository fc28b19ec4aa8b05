using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The kernels of <see cref="NormalizationFamily"/> (BatchNorm, Scale, Bias) over a tensor read as outer x C x inner,
/// channel c = (i / inner) mod C: elementwise maps one thread per element; per-channel reductions in two fixed stages,
/// one thread per (o, c) run summing it in order, then one thread per channel adding the runs' sums in the order of
/// o, as the CPU kernels do.
/// </summary>
internal static class NormalizationKernels
{
    /// <summary>y = x a[c] + b[c] (the product rounded, then the sum; b ignored when hasBias = 0).</summary>
    public static void MultiplyAdd(Index1D i, ArrayView<float> x, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int inner, int channels, int hasBias)
    {
        var c = (i / inner) % channels;
        var product = x[i] * a[c];
        y[i] = hasBias != 0 ? product + b[c] : product;
    }

    /// <summary>y = x + b[c].</summary>
    public static void Add(Index1D i, ArrayView<float> x, ArrayView<float> b, ArrayView<float> y, int inner, int channels)
    {
        y[i] = x[i] + b[(i / inner) % channels];
    }

    /// <summary>y = x.</summary>
    public static void Copy(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = x[i];
    }

    /// <summary>
    /// partial[r] = the sum over i of x[r, i] z[r, i] for run r = (o, c) of <paramref name="inner"/> values, in order
    /// (z = 1 when withZ = 0: the plain sums): the first stage of a per-channel reduction, one thread per run.
    /// </summary>
    public static void RunSums(Index1D run, ArrayView<float> x, ArrayView<float> z, ArrayView<float> partial, int inner, int withZ)
    {
        var start = run * inner;
        var sum = 0f;
        for (var k = start; k < start + inner; k++)
        {
            sum += withZ != 0 ? x[k] * z[k] : x[k];
        }

        partial[run] = sum;
    }

    /// <summary>
    /// sums[c] = (accumulate ? sums[c] : 0) + partial[0, c] + partial[1, c] + ... in the order of o: the second stage,
    /// one thread per channel (each run's sum added to the channel's total in turn, as the CPU kernels add them).
    /// </summary>
    public static void ChannelTotals(Index1D c, ArrayView<float> partial, ArrayView<float> sums, int outer, int channels, int accumulate)
    {
        var total = accumulate != 0 ? sums[c] : 0f;
        for (var o = 0; o < outer; o++)
        {
            total += partial[(o * channels) + c];
        }

        sums[c] = total;
    }

    /// <summary>v[c] = v[c] / count.</summary>
    public static void DivideBy(Index1D c, ArrayView<float> v, float count)
    {
        v[c] = v[c] / count;
    }

    /// <summary>y = x - m[c] (y may be x).</summary>
    public static void Subtract(Index1D i, ArrayView<float> x, ArrayView<float> m, ArrayView<float> y, int inner, int channels)
    {
        y[i] = x[i] - m[(i / inner) % channels];
    }

    /// <summary>
    /// The running statistics of one batch, one thread per channel (thread 0 also the factor): s = f s + 1,
    /// M = f M + mean, V = f V + correction var; std = sqrt(var + eps).
    /// </summary>
    public static void UpdateStatistics(
        Index1D c, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> std, ArrayView<float> runningMean, ArrayView<float> runningVariance, ArrayView<float> factor, float fraction, float correction, float eps)
    {
        if (c == 0)
        {
            factor[0] = (factor[0] * fraction) + 1f;
        }

        runningMean[c] = mean[c] + (runningMean[c] * fraction);
        runningVariance[c] = (variance[c] * correction) + (runningVariance[c] * fraction);
        std[c] = XMath.Sqrt(variance[c] + eps);
    }

    /// <summary>Global statistics, one thread per channel: mean = M / s, var = V / s (0 when s = 0), std = sqrt(var + eps).</summary>
    public static void GlobalStatistics(
        Index1D c, ArrayView<float> runningMean, ArrayView<float> runningVariance, ArrayView<float> factor, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> std, float eps)
    {
        var s = factor[0];
        var scale = s == 0f ? 0f : 1f / s;
        mean[c] = runningMean[c] * scale;
        variance[c] = runningVariance[c] * scale;
        std[c] = XMath.Sqrt((runningVariance[c] * scale) + eps);
    }

    /// <summary>y = (x - m[c]) / d[c], also into copy (y may be x; copy unused when keep = 0).</summary>
    public static void Normalize(Index1D i, ArrayView<float> x, ArrayView<float> m, ArrayView<float> d, ArrayView<float> y, ArrayView<float> copy, int inner, int channels, int keep)
    {
        var c = (i / inner) % channels;
        var value = (x[i] - m[c]) / d[c];
        y[i] = value;
        if (keep != 0)
        {
            copy[i] = value;
        }
    }

    /// <summary>y = x / d[c], also into copy when keep != 0.</summary>
    public static void Divide(Index1D i, ArrayView<float> x, ArrayView<float> d, ArrayView<float> y, ArrayView<float> copy, int inner, int channels, int keep)
    {
        var value = x[i] / d[(i / inner) % channels];
        y[i] = value;
        if (keep != 0)
        {
            copy[i] = value;
        }
    }

    /// <summary>dx = (y (-sumDyY[c] / m) + dy - sumDy[c] / m) / std[c] (dx may be dy).</summary>
    public static void NormalizeBackward(
        Index1D i, ArrayView<float> dy, ArrayView<float> y, ArrayView<float> sumDy, ArrayView<float> sumDyY, ArrayView<float> std, ArrayView<float> dx, int inner, int channels, float m)
    {
        var c = (i / inner) % channels;
        var t = (y[i] * (-sumDyY[c] / m)) + dy[i];
        t -= sumDy[c] / m;
        dx[i] = t / std[c];
    }

    /// <summary>
    /// One thread: the gradients of the statistics blobs under global statistics (mean M, variance V, factor s), as the
    /// CPU layer computes them, channel by channel in order (nothing when s = 0); each added only where wanted[i] != 0.
    /// </summary>
    public static void StatisticsGradients(
        Index1D index, ArrayView<float> sumDy, ArrayView<float> sumDyY, ArrayView<float> std, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> factor, ArrayView<float> meanDiff, ArrayView<float> varianceDiff, ArrayView<float> factorDiff, int channels, int wanted)
    {
        var s = factor[0];
        if (s == 0f)
        {
            return;
        }

        var scale = 1f / s;
        var factorGradient = 0f;
        for (var c = 0; c < channels; c++)
        {
            var meanGradient = -sumDy[c] / std[c];
            var varianceGradient = -0.5f * sumDyY[c] / (std[c] * std[c]);
            if ((wanted & 1) != 0)
            {
                meanDiff[c] += scale * meanGradient;
            }

            if ((wanted & 2) != 0)
            {
                varianceDiff[c] += scale * varianceGradient;
            }

            factorGradient -= scale * ((meanGradient * mean[c]) + (varianceGradient * variance[c]));
        }

        if ((wanted & 4) != 0)
        {
            factorDiff[0] += factorGradient;
        }
    }
}
