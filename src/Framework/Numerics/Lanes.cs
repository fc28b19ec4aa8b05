using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>Lane shuffles the vector kernels share (AVX2; callers check <see cref="Avx2.IsSupported"/>).</summary>
internal static class Lanes
{
    /// <summary>16 consecutive floats split into the even-indexed and the odd-indexed 8, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe (Vector256<float> Even, Vector256<float> Odd) Deinterleave(float* source)
    {
        var lo = Vector256.Load(source);
        var hi = Vector256.Load(source + 8);
        var even = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0x88).AsDouble(), 0xD8).AsSingle();
        var odd = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0xDD).AsDouble(), 0xD8).AsSingle();
        return (even, odd);
    }
}
