using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>
/// Single-thread products with no packing, with AVX-512 or AVX2: both operands are read where they lie, edges with
/// masked loads and stores, and there is no per-call setup beyond a loop over tiles. <see cref="PackedGemm"/> sends
/// the products here that <see cref="Takes"/> accepts.
/// <list type="bullet">
/// <item>B not transposed (NN, TN): outer products. A tile is up to 12 rows of C by 32 columns (two 512-bit vectors,
/// the last one masked; AVX2: 6 rows by two 256-bit vectors) over all of k: A's entries are broadcast from where they
/// lie, B's rows loaded from where they lie, C written once. Rows are split into blocks as even as possible
/// (64 = 11 + 11 + 11 + 11 + 10 + 10), so no tile computes a row it throws away; a last chunk of at most 16 or 8
/// columns runs one 512-bit or one 256-bit vector a row (a 256-bit multiply-add costs half a 512-bit one).</item>
/// <item>NT: dot products, as both operands run along k. A tile is up to 4 rows of A by up to 6 rows of B (AVX2: 3 by
/// 4), 256-bit vectors along k, then one reduction tree per row of the tile gives its sums in one vector. 256 bits,
/// not 512: the same multiply-adds a cycle, 100 = 12 x 8 + 4 wastes less of the last vector than 6 x 16 + 4, and the
/// tree has one level less.</item>
/// </list>
/// For small products (the lecture's fc2: NT 64 x 10 x 100, NN 64 x 100 x 10, TN 10 x 100 x 64) packing,
/// transposed write-back and per-call setup cost as much as the multiply-adds; reading in place removes all three.
/// The figures, and the commands that reproduce them, are in bench/README.md ("Measurements behind the code").
/// </summary>
[SkipLocalsInit]
internal static unsafe class DirectGemm
{
    // Products of at most this many multiply-adds (8.4 M) may come here; larger ones take the packed path, which
    // splits them over threads from 16.8 M. Below the line an NN or TN product with more than 16 columns runs at
    // least as fast here as packed on one core, so the line is set by threading, not by the kernels.
    public const long MaxWork = 1L << 23;

    /// <summary>Whether the product runs here, with AVX-512 or with AVX2 (the caller checks which the machine has).</summary>
    public static bool Takes(bool ta, bool tb, int m, int n, int k, bool avx512)
    {
        long work = (long)m * n * k;
        if ((ta && tb) || work > MaxWork)
        {
            return false;
        }

        // NT: each entry of C ends in a reduction (about a cycle), where packing transposes both operands (about 0.4
        // cycle a float): dot products win where 4 m n <= k (m + n). AVX2's packed NT path is slower against its dot
        // tiles, so the line is 2 m n there.
        if (tb)
        {
            return (avx512 ? 4 : 2) * (long)m * n <= (long)k * (m + n);
        }

        // AVX2's tiles have 6 rows, so each block of rows reads all of B again: past 256 KB of B the packed path's
        // reuse of B wins.
        if (!avx512 && (long)k * n > 1 << 16)
        {
            return false;
        }

        // Outer products hold a row of C in whole vectors; with 16 columns or fewer (one vector a row, or a 256-bit
        // one, feeding one multiply-add per broadcast) C^T's tiles in the packed path do better unless the rows are
        // few too.
        return n > 16 || m <= 16;
    }

