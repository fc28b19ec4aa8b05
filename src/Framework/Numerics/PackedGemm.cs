using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>
/// Single-precision GEMM in the BLIS style: C += alpha * op(A) * op(B) over cache blocks (KC x NC panels of B,
/// MC x KC blocks of A) with a register-blocked micro-kernel chosen at run time: 12 x 32 with Vector512 FMA,
/// 6 x 16 with Vector256 FMA, 4 x 2W with the portable Vector&lt;T&gt;. Panels are packed only where packing pays:
/// small problems read A (transposed) and B (not transposed) in place, and A * B^T uses a dot-product kernel over
/// the contiguous rows of both. Large products are split by columns over persistent worker threads; every
/// element of C is computed by one thread in the same order, so results do not depend on the thread count.
/// Nothing is allocated per call once each thread's packing buffers exist.
/// </summary>
internal static unsafe class PackedGemm
{
    private const int KC = 256;
    private const int MC = 96;
    private const int NC = 4096;

    // Products below this many multiply-adds run on the calling thread: waking a worker costs more than it saves.
    private const long ParallelThreshold = 1L << 21;

    // With at most this many rows of op(A), B (not transposed) is read in place: packing would not pay back.
    private const int DirectRows = 128;

    [ThreadStatic]
    private static float[]? s_packA;

    [ThreadStatic]
    private static float[]? s_packB;

    // LAYERNET_GEMM_KERNEL=avx512|avx2|portable forces a kernel (for comparisons on one machine).
    private static string s_kernel = Detect(Environment.GetEnvironmentVariable("LAYERNET_GEMM_KERNEL"));

    private static bool Use512 => ReferenceEquals(s_kernel, "avx512");

    private static bool Use256 => ReferenceEquals(s_kernel, "avx2");

    /// <summary>Rows of the micro-kernel's tile.</summary>
    public static int MR => Use512 ? 12 : Use256 ? 6 : 4;

    /// <summary>Columns of the micro-kernel's tile.</summary>
    public static int NR => Use512 ? 32 : Use256 ? 16 : 2 * System.Numerics.Vector<float>.Count;

    /// <summary>The kernels this machine can run, best first.</summary>
    public static IReadOnlyList<string> Supported { get; } =
        [.. new[] { "avx512", "avx2", "portable" }.Where(k => k == "portable" || Detect(k) == k)];

    /// <summary>Selects a kernel (tests run every supported one); not thread-safe against running products.</summary>
    internal static void Select(string kernel)
    {
        if (!Supported.Contains(kernel))
        {
            throw new ArgumentException($"kernel '{kernel}' is not supported on this machine", nameof(kernel));
        }

        s_kernel = Detect(kernel);
    }

    private static string Detect(string? wanted)
    {
        if (wanted is null or "avx512" && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            return "avx512";
        }

        if (wanted is null or "avx512" or "avx2" && Fma.IsSupported && Avx2.IsSupported)
        {
            return "avx2";
        }

        return "portable";
    }

    struct Job
    {
        public bool Ta, Tb;
        public int M, N, K;
        public float Alpha;
        public float* A, B, C;
    }

    /// <summary>The kernel in use, for reports: "avx512", "avx2" or "portable".</summary>
    public static string KernelName => s_kernel;

