using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The kernels of <see cref="ActivationFamily"/>: the elementwise neurons beside ReLU, Sigmoid and TanH, each the
/// formula of its CPU layer in src/Layers/Neuron, one thread per element.
/// </summary>
internal static class ActivationKernels
{
    /// <summary>y = x (a copy).</summary>
    public static void Copy(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = x[i];
    }

    /// <summary>y = value everywhere.</summary>
    public static void Fill(Index1D i, ArrayView<float> y, float value)
    {
        y[i] = value;
    }

    /// <summary>y = x m (Dropout's scaled mask; also its gradient, dx = dy m).</summary>
    public static void Multiply(Index1D i, ArrayView<float> x, ArrayView<float> m, ArrayView<float> y)
    {
        y[i] = x[i] * m[i];
    }

    /// <summary>y = |x|.</summary>
    public static void AbsForward(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        y[i] = XMath.Abs(x[i]);
    }

    /// <summary>dx = dy sign(x), sign(0) = 0.</summary>
    public static void AbsBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        var v = x[i];
        dx[i] = v > 0f ? dy[i] : v < 0f ? -dy[i] : 0f;
    }

    /// <summary>y = max(x, 0) + ln(1 + exp(-|x|)).</summary>
    public static void BnllForward(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        var v = x[i];
        y[i] = XMath.Max(v, 0f) + XMath.Log(1f + XMath.Exp(-XMath.Abs(v)));
    }

    /// <summary>dx = dy e / (e + 1), e = exp(min(x, 50)).</summary>
    public static void BnllBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        var e = XMath.Exp(XMath.Min(x[i], 50f));
        dx[i] = dy[i] * e / (e + 1f);
    }

    /// <summary>y = x for x &gt; 0, alpha (exp(x) - 1) otherwise.</summary>
    public static void EluForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha)
    {
        var v = x[i];
        y[i] = v > 0f ? v : alpha * (XMath.Exp(v) - 1f);
    }

    /// <summary>dx = dy for x &gt; 0, dy (y + alpha) otherwise.</summary>
    public static void EluBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float alpha)
    {
        dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + alpha);
    }

    /// <summary>y = exp(inner x) outer (Exp's base^(shift + scale x); a factor 1 changes nothing, as the CPU layer skips it).</summary>
    public static void ExpForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float innerScale, float outerScale)
    {
        y[i] = XMath.Exp(x[i] * innerScale) * outerScale;
    }

    /// <summary>dx = dy y inner.</summary>
    public static void ExpBackward(Index1D i, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float innerScale)
    {
        dx[i] = dy[i] * y[i] * innerScale;
    }

    /// <summary>y = ln(scale x + shift) baseScale.</summary>
    public static void LogForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float scale, float shift, float baseScale)
    {
        y[i] = XMath.Log((x[i] * scale) + shift) * baseScale;
    }

    /// <summary>dx = dy backwardScale / (shift + scale x).</summary>
    public static void LogBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float backwardScale, float scale, float shift)
    {
        dx[i] = dy[i] * backwardScale / (shift + (scale * x[i]));
    }

    /// <summary>y = (scale x + shift)^power (the power skipped when it is 1).</summary>
    public static void PowerForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float power, float scale, float shift)
    {
        var v = (x[i] * scale) + shift;
        y[i] = power == 1f ? v : XMath.Pow(v, power);
    }

    /// <summary>
    /// dx = dy diffScale (constant: mode 0), dy diffScale (shift + scale x) (power 2: mode 1), or
    /// dy diffScale (shift + scale x)^(power - 1) (mode 2).
    /// </summary>
    public static void PowerBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float power, float scale, float shift, int mode)
    {
        var diffScale = power * scale;
        if (mode == 0)
        {
            dx[i] = dy[i] * diffScale;
        }
        else if (mode == 1)
        {
            dx[i] = dy[i] * diffScale * (shift + (scale * x[i]));
        }
        else
        {
            dx[i] = dy[i] * diffScale * XMath.Pow(shift + (scale * x[i]), power - 1f);
        }
    }

    /// <summary>y = x s, s = 0.5 tanh(0.5 beta x) + 0.5.</summary>
    public static void SwishForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float beta)
    {
        var v = x[i];
        y[i] = v * ((0.5f * XMath.Tanh(0.5f * (beta * v))) + 0.5f);
    }

    /// <summary>dx = dy (beta y + s (1 - beta y)).</summary>
    public static void SwishBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float beta)
    {
        var s = (0.5f * XMath.Tanh(0.5f * (beta * x[i]))) + 0.5f;
        var betaY = beta * y[i];
        dx[i] = dy[i] * (betaY + (s * (1f - betaY)));
    }

    /// <summary>y = max(min, min(x, max)).</summary>
    public static void ClipForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float min, float max)
    {
        y[i] = XMath.Max(min, XMath.Min(x[i], max));
    }

    /// <summary>dx = dy where min &lt;= x &lt;= max, 0 elsewhere.</summary>
    public static void ClipBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float min, float max)
    {
        var v = x[i];
        dx[i] = v >= min && v <= max ? dy[i] : 0f;
    }

    /// <summary>y = 1 for x &gt; threshold, 0 otherwise.</summary>
    public static void ThresholdForward(Index1D i, ArrayView<float> x, ArrayView<float> y, float threshold)
    {
        y[i] = x[i] > threshold ? 1f : 0f;
    }

    /// <summary>
    /// result = value where x &gt; 0, slope_c value elsewhere, c = (i / inner) mod channels (slope 0 for all when
    /// shared): PReLU's forward (value = x) and its input gradient (value = dy).
    /// </summary>
    public static void PReluScale(Index1D i, ArrayView<float> x, ArrayView<float> value, ArrayView<float> result, ArrayView<float> slopes, int channels, int inner, int shared)
    {
        var slope = slopes[shared != 0 ? 0 : (i / inner) % channels];
        var v = value[i];
        result[i] = x[i] > 0f ? v : slope * v;
    }

    /// <summary>
    /// partial[r] = the sum of dy x over x &lt;= 0 in run r = (item, channel) of <paramref name="inner"/> values, in
    /// order: the first stage of PReLU's slope gradient, one thread per run.
    /// </summary>
    public static void PReluRunSums(Index1D run, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partial, int inner)
    {
        var start = run * inner;
        var sum = 0f;
        for (var k = start; k < start + inner; k++)
        {
            var v = x[k];
            if (v <= 0f)
            {
                sum += dy[k] * v;
            }
        }

        partial[run] = sum;
    }

    /// <summary>
    /// da_s += the runs' sums of slope s, one thread per slope, in the CPU layer's order (item, then channel; every
    /// run into the one slope when shared).
    /// </summary>
    public static void PReluTotals(Index1D slope, ArrayView<float> partial, ArrayView<float> slopeDiff, int items, int channels, int shared)
    {
        var total = slopeDiff[slope];
        for (var n = 0; n < items; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                if (shared != 0 || c == slope)
                {
                    total += partial[(n * channels) + c];
                }
            }
        }

        slopeDiff[slope] = total;
    }
}