    /// <summary>
    /// C = alpha * op(A) * op(B) (+ C unless <paramref name="overwrite"/>), row-major, C m x n; with AVX-512
    /// instructions, or with AVX2 and FMA only (16 vector registers, no mask registers).
    /// </summary>
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, float* b, float* c, bool overwrite, bool avx512)
    {
        if (avx512 && alpha == 1f)
        {
            Run<Yes, Yes>(ta, tb, m, n, k, alpha, a, b, c, overwrite);
        }
        else if (avx512)
        {
            Run<Yes, No>(ta, tb, m, n, k, alpha, a, b, c, overwrite);
        }
        else if (alpha == 1f)
        {
            Run<No, Yes>(ta, tb, m, n, k, alpha, a, b, c, overwrite);
        }
        else
        {
            Run<No, No>(ta, tb, m, n, k, alpha, a, b, c, overwrite);
        }
    }

    static void Run<TIsa, TOne>(bool ta, bool tb, int m, int n, int k, float alpha, float* a, float* b, float* c, bool overwrite)
        where TIsa : struct, IFlag where TOne : struct, IFlag
    {
        if (tb)
        {
            Dots<TIsa, TOne>(m, n, k, alpha, a, b, c, overwrite);
        }
        else
        {
            Outer<TIsa, TOne>(ta, m, n, k, alpha, a, b, c, overwrite);
        }
    }

    // ------------------------------------------------------------------------------------------------ outer products

    /// <summary>
    /// Columns <paramref name="first"/> to <paramref name="last"/> - 1 of C = A B (m x n x k, neither transposed, C
    /// overwritten), as <see cref="Run"/> computes them in the whole product (each entry sums its k products in the
    /// same order, whatever the columns around it), reading B only in those columns.
    /// </summary>
    public static void RunColumns(int m, int n, int k, float* a, float* b, float* c, int first, int last, bool avx512)
    {
        if (avx512)
        {
            Outer<Yes, Yes>(false, m, last - first, k, 1f, a, b + first, c + first, overwrite: true, ld: n);
        }
        else
        {
            Outer<No, Yes>(false, m, last - first, k, 1f, a, b + first, c + first, overwrite: true, ld: n);
        }
    }

    // ld: the row length of B and C (n unless a range of their columns is computed).
    static void Outer<TIsa, TOne>(bool ta, int m, int n, int k, float alpha, float* a, float* b, float* c, bool overwrite, nint ld = 0)
        where TIsa : struct, IFlag where TOne : struct, IFlag
    {
        if (ld == 0)
        {
            ld = n;
        }

        // A(r, p) lies at a[r * rowStep + p * kStep]. Run-time values, not types: NN and TN products share their
        // kernels (each kernel instantiation costs milliseconds of compiling at first use).
        nint rowStep = ta ? 1 : k, kStep = ta ? m : 1;
        if (!TIsa.Value)
        {
            // AVX2: 16 vector registers, so tiles of up to 6 rows by 16 columns (two 256-bit vectors, the shape of
            // OpenBLAS's Haswell kernel), whole 16-column chunks in one call per row block, a last chunk of 8 or
            // fewer columns in a second at one vector a row.
            int blocks8 = (m + 5) / 6, rest8 = n % 16, wide8 = (n / 16) + (rest8 > 8 ? 1 : 0), done8 = n - (rest8 is > 0 and <= 8 ? rest8 : 0);
            int last8 = rest8 > 8 ? rest8 - 8 : 8;
            for (int block = 0; block < blocks8; block++)
            {
                int r0 = (int)((long)m * block / blocks8), rows = (int)((long)m * (block + 1) / blocks8) - r0;
                var t = new Tile
                {
                    K = k, A = a + (r0 * rowStep), RowStep = rowStep, KStep = kStep, B = b, Ldb = ld,
                    C = c + (r0 * ld), Ldc = ld, Alpha = alpha, Overwrite = overwrite, Chunks = wide8,
                    Mask8 = FirstLanes8(last8), Count8 = last8,
                };
                if (wide8 > 0)
                {
                    Rows8<TIsa, TOne, Yes>(rows, ref t);
                }

                if (done8 == n)
                {
                    continue;
                }

                t.B += done8; t.C += done8; t.Chunks = 1; t.Mask8 = FirstLanes8(n - done8); t.Count8 = n - done8;
                Rows8<TIsa, TOne, No>(rows, ref t);
            }

            return;
        }

        int blocks = (m + 11) / 12;
        // Whole 32-column chunks (and a last one of more than 16) in one call per row block; a last chunk of at
        // most 16 columns in a second, at its own width.
        int rest = n % 32, wide = (n / 32) + (rest > 16 ? 1 : 0), done = n - (rest is > 0 and <= 16 ? rest : 0);
        for (int block = 0; block < blocks; block++)
        {
            int r0 = (int)((long)m * block / blocks), rows = (int)((long)m * (block + 1) / blocks) - r0;
            var args = new Tile
            {
                K = k, A = a + (r0 * rowStep), RowStep = rowStep, KStep = kStep, B = b, Ldb = ld,
                C = c + (r0 * ld), Ldc = ld, Alpha = alpha, Overwrite = overwrite, Chunks = wide,
                Mask = FirstLanes(rest > 16 ? rest - 16 : 16),
            };
            if (wide > 0)
            {
                OuterRows<TOne, Yes>(rows, ref args);
            }

            if (done == n)
            {
                continue;
            }

            args.B += done; args.C += done; args.Chunks = 1; args.Mask = FirstLanes(n - done);
            args.Mask8 = FirstLanes8(n - done); args.Count8 = n - done;
            if (n - done > 8)
            {
                OuterRows<TOne, No>(rows, ref args);
            }
            else
            {
                Rows8<TIsa, TOne, No>(rows, ref args);
            }
        }
    }

    struct Tile
    {
        public int K;
        public float* A, B, C;
        public nint RowStep, KStep, Ldb, Ldc;
        public float Alpha;
        public bool Overwrite;
        public int Chunks;

        // Of the last vector of the last chunk (the others are whole): 16 lanes, or 8 for the 256-bit kernel with
        // the count of lanes it holds.
        public Vector512<float> Mask;
        public Vector256<float> Mask8;
        public int Count8;
    }

    // One instantiation per row count, so the kernel's loop holds exactly the accumulators it needs.
    static void OuterRows<TOne, TWide>(int rows, ref Tile t)
        where TOne : struct, IFlag where TWide : struct, IFlag
    {
        switch (rows)
        {
            case 1: OuterKernel<TOne, TWide, R1>(ref t); break;
            case 2: OuterKernel<TOne, TWide, R2>(ref t); break;
            case 3: OuterKernel<TOne, TWide, R3>(ref t); break;
            case 4: OuterKernel<TOne, TWide, R4>(ref t); break;
            case 5: OuterKernel<TOne, TWide, R5>(ref t); break;
            case 6: OuterKernel<TOne, TWide, R6>(ref t); break;
            case 7: OuterKernel<TOne, TWide, R7>(ref t); break;
            case 8: OuterKernel<TOne, TWide, R8>(ref t); break;
            case 9: OuterKernel<TOne, TWide, R9>(ref t); break;
            case 10: OuterKernel<TOne, TWide, R10>(ref t); break;
            case 11: OuterKernel<TOne, TWide, R11>(ref t); break;
            default: OuterKernel<TOne, TWide, R12>(ref t); break;
        }
    }

    static void Rows8<TIsa, TOne, TWide>(int rows, ref Tile t)
        where TIsa : struct, IFlag where TOne : struct, IFlag where TWide : struct, IFlag
    {
        switch (rows)
        {
            case 1: OuterKernel8<TIsa, TOne, TWide, R1>(ref t); break;
            case 2: OuterKernel8<TIsa, TOne, TWide, R2>(ref t); break;
            case 3: OuterKernel8<TIsa, TOne, TWide, R3>(ref t); break;
            case 4: OuterKernel8<TIsa, TOne, TWide, R4>(ref t); break;
            case 5: OuterKernel8<TIsa, TOne, TWide, R5>(ref t); break;
            case 6: OuterKernel8<TIsa, TOne, TWide, R6>(ref t); break;
            case 7: OuterKernel8<TIsa, TOne, TWide, R7>(ref t); break;
            case 8: OuterKernel8<TIsa, TOne, TWide, R8>(ref t); break;
            case 9: OuterKernel8<TIsa, TOne, TWide, R9>(ref t); break;
            case 10: OuterKernel8<TIsa, TOne, TWide, R10>(ref t); break;
            case 11: OuterKernel8<TIsa, TOne, TWide, R11>(ref t); break;
            default: OuterKernel8<TIsa, TOne, TWide, R12>(ref t); break;
        }
    }

    // C[r, j..j+32) (or 16 when not wide) of rows r < R += alpha * sum_p A(r, p) * B[p, j..], for t.Chunks chunks
    // j = 0, 32, ...; the last vector of the last chunk is masked (loads read nothing past the row's end, stores write
    // nothing past it). The row count is a type, so the guards below are constants and each instantiation keeps only
    // its own accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void OuterKernel<TOne, TWide, TR>(ref Tile t)
        where TOne : struct, IFlag where TWide : struct, IFlag where TR : struct, ICount
    {
        int rows = TR.Value;
        bool wide = TWide.Value;
        nint rs = t.RowStep, ks = t.KStep, ldb = t.Ldb, ldc = t.Ldc;
        nint o2 = 2 * rs, o3 = 3 * rs, o4 = 4 * rs, o5 = 5 * rs, o6 = 6 * rs, o7 = 7 * rs, o8 = 8 * rs, o9 = 9 * rs, o10 = 10 * rs, o11 = 11 * rs;
        var s = Vector512.Create(t.Alpha);
        bool ow = t.Overwrite;
        int k = t.K;
        for (int chunk = 0; chunk < t.Chunks; chunk++)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
                c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
            bool last = chunk == t.Chunks - 1;
            var mask = last ? t.Mask : Vector512<float>.AllBitsSet;
            bool whole = !last || Vector512.ExtractMostSignificantBits(t.Mask) == 0xFFFF;
            float* a = t.A, b = t.B + (chunk * 32);
            for (int p = 0; p < k; p++)
            {
                Vector512<float> b0, b1 = default;
                if (wide) { b0 = Vector512.Load(b); b1 = Avx512F.MaskLoad(b + 16, mask, Vector512<float>.Zero); }
                else
                {
                    b0 = Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
                }

                Vector512<float> x;
                x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); if (wide)
                {
                    c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                }

                if (rows > 1) { x = Vector512.Create(a[rs]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); if (wide)
                    {
                        c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                    }
                }
                if (rows > 2) { x = Vector512.Create(a[o2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); if (wide)
                    {
                        c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                    }
                }
                if (rows > 3) { x = Vector512.Create(a[o3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); if (wide)
                    {
                        c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                    }
                }
                if (rows > 4) { x = Vector512.Create(a[o4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); if (wide)
                    {
                        c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
                    }
                }
                if (rows > 5) { x = Vector512.Create(a[o5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); if (wide)
                    {
                        c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
                    }
                }
                if (rows > 6) { x = Vector512.Create(a[o6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); if (wide)
                    {
                        c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
                    }
                }
                if (rows > 7) { x = Vector512.Create(a[o7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); if (wide)
                    {
                        c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
                    }
                }
                if (rows > 8) { x = Vector512.Create(a[o8]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); if (wide)
                    {
                        c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
                    }
                }
                if (rows > 9) { x = Vector512.Create(a[o9]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); if (wide)
                    {
                        c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
                    }
                }
                if (rows > 10) { x = Vector512.Create(a[o10]); ca0 = Avx512F.FusedMultiplyAdd(x, b0, ca0); if (wide)
                    {
                        ca1 = Avx512F.FusedMultiplyAdd(x, b1, ca1);
                    }
                }
                if (rows > 11) { x = Vector512.Create(a[o11]); cb0 = Avx512F.FusedMultiplyAdd(x, b0, cb0); if (wide)
                    {
                        cb1 = Avx512F.FusedMultiplyAdd(x, b1, cb1);
                    }
                }
                a += ks; b += ldb;
            }

            float* c = t.C + (chunk * 32);
            PutRow<TOne, TWide>(c, c00, c01, s, mask, whole, ow);
            if (rows > 1)
            {
                PutRow<TOne, TWide>(c + ldc, c10, c11, s, mask, whole, ow);
            }

            if (rows > 2)
            {
                PutRow<TOne, TWide>(c + (2 * ldc), c20, c21, s, mask, whole, ow);
            }

            if (rows > 3)
            {
                PutRow<TOne, TWide>(c + (3 * ldc), c30, c31, s, mask, whole, ow);
            }

            if (rows > 4)
            {
                PutRow<TOne, TWide>(c + (4 * ldc), c40, c41, s, mask, whole, ow);
            }

            if (rows > 5)
            {
                PutRow<TOne, TWide>(c + (5 * ldc), c50, c51, s, mask, whole, ow);
            }

            if (rows > 6)
            {
                PutRow<TOne, TWide>(c + (6 * ldc), c60, c61, s, mask, whole, ow);
            }

            if (rows > 7)
            {
                PutRow<TOne, TWide>(c + (7 * ldc), c70, c71, s, mask, whole, ow);
            }

            if (rows > 8)
            {
                PutRow<TOne, TWide>(c + (8 * ldc), c80, c81, s, mask, whole, ow);
            }

            if (rows > 9)
            {
                PutRow<TOne, TWide>(c + (9 * ldc), c90, c91, s, mask, whole, ow);
            }

            if (rows > 10)
            {
                PutRow<TOne, TWide>(c + (10 * ldc), ca0, ca1, s, mask, whole, ow);
            }

            if (rows > 11)
            {
                PutRow<TOne, TWide>(c + (11 * ldc), cb0, cb1, s, mask, whole, ow);
            }
        }
    }

    // C[r, j..j+16) (or 8 when not wide) of rows r < R += alpha * sum_p A(r, p) * B[p, j..], in 256-bit vectors, for
    // t.Chunks chunks j = 0, 16, ...; the last vector of the last chunk holds t.Count8 columns. The AVX2 kernel (two
    // vectors a row, at most 6 rows: 12 accumulators of 16 registers), and with AVX-512 the one for a last chunk of
    // at most 8 columns (one vector a row, up to 12 rows): a 256-bit multiply-add costs half a 512-bit one, so a
    // last chunk of a few columns (the last 4 of 100) costs half what a masked 512-bit vector would.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void OuterKernel8<TIsa, TOne, TWide, TR>(ref Tile t)
        where TIsa : struct, IFlag where TOne : struct, IFlag where TWide : struct, IFlag where TR : struct, ICount
    {
        int rows = TR.Value;
        bool wide = TWide.Value;
        nint rs = t.RowStep, ks = t.KStep, ldb = t.Ldb, ldc = t.Ldc;
        nint o2 = 2 * rs, o3 = 3 * rs, o4 = 4 * rs, o5 = 5 * rs, o6 = 6 * rs, o7 = 7 * rs, o8 = 8 * rs, o9 = 9 * rs, o10 = 10 * rs, o11 = 11 * rs;
        var s = Vector256.Create(t.Alpha);
        bool ow = t.Overwrite;
        int k = t.K, chunks = wide ? t.Chunks : 1;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            // cR: row R's first vector; eR: its second (wide).
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
                c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default,
                e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default,
                e6 = default, e7 = default, e8 = default, e9 = default, ea = default, eb = default;
            bool last = chunk == chunks - 1;
            var mask = last ? t.Mask8 : Vector256<float>.AllBitsSet;
            int count = last ? t.Count8 : 8;
            float* a = t.A, b = t.B + (chunk * 16);
            for (int p = 0; p < k; p++)
            {
                // One vector a row: the broadcast goes into the multiply-add (an embedded broadcast with AVX-512).
                Vector256<float> y0, y1 = default, x;
                if (wide) { y0 = Vector256.Load(b); y1 = LoadFirst<TIsa>(b + 8, mask); }
                else
                {
                    y0 = LoadFirst<TIsa>(b, mask);
                }

                if (wide) { x = Vector256.Create(a[0]); c0 = Fma.MultiplyAdd(x, y0, c0); e0 = Fma.MultiplyAdd(x, y1, e0); } else
                {
                    c0 = Fma.MultiplyAdd(Vector256.Create(a[0]), y0, c0);
                }

                if (rows > 1) { if (wide) { x = Vector256.Create(a[rs]); c1 = Fma.MultiplyAdd(x, y0, c1); e1 = Fma.MultiplyAdd(x, y1, e1); } else
                    {
                        c1 = Fma.MultiplyAdd(Vector256.Create(a[rs]), y0, c1);
                    }
                }
                if (rows > 2) { if (wide) { x = Vector256.Create(a[o2]); c2 = Fma.MultiplyAdd(x, y0, c2); e2 = Fma.MultiplyAdd(x, y1, e2); } else
                    {
                        c2 = Fma.MultiplyAdd(Vector256.Create(a[o2]), y0, c2);
                    }
                }
                if (rows > 3) { if (wide) { x = Vector256.Create(a[o3]); c3 = Fma.MultiplyAdd(x, y0, c3); e3 = Fma.MultiplyAdd(x, y1, e3); } else
                    {
                        c3 = Fma.MultiplyAdd(Vector256.Create(a[o3]), y0, c3);
                    }
                }
                if (rows > 4) { if (wide) { x = Vector256.Create(a[o4]); c4 = Fma.MultiplyAdd(x, y0, c4); e4 = Fma.MultiplyAdd(x, y1, e4); } else
                    {
                        c4 = Fma.MultiplyAdd(Vector256.Create(a[o4]), y0, c4);
                    }
                }
                if (rows > 5) { if (wide) { x = Vector256.Create(a[o5]); c5 = Fma.MultiplyAdd(x, y0, c5); e5 = Fma.MultiplyAdd(x, y1, e5); } else
                    {
                        c5 = Fma.MultiplyAdd(Vector256.Create(a[o5]), y0, c5);
                    }
                }
                if (rows > 6) { if (wide) { x = Vector256.Create(a[o6]); c6 = Fma.MultiplyAdd(x, y0, c6); e6 = Fma.MultiplyAdd(x, y1, e6); } else
                    {
                        c6 = Fma.MultiplyAdd(Vector256.Create(a[o6]), y0, c6);
                    }
                }
                if (rows > 7) { if (wide) { x = Vector256.Create(a[o7]); c7 = Fma.MultiplyAdd(x, y0, c7); e7 = Fma.MultiplyAdd(x, y1, e7); } else
                    {
                        c7 = Fma.MultiplyAdd(Vector256.Create(a[o7]), y0, c7);
                    }
                }
                if (rows > 8) { if (wide) { x = Vector256.Create(a[o8]); c8 = Fma.MultiplyAdd(x, y0, c8); e8 = Fma.MultiplyAdd(x, y1, e8); } else
                    {
                        c8 = Fma.MultiplyAdd(Vector256.Create(a[o8]), y0, c8);
                    }
                }
                if (rows > 9) { if (wide) { x = Vector256.Create(a[o9]); c9 = Fma.MultiplyAdd(x, y0, c9); e9 = Fma.MultiplyAdd(x, y1, e9); } else
                    {
                        c9 = Fma.MultiplyAdd(Vector256.Create(a[o9]), y0, c9);
                    }
                }
                if (rows > 10) { if (wide) { x = Vector256.Create(a[o10]); ca = Fma.MultiplyAdd(x, y0, ca); ea = Fma.MultiplyAdd(x, y1, ea); } else
                    {
                        ca = Fma.MultiplyAdd(Vector256.Create(a[o10]), y0, ca);
                    }
                }
                if (rows > 11) { if (wide) { x = Vector256.Create(a[o11]); cb = Fma.MultiplyAdd(x, y0, cb); eb = Fma.MultiplyAdd(x, y1, eb); } else
                    {
                        cb = Fma.MultiplyAdd(Vector256.Create(a[o11]), y0, cb);
                    }
                }
                a += ks; b += ldb;
            }

            float* c = t.C + (chunk * 16);
            Put8<TIsa, TOne, TWide>(c, c0, e0, s, mask, count, ow);
            if (rows > 1)
            {
                Put8<TIsa, TOne, TWide>(c + ldc, c1, e1, s, mask, count, ow);
            }

            if (rows > 2)
            {
                Put8<TIsa, TOne, TWide>(c + (2 * ldc), c2, e2, s, mask, count, ow);
            }

            if (rows > 3)
            {
                Put8<TIsa, TOne, TWide>(c + (3 * ldc), c3, e3, s, mask, count, ow);
            }

            if (rows > 4)
            {
                Put8<TIsa, TOne, TWide>(c + (4 * ldc), c4, e4, s, mask, count, ow);
            }

            if (rows > 5)
            {
                Put8<TIsa, TOne, TWide>(c + (5 * ldc), c5, e5, s, mask, count, ow);
            }

            if (rows > 6)
            {
                Put8<TIsa, TOne, TWide>(c + (6 * ldc), c6, e6, s, mask, count, ow);
            }

            if (rows > 7)
            {
                Put8<TIsa, TOne, TWide>(c + (7 * ldc), c7, e7, s, mask, count, ow);
            }

            if (rows > 8)
            {
                Put8<TIsa, TOne, TWide>(c + (8 * ldc), c8, e8, s, mask, count, ow);
            }

            if (rows > 9)
            {
                Put8<TIsa, TOne, TWide>(c + (9 * ldc), c9, e9, s, mask, count, ow);
            }

            if (rows > 10)
            {
                Put8<TIsa, TOne, TWide>(c + (10 * ldc), ca, ea, s, mask, count, ow);
            }

            if (rows > 11)
            {
                Put8<TIsa, TOne, TWide>(c + (11 * ldc), cb, eb, s, mask, count, ow);
            }
        }
    }

    // One row of a 256-bit tile into C: the first vector whole (wide), the last one's count columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put8<TIsa, TOne, TWide>(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> alpha, Vector256<float> mask, int count, bool overwrite)
        where TIsa : struct, IFlag where TOne : struct, IFlag where TWide : struct, IFlag
    {
        if (TWide.Value)
        {
            Vector256.Store(Combine<TOne>(x0, alpha, overwrite ? default : Vector256.Load(c), overwrite), c);
            c += 8;
            x0 = x1;
        }

        StoreFirst<TIsa>(c, Combine<TOne>(x0, alpha, overwrite ? default : LoadFirst<TIsa>(c, mask), overwrite), mask, count);
    }

    // The lanes of mask (its first ones) of p; the rest zero. AVX-512's masked move, or AVX's vmaskmovps (its load
    // is cheap everywhere).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> LoadFirst<TIsa>(float* p, Vector256<float> mask)
        where TIsa : struct, IFlag =>
        TIsa.Value ? Avx512F.VL.MaskLoad(p, mask, Vector256<float>.Zero) : Avx.MaskLoad(p, mask);

    // The first count (1 to 8) lanes of v to p, the lanes of mask. AVX-512's masked move; with AVX2 stores of 8, 4,
    // 2 and 1 floats from registers (vmaskmovps stores are microcoded on some cores, and a vector store read back a
    // float at a time stalls store forwarding).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreFirst<TIsa>(float* p, Vector256<float> v, Vector256<float> mask, int count)
        where TIsa : struct, IFlag
    {
        if (TIsa.Value)
        {
            Avx512F.VL.MaskStore(p, mask, v);
            return;
        }

        if (count == 8)
        {
            v.Store(p);
            return;
        }

        var part = v.GetLower();
        if (count >= 4)
        {
            part.Store(p);
            p += 4;
            count -= 4;
            part = v.GetUpper();
        }

        if (count >= 2)
        {
            Sse.StoreLow(p, part);
            p += 2;
            count -= 2;
            part = Sse.MoveHighToLow(part, part);
        }

        if (count == 1)
        {
            Sse.StoreScalar(p, part);
        }
    }

    // A tile's sums x go into C as alpha * x or alpha * x + C, with one rounding as the packed kernels' write-back.
    // With alpha = 1 (TOne, the layers' usual call) there is no multiply: x * 1 and fma(x, 1, c) are exactly x and
    // x + c, and the multiply-add pipes are what the kernels wait on while an add runs on other pipes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Combine<TOne>(Vector512<float> x, Vector512<float> alpha, Vector512<float> old, bool overwrite)
        where TOne : struct, IFlag =>
        TOne.Value ? (overwrite ? x : x + old) : (overwrite ? x * alpha : Avx512F.FusedMultiplyAdd(x, alpha, old));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Combine<TOne>(Vector256<float> x, Vector256<float> alpha, Vector256<float> old, bool overwrite)
        where TOne : struct, IFlag =>
        TOne.Value ? (overwrite ? x : x + old) : (overwrite ? x * alpha : Fma.MultiplyAdd(x, alpha, old));

    // One row of a tile into C, the last vector masked unless whole.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PutRow<TOne, TWide>(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> alpha, Vector512<float> mask, bool whole, bool overwrite)
        where TOne : struct, IFlag where TWide : struct, IFlag
    {
        if (TWide.Value)
        {
            Vector512.Store(Combine<TOne>(x0, alpha, overwrite ? default : Vector512.Load(c), overwrite), c);
            c += 16;
            x0 = x1;
        }

        if (whole)
        {
            Vector512.Store(Combine<TOne>(x0, alpha, overwrite ? default : Vector512.Load(c), overwrite), c);
            return;
        }

        var old = overwrite ? default : Avx512F.MaskLoad(c, mask, Vector512<float>.Zero);
        Avx512F.MaskStore(c, mask, Combine<TOne>(x0, alpha, old, overwrite));
    }

    // ------------------------------------------------------------------------------------------------ dot products

    // C = alpha * A * B^T (+ C): A m x k, B n x k, both row-major, so C(i, j) is the dot product of two rows.
    static void Dots<TIsa, TOne>(int m, int n, int k, float alpha, float* a, float* b, float* c, bool overwrite)
        where TIsa : struct, IFlag where TOne : struct, IFlag
    {
        // Columns of C (rows of B) in groups of at most 6 (AVX2: 4), as even as possible (10 = 5 + 5); rows of A in
        // tiles of as many as keep the accumulators at 24 (AVX2: 12) or fewer (5 or 6 columns: 4 rows). 4 x 6 rather
        // than 3 x 8: 10 loads a step, not 11, and B's rows take 24 KB of L1 beside A's rather than all 32 KB; and
        // LeNet's and the lecture's shapes need fewer kernel instantiations.
        int most = TIsa.Value ? 6 : 4, registers = TIsa.Value ? 24 : 12;
        int groups = (n + most - 1) / most;
        var tail = FirstLanes8(k % 8 == 0 ? 8 : k % 8);
        for (int g = 0; g < groups; g++)
        {
            int j0 = (int)((long)n * g / groups), cols = (int)((long)n * (g + 1) / groups) - j0;
            int tileRows = Math.Min(TIsa.Value ? 4 : 3, registers / cols);
            for (int i0 = 0; i0 < m; i0 += tileRows)
            {
                var args = new DotTile
                {
                    K = k, A = a + ((long)i0 * k), B = b + ((long)j0 * k), C = c + ((long)i0 * n) + j0, Ldc = n,
                    Alpha = alpha, Overwrite = overwrite, Tail = tail, Columns = FirstLanes8(cols),
                };
                switch (Math.Min(tileRows, m - i0))
                {
                    case 1: DotColumns<TIsa, R1, TOne>(cols, ref args); break;
                    case 2: DotColumns<TIsa, R2, TOne>(cols, ref args); break;
                    case 3: DotColumns<TIsa, R3, TOne>(cols, ref args); break;
                    default: DotColumns<TIsa, R4, TOne>(cols, ref args); break;
                }
            }
        }
    }

    struct DotTile
    {
        public int K;
        public float* A, B, C;
        public nint Ldc;
        public float Alpha;
        public bool Overwrite;
        public Vector256<float> Tail, Columns;
    }

    static void DotColumns<TIsa, TR, TOne>(int cols, ref DotTile t)
        where TIsa : struct, IFlag where TR : struct, ICount where TOne : struct, IFlag
    {
        switch (cols)
        {
            case 1: DotKernel<TIsa, TR, R1, TOne>(ref t); break;
            case 2: DotKernel<TIsa, TR, R2, TOne>(ref t); break;
            case 3: DotKernel<TIsa, TR, R3, TOne>(ref t); break;
            case 4: DotKernel<TIsa, TR, R4, TOne>(ref t); break;
            case 5: DotKernel<TIsa, TR, R5, TOne>(ref t); break;
            case 6: DotKernel<TIsa, TR, R6, TOne>(ref t); break;
            case 7: DotKernel<TIsa, TR, R7, TOne>(ref t); break;
            default: DotKernel<TIsa, TR, R8, TOne>(ref t); break;
        }
    }

    // C[r, 0..S) for rows r < R: dot products of R rows of A with S rows of B over k, 8 at a time, then each row's S
    // accumulators reduced to one vector of S sums. The last, partial 8 of k: masked loads with AVX-512; with AVX2
    // (whose masked load is a slower instruction) zero-padded copies of the rows' ends, read in their place.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void DotKernel<TIsa, TR, TS, TOne>(ref DotTile t)
        where TIsa : struct, IFlag where TR : struct, ICount where TS : struct, ICount where TOne : struct, IFlag
    {
        int rows = TR.Value, cols = TS.Value;
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default, c06 = default, c07 = default,
            c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default, c16 = default, c17 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c24 = default, c25 = default, c26 = default, c27 = default,
            c30 = default, c31 = default, c32 = default, c33 = default, c34 = default, c35 = default, c36 = default, c37 = default;
        int k = t.K;
        float* a0 = t.A, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        float* b0 = t.B, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k, b5 = b4 + k, b6 = b5 + k, b7 = b6 + k;
        float* tail = stackalloc float[12 * 8];
        int full = k & ~7, end = (k + 7) & ~7;
        var mask = Vector256<float>.AllBitsSet;
        for (int p = 0; p < end; p += 8)
        {
            Vector256<float> x0, x1 = default, x2 = default, x3 = default, y;
            if (p == full && TIsa.Value)
            {
                // The last, partial 8: masked loads, so lanes past k are zero.
                mask = t.Tail;
            }
            else if (p == full)
            {
                // Each row's last k - full floats, then zeros: its pointer moves to the copy, less p.
                a0 = Tail<TIsa>(a0 + p, tail + 0, t.Tail) - p;
                if (rows > 1)
                {
                    a1 = Tail<TIsa>(a1 + p, tail + 8, t.Tail) - p;
                }

                if (rows > 2)
                {
                    a2 = Tail<TIsa>(a2 + p, tail + 16, t.Tail) - p;
                }

                if (rows > 3)
                {
                    a3 = Tail<TIsa>(a3 + p, tail + 24, t.Tail) - p;
                }

                b0 = Tail<TIsa>(b0 + p, tail + 32, t.Tail) - p;
                if (cols > 1)
                {
                    b1 = Tail<TIsa>(b1 + p, tail + 40, t.Tail) - p;
                }

                if (cols > 2)
                {
                    b2 = Tail<TIsa>(b2 + p, tail + 48, t.Tail) - p;
                }

                if (cols > 3)
                {
                    b3 = Tail<TIsa>(b3 + p, tail + 56, t.Tail) - p;
                }

                if (cols > 4)
                {
                    b4 = Tail<TIsa>(b4 + p, tail + 64, t.Tail) - p;
                }

                if (cols > 5)
                {
                    b5 = Tail<TIsa>(b5 + p, tail + 72, t.Tail) - p;
                }

                if (cols > 6)
                {
                    b6 = Tail<TIsa>(b6 + p, tail + 80, t.Tail) - p;
                }

                if (cols > 7)
                {
                    b7 = Tail<TIsa>(b7 + p, tail + 88, t.Tail) - p;
                }
            }

            x0 = Ld<TIsa>(a0 + p, mask);
            if (rows > 1)
            {
                x1 = Ld<TIsa>(a1 + p, mask);
            }

            if (rows > 2)
            {
                x2 = Ld<TIsa>(a2 + p, mask);
            }

            if (rows > 3)
            {
                x3 = Ld<TIsa>(a3 + p, mask);
            }

            y = Ld<TIsa>(b0 + p, mask);
            c00 = Fma.MultiplyAdd(x0, y, c00); if (rows > 1)
            {
                c10 = Fma.MultiplyAdd(x1, y, c10);
            }

            if (rows > 2)
            {
                c20 = Fma.MultiplyAdd(x2, y, c20);
            }

            if (rows > 3)
            {
                c30 = Fma.MultiplyAdd(x3, y, c30);
            }

            if (cols > 1)
            {
                y = Ld<TIsa>(b1 + p, mask);
                c01 = Fma.MultiplyAdd(x0, y, c01); if (rows > 1)
                {
                    c11 = Fma.MultiplyAdd(x1, y, c11);
                }

                if (rows > 2)
                {
                    c21 = Fma.MultiplyAdd(x2, y, c21);
                }

                if (rows > 3)
                {
                    c31 = Fma.MultiplyAdd(x3, y, c31);
                }
            }

            if (cols > 2)
            {
                y = Ld<TIsa>(b2 + p, mask);
                c02 = Fma.MultiplyAdd(x0, y, c02); if (rows > 1)
                {
                    c12 = Fma.MultiplyAdd(x1, y, c12);
                }

                if (rows > 2)
                {
                    c22 = Fma.MultiplyAdd(x2, y, c22);
                }

                if (rows > 3)
                {
                    c32 = Fma.MultiplyAdd(x3, y, c32);
                }
            }

            if (cols > 3)
            {
                y = Ld<TIsa>(b3 + p, mask);
                c03 = Fma.MultiplyAdd(x0, y, c03); if (rows > 1)
                {
                    c13 = Fma.MultiplyAdd(x1, y, c13);
                }

                if (rows > 2)
                {
                    c23 = Fma.MultiplyAdd(x2, y, c23);
                }

                if (rows > 3)
                {
                    c33 = Fma.MultiplyAdd(x3, y, c33);
                }
            }

            if (cols > 4)
            {
                y = Ld<TIsa>(b4 + p, mask);
                c04 = Fma.MultiplyAdd(x0, y, c04); if (rows > 1)
                {
                    c14 = Fma.MultiplyAdd(x1, y, c14);
                }

                if (rows > 2)
                {
                    c24 = Fma.MultiplyAdd(x2, y, c24);
                }

                if (rows > 3)
                {
                    c34 = Fma.MultiplyAdd(x3, y, c34);
                }
            }

            if (cols > 5)
            {
                y = Ld<TIsa>(b5 + p, mask);
                c05 = Fma.MultiplyAdd(x0, y, c05); if (rows > 1)
                {
                    c15 = Fma.MultiplyAdd(x1, y, c15);
                }

                if (rows > 2)
                {
                    c25 = Fma.MultiplyAdd(x2, y, c25);
                }

                if (rows > 3)
                {
                    c35 = Fma.MultiplyAdd(x3, y, c35);
                }
            }

            if (cols > 6)
            {
                y = Ld<TIsa>(b6 + p, mask);
                c06 = Fma.MultiplyAdd(x0, y, c06); if (rows > 1)
                {
                    c16 = Fma.MultiplyAdd(x1, y, c16);
                }

                if (rows > 2)
                {
                    c26 = Fma.MultiplyAdd(x2, y, c26);
                }

                if (rows > 3)
                {
                    c36 = Fma.MultiplyAdd(x3, y, c36);
                }
            }

            if (cols > 7)
            {
                y = Ld<TIsa>(b7 + p, mask);
                c07 = Fma.MultiplyAdd(x0, y, c07); if (rows > 1)
                {
                    c17 = Fma.MultiplyAdd(x1, y, c17);
                }

                if (rows > 2)
                {
                    c27 = Fma.MultiplyAdd(x2, y, c27);
                }

                if (rows > 3)
                {
                    c37 = Fma.MultiplyAdd(x3, y, c37);
                }
            }
        }

        var s = Vector256.Create(t.Alpha);
        float* c = t.C;
        PutSums<TIsa, TOne, TS>(c, c00, c01, c02, c03, c04, c05, c06, c07, s, t.Columns, t.Overwrite);
        if (rows > 1)
        {
            PutSums<TIsa, TOne, TS>(c + t.Ldc, c10, c11, c12, c13, c14, c15, c16, c17, s, t.Columns, t.Overwrite);
        }

        if (rows > 2)
        {
            PutSums<TIsa, TOne, TS>(c + (2 * t.Ldc), c20, c21, c22, c23, c24, c25, c26, c27, s, t.Columns, t.Overwrite);
        }

        if (rows > 3)
        {
            PutSums<TIsa, TOne, TS>(c + (3 * t.Ldc), c30, c31, c32, c33, c34, c35, c36, c37, s, t.Columns, t.Overwrite);
        }
    }

    // A dot kernel's load: with AVX-512 masked (all lanes but in the last, partial 8 of k, and that costs nothing);
    // with AVX2 whole (the last 8 come from zero-padded copies).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Ld<TIsa>(float* p, Vector256<float> mask)
        where TIsa : struct, IFlag =>
        TIsa.Value ? Avx512F.VL.MaskLoad(p, mask, Vector256<float>.Zero) : Vector256.Load(p);

    // Copies the lanes of mask from source to copy, zeros after them; returns copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float* Tail<TIsa>(float* source, float* copy, Vector256<float> mask)
        where TIsa : struct, IFlag
    {
        Vector256.Store(LoadFirst<TIsa>(source, mask), copy);
        return copy;
    }

    // The lane sums of v0..v(S-1) as one vector (lane j = the sum of vj's lanes), into C's row: a tree of unpacks
    // and shuffles, 14 of them and 7 adds for 8 sums (pairs within 128-bit lanes, then quads, then the two halves).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PutSums<TIsa, TOne, TS>(
        float* c, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7,
        Vector256<float> alpha, Vector256<float> columns, bool overwrite)
        where TIsa : struct, IFlag where TOne : struct, IFlag where TS : struct, ICount
    {
        int cols = TS.Value;
        // [v0 0+2, v1 0+2, v0 1+3, v1 1+3 | the same for lanes 4..7]
        var t01 = Avx.UnpackLow(v0, v1) + Avx.UnpackHigh(v0, v1);
        var t23 = cols > 2 ? Avx.UnpackLow(v2, v3) + Avx.UnpackHigh(v2, v3) : default;
        // [v0, v1, v2, v3 | v0, v1, v2, v3], each the sum of its 128-bit half
        var q0 = Avx.Shuffle(t01, t23, 0x44) + Avx.Shuffle(t01, t23, 0xEE);
        Vector256<float> q1 = default;
        if (cols > 4)
        {
            var t45 = Avx.UnpackLow(v4, v5) + Avx.UnpackHigh(v4, v5);
            var t67 = cols > 6 ? Avx.UnpackLow(v6, v7) + Avx.UnpackHigh(v6, v7) : default;
            q1 = Avx.Shuffle(t45, t67, 0x44) + Avx.Shuffle(t45, t67, 0xEE);
        }

        var sums = Avx.Permute2x128(q0, q1, 0x20) + Avx.Permute2x128(q0, q1, 0x31);
        StoreFirst<TIsa>(c, Combine<TOne>(sums, alpha, overwrite ? default : LoadFirst<TIsa>(c, columns), overwrite), columns, cols);
    }

    // A mask of the first n lanes of 8 (none for n <= 0, all for n >= 8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> FirstLanes8(int n) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n)).AsSingle();

    // A mask of the first n lanes (none for n <= 0, all for n >= 16).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> FirstLanes(int n) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();

    // Compile-time constants for the kernels' shapes: the JIT compiles one body per struct argument, with the
    // guards on them folded away.
    internal interface IFlag
    {
        static abstract bool Value { get; }
    }

    internal interface ICount
    {
        static abstract int Value { get; }
    }

    readonly struct Yes : IFlag { public static bool Value => true; }

    readonly struct No : IFlag { public static bool Value => false; }

    readonly struct R1 : ICount { public static int Value => 1; }

    readonly struct R2 : ICount { public static int Value => 2; }

    readonly struct R3 : ICount { public static int Value => 3; }

    readonly struct R4 : ICount { public static int Value => 4; }

    readonly struct R5 : ICount { public static int Value => 5; }

    readonly struct R6 : ICount { public static int Value => 6; }

    readonly struct R7 : ICount { public static int Value => 7; }

    readonly struct R8 : ICount { public static int Value => 8; }

    readonly struct R9 : ICount { public static int Value => 9; }

    readonly struct R10 : ICount { public static int Value => 10; }

    readonly struct R11 : ICount { public static int Value => 11; }

    readonly struct R12 : ICount { public static int Value => 12; }
}