    /// <summary>C = alpha * op(A) * op(B) + beta * C, row-major, dimensions already checked.</summary>
    public static void Gemm(bool ta, bool tb, int m, int n, int k, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        // Scale C once; the kernels then only accumulate. beta = 0 ignores what C held (NaN included), as BLAS does.
        if (beta == 0f) c.Slice(0, m * n).Clear();
        else if (beta != 1f) TensorPrimitives.Multiply(c.Slice(0, m * n), beta, c.Slice(0, m * n));
        if (alpha == 0f || k == 0 || m == 0 || n == 0) return;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            var job = new Job { Ta = ta, Tb = tb, M = m, N = n, K = k, Alpha = alpha, A = pa, B = pb, C = pc };
            long work = (long)m * n * k;
            int threads = work >= ParallelThreshold ? Math.Min(GemmWorkers.Count, Math.Max(1, n / NR)) : 1;
            GemmWorkers.Run(threads, &Slice, &job);
        }
    }

    static void Slice(int index, int total, void* state)
    {
        ref Job job = ref *(Job*)state;
        // The dot kernel wins when rows are long enough to amortise its horizontal sums; short ones go packed.
        bool dot = !job.Ta && job.Tb && Use512 && job.K >= KC;
        int unit = dot ? 4 : NR;
        int panels = (job.N + unit - 1) / unit;
        int first = panels * index / total, last = panels * (index + 1) / total;
        int n0 = first * unit, n1 = Math.Min(job.N, last * unit);
        if (n0 >= n1) return;
        if (dot) RunDot(ref job, n0, n1);
        else Run(ref job, n0, n1);
    }

    static void Run(ref Job job, int n0, int n1)
    {
        int mr = MR, nr = NR, m = job.M, n = job.N, k = job.K;
        bool directB = !job.Tb && m <= DirectRows;
        bool directA = job.Ta;
        // Pinned (they never move) and used from a 64-byte boundary: a 512-bit load that straddles two cache lines
        // costs two, and an array's own alignment is only 8 or 16 bytes, which made speed depend on where the GC
        // happened to put the buffers (measured: 36 against 90 GFLOP/s on 64x1000x100).
        var packA = s_packA ??= GC.AllocateUninitializedArray<float>((MC * KC) + 64 + 16, pinned: true);
        var packB = s_packB ??= GC.AllocateUninitializedArray<float>((KC * (NC + 64)) + 16, pinned: true);
        fixed (float* rawA = packA) fixed (float* rawB = packB)
        {
            var ap = (float*)(((nint)rawA + 63) & ~(nint)63);
            var bp = (float*)(((nint)rawB + 63) & ~(nint)63);
            for (int jc = n0; jc < n1; jc += NC)
            {
                int nc = Math.Min(NC, n1 - jc);
                for (int p0 = 0; p0 < k; p0 += KC)
                {
                    int kc = Math.Min(KC, k - p0);
                    if (!directB) PackB(job.Tb, job.B, n, k, p0, kc, jc, nc, bp, nr);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        if (!directA) PackA(job.Ta, job.A, m, k, ic, mc, p0, kc, ap, mr);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrEff = Math.Min(nr, nc - jr);
                            float* bPanel; int bStride;
                            if (directB && nrEff == nr) { bPanel = job.B + (long)p0 * n + jc + jr; bStride = n; }
                            else if (directB) { PackB(false, job.B, n, k, p0, kc, jc + jr, nrEff, bp, nr); bPanel = bp; bStride = nr; }
                            else { bPanel = bp + jr * kc; bStride = nr; }
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mrEff = Math.Min(mr, mc - ir);
                                float* aPanel; int aStride;
                                if (directA && mrEff == mr) { aPanel = job.A + (long)p0 * m + ic + ir; aStride = m; }
                                else if (directA) { PackA(true, job.A, m, k, ic + ir, mrEff, p0, kc, ap, mr); aPanel = ap; aStride = mr; }
                                else { aPanel = ap + ir * kc; aStride = mr; }
                                float* cTile = job.C + (long)(ic + ir) * n + jc + jr;
                                Kernel(kc, aPanel, aStride, bPanel, bStride, cTile, n, mrEff, nrEff, job.Alpha);
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackA(bool ta, float* a, int m, int k, int ic, int mc, int p0, int kc, float* dst, int mr)
    {
        float** rows = stackalloc float*[16];
        for (int ir = 0; ir < mc; ir += mr)
        {
            int count = Math.Min(mr, mc - ir);
            float* d = dst + ir * kc;
            if (!ta)
            {
                for (int r = 0; r < count; r++) rows[r] = a + (long)(ic + ir + r) * k + p0;
                for (int p = 0; p < kc; p++)
                {
                    float* dp = d + p * mr;
                    int r = 0;
                    for (; r < count; r++) dp[r] = rows[r][p];
                    for (; r < mr; r++) dp[r] = 0f;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * m + ic + ir;
                    float* dp = d + p * mr;
                    int r = 0;
                    for (; r < count; r++) dp[r] = src[r];
                    for (; r < mr; r++) dp[r] = 0f;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackB(bool tb, float* b, int n, int k, int p0, int kc, int jc, int nc, float* dst, int nr)
    {
        float** cols = stackalloc float*[32];
        for (int jr = 0; jr < nc; jr += nr)
        {
            int count = Math.Min(nr, nc - jr);
            float* d = dst + jr * kc;
            if (!tb)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * n + jc + jr;
                    float* dp = d + p * nr;
                    int c2 = 0;
                    if (count == nr) { Buffer.MemoryCopy(src, dp, nr * 4, nr * 4); continue; }
                    for (; c2 < count; c2++) dp[c2] = src[c2];
                    for (; c2 < nr; c2++) dp[c2] = 0f;
                }
            }
            else
            {
                for (int c2 = 0; c2 < count; c2++) cols[c2] = b + (long)(jc + jr + c2) * k + p0;
                for (int p = 0; p < kc; p++)
                {
                    float* dp = d + p * nr;
                    int c2 = 0;
                    for (; c2 < count; c2++) dp[c2] = cols[c2][p];
                    for (; c2 < nr; c2++) dp[c2] = 0f;
                }
            }
        }
    }

    // C = A * B^T with both A (m x k) and B (n x k) row-major: every entry is a dot product of two contiguous
    // rows, so blocks of 6 x 4 entries accumulate in vector registers with no packing at all.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RunDot(ref Job job, int n0, int n1)
    {
        int m = job.M, n = job.N, k = job.K;
        float alpha = job.Alpha;
        for (int p0 = 0; p0 < k; p0 += KC)
        {
            int kc = Math.Min(KC, k - p0);
            for (int i = 0; i < m; i += 6)
            {
                int rows = Math.Min(6, m - i);
                for (int j = n0; j < n1; j += 4)
                {
                    int cols = Math.Min(4, n1 - j);
                    float* a = job.A + (long)i * k + p0;
                    float* b = job.B + (long)j * k + p0;
                    float* c = job.C + (long)i * n + j;
                    if (rows == 6 && cols == 4) Dot6x4(kc, a, b, k, c, n, alpha);
                    else DotEdge(kc, a, b, k, c, n, rows, cols, alpha);
                }
            }
        }
    }

    static void DotEdge(int kc, float* a, float* b, int ld, float* c, int ldc, int rows, int cols, float alpha)
    {
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                c[r * ldc + q] += alpha * TensorPrimitives.Dot(new ReadOnlySpan<float>(a + (long)r * ld, kc), new ReadOnlySpan<float>(b + (long)q * ld, kc));
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Dot6x4(int kc, float* a, float* b, int ld, float* c, int ldc, float alpha)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default,
            s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default,
            s40 = default, s41 = default, s42 = default, s43 = default, s50 = default, s51 = default, s52 = default, s53 = default;
        float* a0 = a, a1 = a + ld, a2 = a + 2 * ld, a3 = a + 3 * ld, a4 = a + 4 * ld, a5 = a + 5 * ld;
        float* b0 = b, b1 = b + ld, b2 = b + 2 * ld, b3 = b + 3 * ld;
        int p = 0;
        for (; p + 16 <= kc; p += 16)
        {
            var v0 = Vector512.Load(b0 + p); var v1 = Vector512.Load(b1 + p); var v2 = Vector512.Load(b2 + p); var v3 = Vector512.Load(b3 + p);
            var x = Vector512.Load(a0 + p); s00 = Avx512F.FusedMultiplyAdd(x, v0, s00); s01 = Avx512F.FusedMultiplyAdd(x, v1, s01); s02 = Avx512F.FusedMultiplyAdd(x, v2, s02); s03 = Avx512F.FusedMultiplyAdd(x, v3, s03);
            x = Vector512.Load(a1 + p); s10 = Avx512F.FusedMultiplyAdd(x, v0, s10); s11 = Avx512F.FusedMultiplyAdd(x, v1, s11); s12 = Avx512F.FusedMultiplyAdd(x, v2, s12); s13 = Avx512F.FusedMultiplyAdd(x, v3, s13);
            x = Vector512.Load(a2 + p); s20 = Avx512F.FusedMultiplyAdd(x, v0, s20); s21 = Avx512F.FusedMultiplyAdd(x, v1, s21); s22 = Avx512F.FusedMultiplyAdd(x, v2, s22); s23 = Avx512F.FusedMultiplyAdd(x, v3, s23);
            x = Vector512.Load(a3 + p); s30 = Avx512F.FusedMultiplyAdd(x, v0, s30); s31 = Avx512F.FusedMultiplyAdd(x, v1, s31); s32 = Avx512F.FusedMultiplyAdd(x, v2, s32); s33 = Avx512F.FusedMultiplyAdd(x, v3, s33);
            x = Vector512.Load(a4 + p); s40 = Avx512F.FusedMultiplyAdd(x, v0, s40); s41 = Avx512F.FusedMultiplyAdd(x, v1, s41); s42 = Avx512F.FusedMultiplyAdd(x, v2, s42); s43 = Avx512F.FusedMultiplyAdd(x, v3, s43);
            x = Vector512.Load(a5 + p); s50 = Avx512F.FusedMultiplyAdd(x, v0, s50); s51 = Avx512F.FusedMultiplyAdd(x, v1, s51); s52 = Avx512F.FusedMultiplyAdd(x, v2, s52); s53 = Avx512F.FusedMultiplyAdd(x, v3, s53);
        }
        float* t = stackalloc float[24];
        t[0] = Vector512.Sum(s00); t[1] = Vector512.Sum(s01); t[2] = Vector512.Sum(s02); t[3] = Vector512.Sum(s03);
        t[4] = Vector512.Sum(s10); t[5] = Vector512.Sum(s11); t[6] = Vector512.Sum(s12); t[7] = Vector512.Sum(s13);
        t[8] = Vector512.Sum(s20); t[9] = Vector512.Sum(s21); t[10] = Vector512.Sum(s22); t[11] = Vector512.Sum(s23);
        t[12] = Vector512.Sum(s30); t[13] = Vector512.Sum(s31); t[14] = Vector512.Sum(s32); t[15] = Vector512.Sum(s33);
        t[16] = Vector512.Sum(s40); t[17] = Vector512.Sum(s41); t[18] = Vector512.Sum(s42); t[19] = Vector512.Sum(s43);
        t[20] = Vector512.Sum(s50); t[21] = Vector512.Sum(s51); t[22] = Vector512.Sum(s52); t[23] = Vector512.Sum(s53);
        for (; p < kc; p++)
            for (int r = 0; r < 6; r++) { float av = a[r * ld + p]; for (int q = 0; q < 4; q++) t[r * 4 + q] += av * b[q * ld + p]; }
        for (int r = 0; r < 6; r++) for (int q = 0; q < 4; q++) c[r * ldc + q] += alpha * t[r * 4 + q];
    }

    static void Kernel(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha)
    {
        if (Use512) Kernel12x32(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha);
        else if (Use256) Kernel6x16(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha);
        else KernelPortable(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha);
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel12x32(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); ca0 = Avx512F.FusedMultiplyAdd(x, b0, ca0); ca1 = Avx512F.FusedMultiplyAdd(x, b1, ca1);
            x = Vector512.Create(a[11]); cb0 = Avx512F.FusedMultiplyAdd(x, b0, cb0); cb1 = Avx512F.FusedMultiplyAdd(x, b1, cb1);
            a += aStride; b += bStride;
        }
        var s = Vector512.Create(alpha);
        if (mr == 12 && nr == 32)
        {
            Add(c, c00, c01, s); Add(c + ldc, c10, c11, s); Add(c + 2 * ldc, c20, c21, s); Add(c + 3 * ldc, c30, c31, s);
            Add(c + 4 * ldc, c40, c41, s); Add(c + 5 * ldc, c50, c51, s); Add(c + 6 * ldc, c60, c61, s); Add(c + 7 * ldc, c70, c71, s);
            Add(c + 8 * ldc, c80, c81, s); Add(c + 9 * ldc, c90, c91, s); Add(c + 10 * ldc, ca0, ca1, s); Add(c + 11 * ldc, cb0, cb1, s);
            return;
        }
        if (nr == 32)
        {
            // Whole rows: vector stores for the rows there are (a tile at the bottom edge of C).
            Add(c, c00, c01, s); if (mr == 1) return;
            Add(c + ldc, c10, c11, s); if (mr == 2) return;
            Add(c + 2 * ldc, c20, c21, s); if (mr == 3) return;
            Add(c + 3 * ldc, c30, c31, s); if (mr == 4) return;
            Add(c + 4 * ldc, c40, c41, s); if (mr == 5) return;
            Add(c + 5 * ldc, c50, c51, s); if (mr == 6) return;
            Add(c + 6 * ldc, c60, c61, s); if (mr == 7) return;
            Add(c + 7 * ldc, c70, c71, s); if (mr == 8) return;
            Add(c + 8 * ldc, c80, c81, s); if (mr == 9) return;
            Add(c + 9 * ldc, c90, c91, s); if (mr == 10) return;
            Add(c + 10 * ldc, ca0, ca1, s);
            return;
        }

        float* t = stackalloc float[12 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240); c80.Store(t + 256); c81.Store(t + 272);
        c90.Store(t + 288); c91.Store(t + 304); ca0.Store(t + 320); ca1.Store(t + 336); cb0.Store(t + 352); cb1.Store(t + 368);
        for (int i = 0; i < mr; i++) for (int j = 0; j < nr; j++) c[i * ldc + j] += alpha * t[i * 32 + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Add(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> alpha)
    {
        Vector512.Store(Avx512F.FusedMultiplyAdd(x0, alpha, Vector512.Load(c)), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(x1, alpha, Vector512.Load(c + 16)), c + 16);
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel6x16(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += aStride; b += bStride;
        }
        float* t = stackalloc float[6 * 16];
        c00.Store(t); c01.Store(t + 8); c10.Store(t + 16); c11.Store(t + 24); c20.Store(t + 32); c21.Store(t + 40);
        c30.Store(t + 48); c31.Store(t + 56); c40.Store(t + 64); c41.Store(t + 72); c50.Store(t + 80); c51.Store(t + 88);
        for (int i = 0; i < mr; i++) for (int j = 0; j < nr; j++) c[i * ldc + j] += alpha * t[i * 16 + j];
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void KernelPortable(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha)
    {
        int w = System.Numerics.Vector<float>.Count;
        System.Numerics.Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = *(System.Numerics.Vector<float>*)b;
            var b1 = *(System.Numerics.Vector<float>*)(b + w);
            var x = new System.Numerics.Vector<float>(a[0]); c00 += x * b0; c01 += x * b1;
            x = new System.Numerics.Vector<float>(a[1]); c10 += x * b0; c11 += x * b1;
            x = new System.Numerics.Vector<float>(a[2]); c20 += x * b0; c21 += x * b1;
            x = new System.Numerics.Vector<float>(a[3]); c30 += x * b0; c31 += x * b1;
            a += aStride; b += bStride;
        }
        float* t = stackalloc float[4 * 2 * 16];
        int row = 2 * w;
        *(System.Numerics.Vector<float>*)t = c00; *(System.Numerics.Vector<float>*)(t + w) = c01;
        *(System.Numerics.Vector<float>*)(t + row) = c10; *(System.Numerics.Vector<float>*)(t + row + w) = c11;
        *(System.Numerics.Vector<float>*)(t + 2 * row) = c20; *(System.Numerics.Vector<float>*)(t + 2 * row + w) = c21;
        *(System.Numerics.Vector<float>*)(t + 3 * row) = c30; *(System.Numerics.Vector<float>*)(t + 3 * row + w) = c31;
        for (int i = 0; i < mr; i++) for (int j = 0; j < nr; j++) c[i * ldc + j] += alpha * t[i * row + j];
    }
}
