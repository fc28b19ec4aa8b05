using ILGPU;
using ILGPU.Algorithms;

namespace LayerNet.Gpu;

/// <summary>
/// The solver's kernels: the gradients' bookkeeping, their sum of squares, and each rule's update of one parameter.
/// Every thread owns its elements (one element of each array it writes; one partial sum of the squares), and each
/// element's arithmetic is the CPU solver's (src/Framework/Solvers), operation by operation in the same order, so
/// the results are the CPU's up to float rounding and identical from run to run, whatever the group size.
/// </summary>
internal static class SolverKernels
{
    /// <summary>
    /// How many partial sums a sum of squares has: thread t sums the squares of elements t, t + Partials, t + 2 Partials,
    /// ... in order, whatever the device; the host adds the partials in order.
    /// </summary>
    public const int Partials = 256;

    /// <summary>x = value.</summary>
    public static void Fill(Index1D i, ArrayView<float> x, float value)
    {
        x[i] = value;
    }

    /// <summary>target = source.</summary>
    public static void Copy(Index1D i, ArrayView<float> source, ArrayView<float> target)
    {
        target[i] = source[i];
    }

    /// <summary>target = target + source.</summary>
    public static void Add(Index1D i, ArrayView<float> source, ArrayView<float> target)
    {
        target[i] = target[i] + source[i];
    }

    /// <summary>partials[t] = the sum of x[j]^2 over j = t, t + Partials, ... below length, in that order.</summary>
    public static void SumOfSquares(Index1D t, ArrayView<float> x, ArrayView<float> partials, int length)
    {
        var sum = 0f;
        for (var j = (int)t; j < length; j += Partials)
        {
            var v = x[j];
            sum += v * v;
        }

        partials[t] = sum;
    }

    /// <summary>SGD: h = h momentum + g rate (each product rounded, then the sum); diff = h; data -= h.</summary>
    public static void MomentumUpdate(Index1D i, ArrayView<float> data, ArrayView<float> diff, ArrayView<float> history, StepScalars s)
    {
        var g = Gradient(i, data, diff, s);
        var kept = history[i] * s.Momentum;
        var step = (g * s.Rate) + kept;
        history[i] = step;
        Apply(i, data, diff, step);
    }

    /// <summary>Nesterov: h' = g rate + h momentum; step = (1 + momentum) h' - momentum h.</summary>
    public static void NesterovUpdate(Index1D i, ArrayView<float> data, ArrayView<float> diff, ArrayView<float> history, StepScalars s)
    {
        var g = Gradient(i, data, diff, s);
        var previous = history[i];
        var kept = previous * s.Momentum;
        var h = (g * s.Rate) + kept;
        history[i] = h;
        Apply(i, data, diff, ((1f + s.Momentum) * h) - (s.Momentum * previous));
    }

    /// <summary>AdaGrad, RMSProp: h = keep h + add g g; step = rate (g / (sqrt(h) + delta)).</summary>
    public static void RunningSquareUpdate(Index1D i, ArrayView<float> data, ArrayView<float> diff, ArrayView<float> history, StepScalars s)
    {
        var g = Gradient(i, data, diff, s);
        var h = (s.Momentum * history[i]) + (s.Momentum2 * g * g);
        history[i] = h;
        Apply(i, data, diff, s.Rate * (g / (XMath.Sqrt(h) + s.Delta)));
    }

    /// <summary>
    /// AdaDelta: h = m h + (1 - m) g g; u = g sqrt((s + delta) / (h + delta)); s = m s + (1 - m) u u; step = rate u.
    /// </summary>
    public static void AdaDeltaUpdate(Index1D i, ArrayView<float> data, ArrayView<float> diff, ArrayView<float> gradients, ArrayView<float> updates, StepScalars s)
    {
        var g = Gradient(i, data, diff, s);
        var m = s.Momentum;
        var h = (m * gradients[i]) + ((1f - m) * g * g);
        gradients[i] = h;
        var u = g * XMath.Sqrt((updates[i] + s.Delta) / (h + s.Delta));
        updates[i] = (m * updates[i]) + ((1f - m) * u * u);
        Apply(i, data, diff, s.Rate * u);
    }

    /// <summary>Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g; step = rate correction (m / (sqrt(v) + epsilon)).</summary>
    public static void AdamUpdate(Index1D i, ArrayView<float> data, ArrayView<float> diff, ArrayView<float> first, ArrayView<float> second, StepScalars s)
    {
        var g = Gradient(i, data, diff, s);
        var beta1 = s.Momentum;
        var beta2 = s.Momentum2;
        var m = (beta1 * first[i]) + ((1f - beta1) * g);
        var v = (beta2 * second[i]) + ((1f - beta2) * g * g);
        first[i] = m;
        second[i] = v;
        Apply(i, data, diff, s.Rate * s.Correction * (m / (XMath.Sqrt(v) + s.Delta)));
    }

    // The gradient as the update rule sees it: clipped (g * scale), normalised (g * 1 / iter_size), then regularised
    // (decay * w + g, or decay * sign(w) + g), as Blas.Scale and Blas.Axpy compute them on the host.
    private static float Gradient(Index1D i, ArrayView<float> data, ArrayView<float> diff, StepScalars s)
    {
        var g = diff[i] * s.ClipScale;
        g *= s.IterScale;
        if (s.Decay != 0f)
        {
            var w = data[i];
            if (s.L1 != 0)
            {
                w = w > 0f ? 1f : w < 0f ? -1f : 0f;
            }

            g = (w * s.Decay) + g;
        }

        return g;
    }

    // diff = step; data = data - step (Caffe's Update).
    private static void Apply(Index1D i, ArrayView<float> data, ArrayView<float> diff, float step)
    {
        diff[i] = step;
        data[i] = data[i] - step;
    }
}
