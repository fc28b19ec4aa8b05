using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>
/// The transposing copies GEMM packing needs when a panel runs across the rows of its source (A not transposed,
/// B transposed): <c>dst[c * dstStride + r] = src[r * ld + c]</c> for the first <c>rows</c> rows (at most the
/// block's height) and <c>cols</c> columns, writing zero for rows past <c>rows</c>. Register transposes of
/// 16 x 16 (AVX-512) or 8 x 8 (AVX) blocks replace one scalar load and store per element.
/// </summary>
/// <remarks>
/// Each column's <c>lanes</c> values are written with one full-width store, in column order. Where
/// <c>dstStride</c> is less than the block height (a 12-row panel from a 16-row block), a store spills past its
/// column into the next one, which the next store then overwrites; the last column spills up to
/// <c>height - dstStride</c> values past the panel, so the destination needs that much room after it.
/// </remarks>
internal static unsafe class PanelTranspose
{
    /// <summary>The 16-row AVX-512 transpose; <paramref name="rows"/> at most 16, <paramref name="lanes"/> = min(16, dstStride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows16(float* src, long ld, int rows, int cols, float* dst, int dstStride, int lanes)
    {
        int c = 0;
        for (; c + 16 <= cols; c += 16)
        {
            Block16(src + c, ld, rows, 16, dst + ((long)c * dstStride), dstStride);
        }

        // The last columns (fewer than 16, and all of a panel shorter than that, as a product with k = 10 has):
        // masked loads, which neither read nor fault past the row, and only those columns stored.
        if (c < cols)
        {
            Block16(src + c, ld, rows, cols - c, dst + ((long)c * dstStride), dstStride);
        }
    }

    // One block: columns 0 .. columns - 1 (at most 16) of the first `rows` rows, transposed and stored in column order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block16(float* s, long ld, int rows, int columns, float* d, int dstStride)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns)).AsSingle();
        var r0 = Row(s, ld, 0, rows, mask); var r1 = Row(s, ld, 1, rows, mask); var r2 = Row(s, ld, 2, rows, mask); var r3 = Row(s, ld, 3, rows, mask);
        var r4 = Row(s, ld, 4, rows, mask); var r5 = Row(s, ld, 5, rows, mask); var r6 = Row(s, ld, 6, rows, mask); var r7 = Row(s, ld, 7, rows, mask);
        var r8 = Row(s, ld, 8, rows, mask); var r9 = Row(s, ld, 9, rows, mask); var ra = Row(s, ld, 10, rows, mask); var rb = Row(s, ld, 11, rows, mask);
        var rc = Row(s, ld, 12, rows, mask); var rd = Row(s, ld, 13, rows, mask); var re = Row(s, ld, 14, rows, mask); var rf = Row(s, ld, 15, rows, mask);

