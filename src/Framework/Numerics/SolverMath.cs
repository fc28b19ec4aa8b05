using System.Numerics;
using System.Runtime.InteropServices;

namespace LayerNet.Numerics;

/// <summary>
/// The passes a solver makes over every parameter each iteration, fused and written as plain vector loops: the
/// parameters of a net are the largest arrays it touches per iteration, so each pass over them is paid in memory
/// traffic, and TensorPrimitives' in-place forms are slower than its out-of-place ones at that size. Each element
/// is rounded exactly as the unfused operations round it.
/// </summary>
public static class SolverMath
{
    /// <summary>
    /// SGD's step with momentum, in one pass: <c>history = momentum * history + rate * diff</c> (each product
    /// rounded, then the sum, as Axpby does), then <c>diff = history</c>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MomentumStep(float rate, float momentum, Span<float> diff, Span<float> history)
    {
        if (history.Length != diff.Length)
        {
            throw new ArgumentException("the history and the gradient differ in length", nameof(history));
        }

        ref var g = ref MemoryMarshal.GetReference(diff);
        ref var h = ref MemoryMarshal.GetReference(history);
        int n = diff.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var r = new Vector<float>(rate);
            var m = new Vector<float>(momentum);
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                var kept = Vector.LoadUnsafe(ref h, (nuint)i) * m;
                var step = (Vector.LoadUnsafe(ref g, (nuint)i) * r) + kept;
                step.StoreUnsafe(ref h, (nuint)i);
                step.StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var kept = h.At(i) * momentum;
            var step = (g.At(i) * rate) + kept;
            h.At(i) = step;
            g.At(i) = step;
        }
    }

    /// <summary>
    /// <see cref="MomentumStep"/> and then <see cref="SubtractInPlace"/> in one pass: <c>history = momentum * history
    /// + rate * diff; diff = history; data -= history</c>, with the same roundings as the two calls.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MomentumStepAndUpdate(float rate, float momentum, Span<float> diff, Span<float> history, Span<float> data)
    {
        if (history.Length != diff.Length || data.Length != diff.Length)
        {
            throw new ArgumentException("the data, the gradient and the history differ in length", nameof(history));
        }

        ref var g = ref MemoryMarshal.GetReference(diff);
        ref var h = ref MemoryMarshal.GetReference(history);
        ref var w = ref MemoryMarshal.GetReference(data);
        int n = diff.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var r = new Vector<float>(rate);
            var m = new Vector<float>(momentum);
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                var kept = Vector.LoadUnsafe(ref h, (nuint)i) * m;
                var step = (Vector.LoadUnsafe(ref g, (nuint)i) * r) + kept;
                step.StoreUnsafe(ref h, (nuint)i);
                step.StoreUnsafe(ref g, (nuint)i);
                (Vector.LoadUnsafe(ref w, (nuint)i) - step).StoreUnsafe(ref w, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var kept = h.At(i) * momentum;
            var step = (g.At(i) * rate) + kept;
            h.At(i) = step;
            g.At(i) = step;
            w.At(i) -= step;
        }
    }

    /// <summary>Caffe's update, <c>data -= diff</c>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void SubtractInPlace(Span<float> data, ReadOnlySpan<float> diff)
    {
        if (diff.Length != data.Length)
        {
            throw new ArgumentException("the data and the diff differ in length", nameof(diff));
        }

        ref var w = ref MemoryMarshal.GetReference(data);
        ref var d = ref MemoryMarshal.GetReference(diff);
        int n = data.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                (Vector.LoadUnsafe(ref w, (nuint)i) - Vector.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref w, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            w.At(i) -= d.At(i);
        }
    }

    private static ref float At(this ref float start, int index) => ref System.Runtime.CompilerServices.Unsafe.Add(ref start, index);
}
