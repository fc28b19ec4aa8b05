using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LayerNet.Numerics;

/// <summary>
/// Element-wise activations with their own vectorised exponential: TensorPrimitives' float exponential widens to
/// double, which costs several times a single-precision polynomial that is accurate enough for a float activation.
/// Every element, vector body or scalar tail, goes through the same arithmetic, so a value's result does not depend on where it sits in the span.
/// </summary>
public static class Activations
{
    // exp(z) = 2^n * e^r with n = round(z / ln 2) and r = z - n ln 2 in [-ln 2 / 2, ln 2 / 2]; ln 2 in two parts
    // (Cody and Waite) so r keeps its low bits; e^r by its Taylor series to r^6 (error below 2e-7 relative).
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693145751953125f;
    private const float Ln2Low = 1.42860676533018704e-06f;
    private const float RoundMagic = 12582912f; // 1.5 * 2^23: adding it rounds to an integer kept in the low bits
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720;

    // Sigmoid's exp(-x) argument is clamped to [-87.3, 87]: 2^n stays a normal float (n in [-126, 126]) and the
    // sigmoid of x below -87 comes out at 1.6e-38, the smallest normal, instead of a denormal that would slow
    // every later product it enters. Above x = 17 the float result is 1 either way.
    private const float ArgumentMin = -87.3f;
    private const float ArgumentMax = 87f;

    /// <summary>y = 1 / (1 + exp(-x)), element by element; <paramref name="y"/> may be <paramref name="x"/> (in place).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length)
        {
            throw new ArgumentException("the output is shorter than the input", nameof(y));
        }

        ref var xs = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref var ys = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var e = Exp(-Vector512.LoadUnsafe(ref xs, (nuint)i));
                (Vector512<float>.One / (Vector512<float>.One + e)).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
            {
                var e = Exp(-Vector256.LoadUnsafe(ref xs, (nuint)i));
                (Vector256<float>.One / (Vector256<float>.One + e)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = 1f / (1f + Exp(-Unsafe.Add(ref xs, i)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> z)
    {
        z = Vector512.Min(Vector512.Max(z, Vector512.Create(ArgumentMin)), Vector512.Create(ArgumentMax));
        var t = Vector512.FusedMultiplyAdd(z, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        var n = t - Vector512.Create(RoundMagic);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), z);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C6), r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        // t's bits are RoundMagic's plus n in the low bits: shifted to the exponent field they add n to p's exponent
        // after 127 (the bias) is added.
        var scale = (t.AsInt32() << 23) + Vector512.Create(127 << 23);
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> z)
    {
        z = Vector256.Min(Vector256.Max(z, Vector256.Create(ArgumentMin)), Vector256.Create(ArgumentMax));
        var t = Vector256.FusedMultiplyAdd(z, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        var n = t - Vector256.Create(RoundMagic);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), z);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C6), r, Vector256.Create(C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var scale = (t.AsInt32() << 23) + Vector256.Create(127 << 23);
        return p * scale.AsSingle();
    }

    private static float Exp(float z)
    {
        z = Math.Min(Math.Max(z, ArgumentMin), ArgumentMax);
        var t = MathF.FusedMultiplyAdd(z, Log2E, RoundMagic);
        var n = t - RoundMagic;
        var r = MathF.FusedMultiplyAdd(n, -Ln2High, z);
        r = MathF.FusedMultiplyAdd(n, -Ln2Low, r);
        var p = MathF.FusedMultiplyAdd(C6, r, C5);
        p = MathF.FusedMultiplyAdd(p, r, C4);
        p = MathF.FusedMultiplyAdd(p, r, C3);
        p = MathF.FusedMultiplyAdd(p, r, C2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        var scale = (BitConverter.SingleToInt32Bits(t) << 23) + (127 << 23);
        return p * BitConverter.Int32BitsToSingle(scale);
    }
}