        // Stage 1: interleave pairs of rows (32-bit elements).
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9);
        var ta = Avx512F.UnpackLow(ra, rb); var tb = Avx512F.UnpackHigh(ra, rb);
        var tc = Avx512F.UnpackLow(rc, rd); var td = Avx512F.UnpackHigh(rc, rd);
        var te = Avx512F.UnpackLow(re, rf); var tf = Avx512F.UnpackHigh(re, rf);

        // Stage 2: interleave pairs of pairs (64-bit elements): each 128-bit lane L of u(4g + q) now holds
        // column 4L + q of rows 4g .. 4g + 3.
        var u0 = Lo64(t0, t2); var u1 = Hi64(t0, t2); var u2 = Lo64(t1, t3); var u3 = Hi64(t1, t3);
        var u4 = Lo64(t4, t6); var u5 = Hi64(t4, t6); var u6 = Lo64(t5, t7); var u7 = Hi64(t5, t7);
        var u8 = Lo64(t8, ta); var u9 = Hi64(t8, ta); var ua = Lo64(t9, tb); var ub = Hi64(t9, tb);
        var uc = Lo64(tc, te); var ud = Hi64(tc, te); var ue = Lo64(td, tf); var uf = Hi64(td, tf);

        // Stage 3: gather 128-bit lanes: v(q) holds columns q and q + 8 of rows 0-7 (lanes 0, 2 of the pair),
        // v(q + 4) columns q + 4 and q + 12.
        var v0 = Avx512F.Shuffle4x128(u0, u4, 0x88); var v1 = Avx512F.Shuffle4x128(u1, u5, 0x88);
        var v2 = Avx512F.Shuffle4x128(u2, u6, 0x88); var v3 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        var v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD); var v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        var v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD); var v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        var v8 = Avx512F.Shuffle4x128(u8, uc, 0x88); var v9 = Avx512F.Shuffle4x128(u9, ud, 0x88);
        var va = Avx512F.Shuffle4x128(ua, ue, 0x88); var vb = Avx512F.Shuffle4x128(ub, uf, 0x88);
        var vc = Avx512F.Shuffle4x128(u8, uc, 0xDD); var vd = Avx512F.Shuffle4x128(u9, ud, 0xDD);
        var ve = Avx512F.Shuffle4x128(ua, ue, 0xDD); var vf = Avx512F.Shuffle4x128(ub, uf, 0xDD);

        // Stage 4: whole columns, stored in column order (a narrower panel's spill is overwritten by the next).
        Avx512F.Shuffle4x128(v0, v8, 0x88).Store(d); if (columns == 1)
        {
            return;
        }

        Avx512F.Shuffle4x128(v1, v9, 0x88).Store(d + dstStride); if (columns == 2)
        {
            return;
        }

        Avx512F.Shuffle4x128(v2, va, 0x88).Store(d + (2 * dstStride)); if (columns == 3)
        {
            return;
        }

        Avx512F.Shuffle4x128(v3, vb, 0x88).Store(d + (3 * dstStride)); if (columns == 4)
        {
            return;
        }

        Avx512F.Shuffle4x128(v4, vc, 0x88).Store(d + (4 * dstStride)); if (columns == 5)
        {
            return;
        }

        Avx512F.Shuffle4x128(v5, vd, 0x88).Store(d + (5 * dstStride)); if (columns == 6)
        {
            return;
        }

        Avx512F.Shuffle4x128(v6, ve, 0x88).Store(d + (6 * dstStride)); if (columns == 7)
        {
            return;
        }

        Avx512F.Shuffle4x128(v7, vf, 0x88).Store(d + (7 * dstStride)); if (columns == 8)
        {
            return;
        }

        Avx512F.Shuffle4x128(v0, v8, 0xDD).Store(d + (8 * dstStride)); if (columns == 9)
        {
            return;
        }

        Avx512F.Shuffle4x128(v1, v9, 0xDD).Store(d + (9 * dstStride)); if (columns == 10)
        {
            return;
        }

        Avx512F.Shuffle4x128(v2, va, 0xDD).Store(d + (10 * dstStride)); if (columns == 11)
        {
            return;
        }

        Avx512F.Shuffle4x128(v3, vb, 0xDD).Store(d + (11 * dstStride)); if (columns == 12)
        {
            return;
        }

        Avx512F.Shuffle4x128(v4, vc, 0xDD).Store(d + (12 * dstStride)); if (columns == 13)
        {
            return;
        }

        Avx512F.Shuffle4x128(v5, vd, 0xDD).Store(d + (13 * dstStride)); if (columns == 14)
        {
            return;
        }

        Avx512F.Shuffle4x128(v6, ve, 0xDD).Store(d + (14 * dstStride)); if (columns == 15)
        {
            return;
        }

        Avx512F.Shuffle4x128(v7, vf, 0xDD).Store(d + (15 * dstStride));
    }

    /// <summary>The 8-row AVX transpose; <paramref name="rows"/> at most 8, <paramref name="lanes"/> = min(8, dstStride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows8(float* src, long ld, int rows, int cols, float* dst, int dstStride, int lanes)
    {
        int c = 0;
        for (; c + 8 <= cols; c += 8)
        {
            float* s = src + c;
            var r0 = Row8(s, ld, 0, rows); var r1 = Row8(s, ld, 1, rows); var r2 = Row8(s, ld, 2, rows); var r3 = Row8(s, ld, 3, rows);
            var r4 = Row8(s, ld, 4, rows); var r5 = Row8(s, ld, 5, rows); var r6 = Row8(s, ld, 6, rows); var r7 = Row8(s, ld, 7, rows);
            var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);

            // Each 128-bit lane L of u(q) holds column 4L + q of rows 0-3 (u0-u3) or 4-7 (u4-u7).
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + ((long)c * dstStride);
            Avx.Permute2x128(u0, u4, 0x20).Store(d);
            Avx.Permute2x128(u1, u5, 0x20).Store(d + dstStride);
            Avx.Permute2x128(u2, u6, 0x20).Store(d + (2 * dstStride));
            Avx.Permute2x128(u3, u7, 0x20).Store(d + (3 * dstStride));
            Avx.Permute2x128(u0, u4, 0x31).Store(d + (4 * dstStride));
            Avx.Permute2x128(u1, u5, 0x31).Store(d + (5 * dstStride));
            Avx.Permute2x128(u2, u6, 0x31).Store(d + (6 * dstStride));
            Avx.Permute2x128(u3, u7, 0x31).Store(d + (7 * dstStride));
        }

        Tail(src, ld, rows, c, cols, dst, dstStride, lanes);
    }

    /// <summary>The scalar copy, for the columns the blocks leave and for machines without AVX.</summary>
    public static void Tail(float* src, long ld, int rows, int c0, int cols, float* dst, int dstStride, int lanes)
    {
        for (int c = c0; c < cols; c++)
        {
            float* d = dst + ((long)c * dstStride);
            int r = 0;
            for (; r < rows; r++)
            {
                d[r] = src[(r * ld) + c];
            }

            for (; r < lanes; r++)
            {
                d[r] = 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* s, long ld, int r, int rows, Vector512<float> mask) =>
        r < rows ? Avx512F.MaskLoad(s + (r * ld), mask, Vector512<float>.Zero) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row8(float* s, long ld, int r, int rows) =>
        r < rows ? Vector256.Load(s + (r * ld)) : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lo64(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Hi64(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
}
