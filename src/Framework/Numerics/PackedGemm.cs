using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>
/// Single-precision GEMM in the BLIS style: C += alpha * op(A) * op(B) over cache blocks (KC x NC panels of B,
/// MC x KC blocks of A) with a register-blocked micro-kernel chosen at run time: 12 x 32 with Vector512 FMA,
/// 6 x 16 with Vector256 FMA, 4 x 2W with the portable Vector&lt;T&gt;, and with AVX-512 shorter tiles for the last
/// panels (12 x 16 for at most 16 columns, 8 x 32 and 4 x 32 for at most 8 or 4 rows). With beta = 0 the first k
/// block writes C instead of adding to it. Panels are packed only where packing pays: small problems read A (transposed) and B (not transposed)
/// in place; panels that run across rows (A not transposed, B transposed) are packed by register transposes
/// (<see cref="PanelTranspose"/>). Where tiles of C^T waste less than tiles of C (64 x 100: two 32-column tiles
/// of C^T against four of C, the last one an eighth full), the product runs as C^T = op(B)^T * op(A)^T with the
/// tiles written back transposed. Large products are split by columns over persistent worker threads; every
/// element of C is computed by one thread in the same order, so results do not depend on the thread count.
/// Nothing is allocated per call once each thread's packing buffers exist. With AVX-512 or AVX2, the single-thread
/// products <see cref="DirectGemm.Takes"/> accepts (most of them below 8.4 M multiply-adds) run in
/// <see cref="DirectGemm"/> instead, with no packing at all.
/// </summary>
[SkipLocalsInit]
internal static unsafe class PackedGemm
{
    private const int KC = 256;
    private const int MC = 96;
    private const int NC = 4096;

    // Products below this many multiply-adds (16.8 M) run on the calling thread. Splitting a smaller product gains
    // a little in steady state but loses whole runs: on a machine with few cores a thread of the pair now and then
    // waits for the other to be scheduled again, and that wait is long against the product. At this size the
    // handover is small against the product (LeNet's ip1 is 25.6 M).
    private const long ParallelThreshold = 1L << 24;

    // With at most this many rows of op(A), B (not transposed) is read in place: packing would not pay back.
    private const int DirectRows = 128;

    [ThreadStatic]
    private static float[]? s_packA;

    [ThreadStatic]
    private static float[]? s_packB;

    // LAYERNET_GEMM_KERNEL=avx512|avx2|portable forces a kernel (for comparisons on one machine).
    private static string s_kernel = Detect(Environment.GetEnvironmentVariable("LAYERNET_GEMM_KERNEL"));

    private static bool Use512 => ReferenceEquals(s_kernel, "avx512");

    /// <summary>
    /// Whether small products take <see cref="DirectGemm"/> (AVX-512); tests turn it off to run the packed path on
    /// every shape, and LAYERNET_GEMM_DIRECT=0 does for comparisons.
    /// </summary>
    internal static bool DirectProducts { get; set; } = Environment.GetEnvironmentVariable("LAYERNET_GEMM_DIRECT") != "0";

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
        public bool Ta, Tb, TransC, Overwrite;
        public int M, N, K, Ldc;
        public float Alpha;
        public float* A, B, C;

        // With MapRows: each row r of C, once complete, becomes c a[r] + b[r], rectified with Slope when Rectify.
        public bool MapRows, Rectify;
        public float Slope;
        public float* RowScale, RowShift;
    }

    /// <summary>
    /// C = A B (row-major, m x k times k x n), then each row r of C mapped to rectify(c a[r] + b[r]) (rectify(z) = z
    /// for z &gt; 0, z * <paramref name="slope"/> elsewhere, when <paramref name="rectify"/>): a convolution's output with
    /// its BatchNorm, Scale and ReLU folded in. The packed kernels map each column panel of C as soon as it is complete,
    /// while it is in cache, instead of in a second pass over C; the values are those of <see cref="Gemm"/> followed by
    /// <see cref="Channelwise.MultiplyAdd"/> or <see cref="Channelwise.MultiplyAddRectify"/>, bit for bit.
    /// </summary>
    public static void GemmMapped(
        int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, bool rectify, float slope)
    {
        var whole = c[..(m * n)];
        if (m == 0 || n == 0 || k == 0 || !(Use512 || Use256) || (DirectProducts && DirectGemm.Takes(false, false, m, n, k, Use512)) || Swap(false, false, m, n, k))
        {
            Gemm(false, false, m, n, k, 1f, a, b, 0f, c);
            Channelwise.Map(whole, scale[..m], shift[..m], n, rectify, slope, whole);
            return;
        }

        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c) fixed (float* ps = scale) fixed (float* pt = shift)
        {
            var job = new Job
            {
                M = m, N = n, K = k, Alpha = 1f, A = pa, B = pb, C = pc, Ldc = n, Overwrite = true,
                MapRows = true, Rectify = rectify, Slope = slope, RowScale = ps, RowShift = pt,
            };
            Launch(&job);
        }
    }

    /// <summary>
    /// How C = A B (m x n x k, neither transposed) runs, for a caller that splits it over threads itself: in
    /// <see cref="DirectGemm"/> by columns where it takes the product, else in the packed kernels over panels of C's
    /// columns or, with fewer than four panels of columns, of C's rows (in C's tiles or C^T's, whichever the whole
    /// product would run); not at all
    /// (<see cref="ProductSplit.None"/>) when it is empty or DirectGemm's with too few columns to share.
    /// </summary>
    public static ProductSplit SplitOf(int m, int n, int k)
    {
        if (m == 0 || n == 0 || k == 0)
        {
            return ProductSplit.None;
        }

        if ((Use512 || Use256) && DirectProducts && DirectGemm.Takes(false, false, m, n, k, Use512))
        {
            return n >= 2 * DirectChunk ? ProductSplit.DirectColumns : ProductSplit.None;
        }

        // Either way gives the bits of the whole product (C^T's tiles sum the same products in the same order). By
        // columns a part reads only its own columns of B, which its thread can build itself (a convolution's im2col);
        // by rows where there are too few columns to share in whole panels (a 7 x 7 output has 49).
        return n >= 4 * NR || m < 2 * NR ? ProductSplit.Columns : ProductSplit.Rows;
    }

    /// <summary>
    /// The columns (<see cref="ProductSplit.Columns"/>) or rows (<see cref="ProductSplit.Rows"/>) of C that slice
    /// <paramref name="index"/> of <paramref name="total"/> computes in <see cref="GemmSlice"/>: whole panels of the
    /// kernel's width, as even as they go, the last slice taking the partial panel.
    /// </summary>
    public static (int First, int Last) SliceRange(ProductSplit split, int m, int n, int index, int total)
    {
        int size = split == ProductSplit.Rows ? m : n;
        int nr = split == ProductSplit.DirectColumns ? DirectChunk : NR;
        int panels = (size + nr - 1) / nr;
        int first = panels * index / total, last = panels * (index + 1) / total;
        return (Math.Min(size, first * nr), Math.Min(size, last * nr));
    }

    /// <summary>
    /// Slice <paramref name="index"/> of <paramref name="total"/> of C = A B (m x n x k), on this thread: the part
    /// <see cref="SliceRange"/> names, computed exactly as <see cref="Gemm"/> (beta 0, alpha 1) or, with
    /// <paramref name="scale"/> given, <see cref="GemmMapped"/> computes it whole, so the slices of any split put
    /// together are those products bit for bit. B is read only in the slice's range (for a column split, the
    /// caller may fill just those columns of a B whose rows are n long). <paramref name="split"/> is
    /// <see cref="SplitOf"/>'s answer for this shape (not None).
    /// </summary>
    public static void GemmSlice(
        ProductSplit split, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, bool rectify, float slope, int index, int total)
    {
        if (split == ProductSplit.None)
        {
            throw new ArgumentException("a product that is not split has no slices", nameof(split));
        }

        var (first, last) = SliceRange(split, m, n, index, total);
        if (first >= last)
        {
            return;
        }

        bool mapped = !scale.IsEmpty;
        _ = a[(m * k) - 1];
        _ = b[(k * n) - 1];
        _ = c[(m * n) - 1];
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c) fixed (float* ps = scale) fixed (float* pt = shift)
        {
            if (split == ProductSplit.DirectColumns)
            {
                // DirectGemm's product, then (GemmMapped's way for it) the map.
                DirectGemm.RunColumns(m, n, k, pa, pb, pc, first, last, Use512);
                if (mapped)
                {
                    var columns = new Job { C = pc, Ldc = n, RowScale = ps, RowShift = pt, Rectify = rectify, Slope = slope };
                    MapBlock(ref columns, 0, m, first, last - first);
                }

                return;
            }

            if (split == ProductSplit.Rows && !Swap(false, false, m, n, k))
            {
                // A band of C's rows in C's own tiles (the weight's rows read in place, as the whole product reads them).
                var band = new Job
                {
                    M = last - first, N = n, K = k, Alpha = 1f, A = pa + ((long)first * k), B = pb, C = pc + ((long)first * n), Ldc = n, Overwrite = true,
                };
                bool mapInRun = mapped && (Use512 || Use256);
                if (mapInRun)
                {
                    band.MapRows = true;
                    band.Rectify = rectify;
                    band.Slope = slope;
                    band.RowScale = ps + first;
                    band.RowShift = pt + first;
                }

                Run(ref band, 0, n);
                if (mapped && !mapInRun)
                {
                    band.RowScale = ps + first; band.RowShift = pt + first; band.Rectify = rectify; band.Slope = slope;
                    MapBlock(ref band, 0, last - first, 0, n);
                }

                return;
            }

            var job = split == ProductSplit.Rows
                ? new Job { Ta = true, Tb = true, M = n, N = m, K = k, Alpha = 1f, A = pb, B = pa, C = pc, Ldc = n, TransC = true, Overwrite = true }
                : new Job { M = m, N = n, K = k, Alpha = 1f, A = pa, B = pb, C = pc, Ldc = n, Overwrite = true };

            // GemmMapped maps each panel as it completes with the AVX kernels and a product of C's columns; else
            // it maps after the product (the same values: the map is elementwise).
            bool inRun = mapped && split == ProductSplit.Columns && (Use512 || Use256);
            if (inRun)
            {
                job.MapRows = true;
                job.Rectify = rectify;
                job.Slope = slope;
                job.RowScale = ps;
                job.RowShift = pt;
            }

            Run(ref job, first, last);
            if (mapped && !inRun)
            {
                job.C = pc; job.Ldc = n; job.RowScale = ps; job.RowShift = pt; job.Rectify = rectify; job.Slope = slope;
                if (split == ProductSplit.Rows)
                {
                    MapBlock(ref job, first, last - first, 0, n);
                }
                else
                {
                    MapBlock(ref job, 0, m, first, last - first);
                }
            }
        }
    }

    /// <summary>
    /// Whether C += A B^T (m x n x k, B stored n x k: a convolution's weight gradient, dW += dy columns^T) runs in the
    /// packed kernels, so that <see cref="AccumulateSliceTransposedB"/> can compute it in slices by C's columns.
    /// </summary>
    public static bool SplitsTransposedB(int m, int n, int k) =>
        m > 0 && n >= 2 * NR && k > 0 && !((Use512 || Use256) && DirectProducts && DirectGemm.Takes(false, true, m, n, k, Use512));

    /// <summary>
    /// Slice <paramref name="index"/> of <paramref name="total"/> of C += A B^T (m x n x k, B stored n x k), on this
    /// thread: C's columns that <see cref="SliceRange"/> names for a split by columns, computed as
    /// <see cref="Gemm"/> (alpha 1, beta 1) computes them in the whole product. B's rows are read only in that range,
    /// from <paramref name="bRows"/>, which holds rows <paramref name="bFirstRow"/> onwards (a thread builds just the
    /// im2col rows its columns need). For products <see cref="SplitsTransposedB"/> accepts.
    /// </summary>
    public static void AccumulateSliceTransposedB(
        int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> bRows, int bFirstRow, Span<float> c, int index, int total)
    {
        var (first, last) = SliceRange(ProductSplit.Columns, m, n, index, total);
        if (first >= last)
        {
            return;
        }

        if (bFirstRow > first || (long)(last - bFirstRow) * k > bRows.Length)
        {
            throw new ArgumentException($"B's rows {first} to {last - 1} are not all in the rows given", nameof(bRows));
        }

        _ = a[(m * k) - 1];
        _ = c[(m * n) - 1];
        fixed (float* pa = a) fixed (float* rows = bRows) fixed (float* pc = c)
        {
            // B's row j is at rows + (j - bFirstRow) k: the job addresses it from where row 0 would be, and reads
            // only rows first .. last - 1.
            var job = new Job { Tb = true, M = m, N = n, K = k, Alpha = 1f, A = pa, B = rows - ((long)bFirstRow * k), C = pc, Ldc = n };
            Run(ref job, first, last);
        }
    }

    // The columns a slice of a DirectGemm product takes come in whole 512-bit (or 256-bit) vector pairs.
    static int DirectChunk => Use512 ? 32 : 16;

    // Splits the product over the worker threads when it is large enough (column panels, see Slice) and runs it.
    static void Launch(Job* job)
    {
        long work = (long)job->M * job->N * job->K;
        int threads = work >= ParallelThreshold && !GemmWorkers.InParallel ? Math.Min(GemmWorkers.Count, Math.Max(1, job->N / NR)) : 1;
        GemmWorkers.Run(threads, &Slice, job);
    }

    // Rows first .. first + rows - 1, columns column .. column + count - 1 of C, complete: each row's run mapped by
    // Channelwise's own loop, so the bits of the separate pass.
    static void MapBlock(ref Job job, int first, int rows, int column, int count)
    {
        for (int r = first; r < first + rows; r++)
        {
            Channelwise.MapRun(job.C + ((long)r * job.Ldc) + column, count, job.RowScale[r], job.RowShift[r], job.Rectify, job.Slope);
        }
    }

    /// <summary>The kernel in use, for reports: "avx512", "avx2" or "portable".</summary>
    public static string KernelName => s_kernel;

    /// <summary>C = alpha * op(A) * op(B) + beta * C, row-major, dimensions already checked.</summary>
    public static void Gemm(bool ta, bool tb, int m, int n, int k, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        // beta = 0 ignores what C held (NaN included), as BLAS does: the first k block overwrites C. Any other beta
        // scales C once; the kernels then only accumulate.
        if (alpha == 0f || k == 0 || m == 0 || n == 0)
        {
            if (beta == 0f)
            {
                c.Slice(0, m * n).Clear();
            }
            else if (beta != 1f)
            {
                TensorPrimitives.Multiply(c.Slice(0, m * n), beta, c.Slice(0, m * n));
            }

            return;
        }

        if (beta != 0f && beta != 1f)
        {
            TensorPrimitives.Multiply(c.Slice(0, m * n), beta, c.Slice(0, m * n));
        }

        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            if ((Use512 || Use256) && DirectProducts && DirectGemm.Takes(ta, tb, m, n, k, Use512))
            {
                DirectGemm.Run(ta, tb, m, n, k, alpha, pa, pb, pc, overwrite: beta == 0f, avx512: Use512);
                return;
            }

            // C^T = op(B)^T * op(A)^T: the same products, summed in the same order (so the same bits), over tiles of
            // C^T written back transposed. Chosen when it wastes less of the MR x NR tiles on padding: a product
            // with 10 or 100 columns fills a 32-column tile a third or three quarters full, and its 64 rows fill
            // two exactly when they become C^T's columns.
            var job = Swap(ta, tb, m, n, k)
                ? new Job { Ta = !tb, Tb = !ta, M = n, N = m, K = k, Alpha = alpha, A = pb, B = pa, C = pc, Ldc = n, TransC = true, Overwrite = beta == 0f }
                : new Job { Ta = ta, Tb = tb, M = m, N = n, K = k, Alpha = alpha, A = pa, B = pb, C = pc, Ldc = n, Overwrite = beta == 0f };
            Launch(&job);
        }
    }

    // Whether tiles of C^T cost less than tiles of C, counted in steps of a tile's k loop. A tile costs its k steps and a
    // write-back per k block: about 2 steps for rows of C, 8 for columns of C (two 16 x 16 register transposes first), 16
    // where that is scalar. Packing counts too: an operand read across its rows (op(B) = B^T, and A itself without
    // AVX-512) is packed by register transposes, about 4 steps per 32 floats when it streams from memory, as a large
    // weight does; B read along its rows is copied (past DirectRows rows of A), about half a step per 32 floats. Before
    // packing was counted, a convolution at 7 x 7 (512 x 49 x 4608, its weight packed transposed into C^T's panels) ran
    // at 98 GFLOP/s where C's own tiles, the weight read in place, run at 136.
    static bool Swap(bool ta, bool tb, int m, int n, int k) =>
        Cost(!tb, !ta, n, m, k, transposedC: true) < Cost(ta, tb, m, n, k, transposedC: false);

    static double Cost(bool ta, bool tb, int m, int n, int k, bool transposedC)
    {
        double blocks = (k + KC - 1) / KC;
        double cost = RowTiles(m) * ColumnTiles(n) * (k + (blocks * (!transposedC ? 2 : Use512 ? 8 : 16)));

        // Per float packed, in steps: a step of the narrower AVX2 tile is half as long.
        double transposePack = (Use512 ? 4.0 : 8.0) / 32, copyPack = (Use512 ? 0.5 : 1.0) / 32;
        if (tb)
        {
            cost += (double)k * n * transposePack;
        }
        else if (m > DirectRows)
        {
            cost += (double)k * n * copyPack;
        }

        if (!ta && !Use512)
        {
            cost += (double)k * m * transposePack;
        }

        return cost;
    }

    // A last panel of fewer rows runs shorter tiles (avx512: 8, 4 and 2 rows, see Kernel), at the rows they compute.
    static double RowTiles(int size)
    {
        int rest = size % MR;
        if (rest == 0 || !Use512)
        {
            return (size / MR) + (rest == 0 ? 0 : 1);
        }

        int computed = rest is 11 or 7 or 3 ? rest + 1 : rest + (rest % 2);
        return (size / MR) + (computed / 12.0);
    }

    // A last panel of at most 16 columns runs the half-width kernel (avx512), at about half a tile's cost.
    static double ColumnTiles(int size)
    {
        int rest = size % NR;
        return (size / NR) + (rest == 0 ? 0 : Use512 && rest <= 16 ? 0.5 : 1);
    }

    static void Slice(int index, int total, void* state)
    {
        ref Job job = ref *(Job*)state;
        int panels = (job.N + NR - 1) / NR;
        int first = panels * index / total, last = panels * (index + 1) / total;
        int n0 = first * NR, n1 = Math.Min(job.N, last * NR);
        if (n0 < n1)
        {
            Run(ref job, n0, n1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Run(ref Job job, int n0, int n1)
    {
        int mr = MR, nr = NR, m = job.M, n = job.N, k = job.K, ldc = job.Ldc;
        bool directB = !job.Tb && m <= DirectRows;
        bool directA = job.Ta;
        // A not transposed is read in place, a row per pointer (avx512): transposing its 12-row panels into the
        // packing buffer costs a noticeable share of a product. Only a last panel of fewer rows is packed.
        bool rowsA = !job.Ta && Use512;
        // Pinned (they never move) and used from a 64-byte boundary: a 512-bit load that straddles two cache lines
        // costs two, and an array's own alignment is only 8 or 16 bytes, which would make speed depend on where the
        // GC happens to put the buffers. The slack after each covers the alignment and the spill of PanelTranspose's
        // last store.
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
                    int flags = (job.TransC ? TransposedC : 0) | (job.Overwrite && p0 == 0 ? OverwriteC : 0);
                    if (!directB)
                    {
                        PackB(job.Tb, job.B, n, k, p0, kc, jc, nc, bp, nr);
                    }

                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        if (rowsA) { if (mc % mr != 0)
                            {
                                PackA(false, job.A, m, k, ic + (mc - (mc % mr)), mc % mr, p0, kc, ap, mr);
                            }
                        }
                        else if (!directA)
                        {
                            PackA(job.Ta, job.A, m, k, ic, mc, p0, kc, ap, mr);
                        }
                        else if (mc % mr != 0)
                        {
                            PackA(true, job.A, m, k, ic + (mc - (mc % mr)), mc % mr, p0, kc, ap, mr);
                        }

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrEff = Math.Min(nr, nc - jr);
                            float* bPanel; int bStride;
                            if (directB && nrEff == nr) { bPanel = job.B + (long)p0 * n + jc + jr; bStride = n; }
                            else if (directB)
                            {
                                // The last columns, packed (the half-width kernel reads 16 a row).
                                bStride = Use512 && nrEff <= 16 ? 16 : nr;
                                PackB(false, job.B, n, k, p0, kc, jc + jr, nrEff, bp, bStride);
                                bPanel = bp;
                            }
                            else { bPanel = bp + jr * kc; bStride = nr; }
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mrEff = Math.Min(mr, mc - ir);
                                float* aPanel; int aStride;
                                int row = ic + ir, col = jc + jr;
                                float* cTile = job.TransC ? job.C + (long)col * ldc + row : job.C + (long)row * ldc + col;
                                if (rowsA && mrEff == mr)
                                {
                                    float* rows = job.A + (long)row * k + p0;
                                    if (nrEff > 16)
                                    {
                                        Kernel12x32Rows(kc, rows, k, bPanel, bStride, cTile, ldc, mrEff, nrEff, job.Alpha, flags);
                                    }
                                    else
                                    {
                                        Kernel12x16Rows(kc, rows, k, bPanel, bStride, cTile, ldc, mrEff, nrEff, job.Alpha, flags);
                                    }

                                    continue;
                                }

                                if (rowsA) { aPanel = ap; aStride = mr; } // the last rows, packed above
                                else if (directA && mrEff == mr) { aPanel = job.A + (long)p0 * m + ic + ir; aStride = m; }
                                else if (directA) { aPanel = ap; aStride = mr; } // the last rows, packed above
                                else { aPanel = ap + ir * kc; aStride = mr; }
                                Kernel(kc, aPanel, aStride, bPanel, bStride, cTile, ldc, mrEff, nrEff, job.Alpha, flags);
                            }

                            if (job.MapRows && p0 + kc == k)
                            {
                                // This panel of C is complete: map it while it is in cache.
                                MapBlock(ref job, ic, mc, jc + jr, nrEff);
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
        for (int ir = 0; ir < mc; ir += mr)
        {
            int count = Math.Min(mr, mc - ir);
            float* d = dst + ir * kc;
            if (!ta)
            {
                // Rows of A become the panel's columns: a transpose.
                float* src = a + (long)(ic + ir) * k + p0;
                if (Use512)
                {
                    PanelTranspose.Rows16(src, k, count, kc, d, mr, mr);
                }
                else if (Use256)
                {
                    PanelTranspose.Rows8(src, k, count, kc, d, mr, mr);
                }
                else
                {
                    PanelTranspose.Tail(src, k, count, 0, kc, d, mr, mr);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    CopyRun(a + (long)(p0 + p) * m + ic + ir, count, d + p * mr, mr);
                }
            }
        }
    }

    // dst[0..count) = src[0..count), dst[count..width) = 0. With AVX-512, masked loads and stores (lanes past
    // count are neither read nor faulted on): copied one float at a time, a narrow edge panel would take longer
    // than the tile it feeds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void CopyRun(float* src, int count, float* dst, int width)
    {
        if (Use512 && width <= 32)
        {
            for (int h = 0; h < width; h += 16)
            {
                var v = Avx512F.MaskLoad(src + h, FirstLanes(count - h), Vector512<float>.Zero);
                if (width - h >= 16)
                {
                    v.Store(dst + h);
                }
                else
                {
                    Avx512F.MaskStore(dst + h, FirstLanes(width - h), v);
                }
            }

            return;
        }

        int i = 0;
        for (; i < count; i++)
        {
            dst[i] = src[i];
        }

        for (; i < width; i++)
        {
            dst[i] = 0f;
        }
    }

    // A mask of the first n lanes (none for n <= 0, all for n >= 16).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> FirstLanes(int n) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackB(bool tb, float* b, int n, int k, int p0, int kc, int jc, int nc, float* dst, int nr)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int count = Math.Min(nr, nc - jr);
            float* d = dst + jr * kc;
            if (!tb)
            {
                for (int p = 0; p < kc; p++)
                {
                    CopyRun(b + (long)(p0 + p) * n + jc + jr, count, d + p * nr, nr);
                }
            }
            else
            {
                // Rows of B become the panel's columns: a transpose, in blocks as tall as the vector is wide.
                float* src = b + (long)(jc + jr) * k + p0;
                int height = Use512 ? 16 : Use256 ? 8 : nr;
                for (int h = 0; h < nr; h += height)
                {
                    int rows = Math.Clamp(count - h, 0, height);
                    float* s = src + (long)h * k;
                    if (Use512)
                    {
                        PanelTranspose.Rows16(s, k, rows, kc, d + h, nr, height);
                    }
                    else if (Use256)
                    {
                        PanelTranspose.Rows8(s, k, rows, kc, d + h, nr, height);
                    }
                    else
                    {
                        PanelTranspose.Tail(s, k, rows, 0, kc, d + h, nr, height);
                    }
                }
            }
        }
    }

    // The kernels' flags: write C^T (c[j * ldc + i] for tile entry i, j); overwrite C instead of adding to it (the
    // first k block of a product with beta = 0: no pass to clear C first, and C is not read).
    const int TransposedC = 1, OverwriteC = 2;

    // C (or C^T) += alpha * the mr x nr tile of A * B; with OverwriteC, = instead of +=.
    static void Kernel(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        if (Use512 && nr <= 16)
        {
            Kernel12x16(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
        else if (Use512 && mr < 12 && mr != 11 && mr != 7 && mr != 3)
        {
            // A last panel of fewer rows, as 8-, 4- and 2-row tiles that waste at most one row: 10 = 8 + 2 computes
            // 10 rows where a 12-row tile would compute 12. The tiles read the same packed panel from their first row.
            int done = 0;
            while (done < mr)
            {
                int rest = mr - done, rows = rest >= 7 ? 8 : rest >= 3 ? 4 : 2;
                int count = Math.Min(rows, rest);
                float* cPart = (flags & TransposedC) != 0 ? c + done : c + (long)done * ldc;
                if (rows == 8)
                {
                    Kernel8x32(kc, a + done, aStride, b, bStride, cPart, ldc, count, nr, alpha, flags);
                }
                else if (rows == 4)
                {
                    Kernel4x32(kc, a + done, aStride, b, bStride, cPart, ldc, count, nr, alpha, flags);
                }
                else
                {
                    Kernel2x32(kc, a + done, aStride, b, bStride, cPart, ldc, count, nr, alpha, flags);
                }

                done += count;
            }
        }
        else if (Use512 && mr <= 4)
        {
            Kernel4x32(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
        else if (Use512 && mr <= 8)
        {
            Kernel8x32(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
        else if (Use512)
        {
            Kernel12x32(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
        else if (Use256)
        {
            Kernel6x16(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
        else
        {
            KernelPortable(kc, a, aStride, b, bStride, c, ldc, mr, nr, alpha, flags);
        }
    }

    // Adds the first mr x nr entries of a tile stored row by row (width entries a row) to C or, with transC, C^T.
    // Vector loads of the tile, never single floats: reading back single floats just written by vector stores
    // stalls store forwarding, enough to make this loop dominate a small AVX2 product. Every entry is added with
    // one rounding (fused), as the full tiles' vector write-back does.
    static void AddTile(float* t, int width, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool overwrite = (flags & OverwriteC) != 0;
        if ((flags & TransposedC) != 0)
        {
            // Transpose the tile first (register blocks) so each row of C takes its mr entries as one run.
            float* u = stackalloc float[32 * 16];
            if (Use512)
            {
                PanelTranspose.Rows16(t, width, mr, nr, u, 16, 16);
            }
            else if (Use256)
            {
                PanelTranspose.Rows8(t, width, mr, nr, u, 16, 8);
            }
            else
            {
                PanelTranspose.Tail(t, width, mr, 0, nr, u, 16, 16);
            }

            for (int j = 0; j < nr; j++)
            {
                AddRun(u + j * 16, c + (long)j * ldc, mr, alpha, overwrite);
            }
        }
        else
        {
            for (int i = 0; i < mr; i++)
            {
                AddRun(t + i * width, c + (long)i * ldc, nr, alpha, overwrite);
            }
        }
    }

    // c[0..count) += alpha * v[0..count), fused, in vector steps of 8 and 4 while they fit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddRun(float* v, float* c, int count, float alpha, bool overwrite)
    {
        int i = 0;
        if (overwrite)
        {
            for (; Vector256.IsHardwareAccelerated && i + 8 <= count; i += 8)
            {
                Vector256.Store(Vector256.Load(v + i) * alpha, c + i);
            }

            for (; i < count; i++)
            {
                c[i] = v[i] * alpha;
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(v + i), Vector256.Create(alpha), Vector256.Load(c + i)), c + i);
            }
        }

        if (Vector128.IsHardwareAccelerated && i + 4 <= count)
        {
            Vector128.Store(Vector128.FusedMultiplyAdd(Vector128.Load(v + i), Vector128.Create(alpha), Vector128.Load(c + i)), c + i);
            i += 4;
        }

        for (; i < count; i++)
        {
            c[i] = MathF.FusedMultiplyAdd(v[i], alpha, c[i]);
        }
    }

    // The shorter tiles for a last panel of at most 8 or 4 rows (LeNet's conv1 has 20 output channels: 12 + 8, where
    // a 12-row tile would waste a third of its work on the second panel). They read the same 12-row packed panels.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel8x32(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
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
            a += aStride; b += bStride;
        }

        var s = Vector512.Create(alpha);
        if (!transC && nr == 32)
        {
            Add(c, c00, c01, s, overwrite); if (mr == 1)
            {
                return;
            }

            Add(c + ldc, c10, c11, s, overwrite); if (mr == 2)
            {
                return;
            }

            Add(c + 2 * ldc, c20, c21, s, overwrite); if (mr == 3)
            {
                return;
            }

            Add(c + 3 * ldc, c30, c31, s, overwrite); if (mr == 4)
            {
                return;
            }

            Add(c + 4 * ldc, c40, c41, s, overwrite); if (mr == 5)
            {
                return;
            }

            Add(c + 5 * ldc, c50, c51, s, overwrite); if (mr == 6)
            {
                return;
            }

            Add(c + 6 * ldc, c60, c61, s, overwrite); if (mr == 7)
            {
                return;
            }

            Add(c + 7 * ldc, c70, c71, s, overwrite);
            return;
        }

        float* t = stackalloc float[8 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240);
        AddTile(t, 32, c, ldc, mr, nr, alpha, flags);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel4x32(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            a += aStride; b += bStride;
        }

        var s = Vector512.Create(alpha);
        if (!transC && nr == 32)
        {
            Add(c, c00, c01, s, overwrite); if (mr == 1)
            {
                return;
            }

            Add(c + ldc, c10, c11, s, overwrite); if (mr == 2)
            {
                return;
            }

            Add(c + 2 * ldc, c20, c21, s, overwrite); if (mr == 3)
            {
                return;
            }

            Add(c + 3 * ldc, c30, c31, s, overwrite);
            return;
        }

        float* t = stackalloc float[4 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80); c30.Store(t + 96); c31.Store(t + 112);
        AddTile(t, 32, c, ldc, mr, nr, alpha, flags);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel2x32(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            a += aStride; b += bStride;
        }

        var s = Vector512.Create(alpha);
        if (!transC && nr == 32)
        {
            Add(c, c00, c01, s, overwrite); if (mr == 1)
            {
                return;
            }

            Add(c + ldc, c10, c11, s, overwrite);
            return;
        }

        float* t = stackalloc float[2 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48);
        AddTile(t, 32, c, ldc, mr, nr, alpha, flags);
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel12x32(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
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
        if (!transC && mr == 12 && nr == 32)
        {
            Add(c, c00, c01, s, overwrite); Add(c + ldc, c10, c11, s, overwrite); Add(c + 2 * ldc, c20, c21, s, overwrite); Add(c + 3 * ldc, c30, c31, s, overwrite);
            Add(c + 4 * ldc, c40, c41, s, overwrite); Add(c + 5 * ldc, c50, c51, s, overwrite); Add(c + 6 * ldc, c60, c61, s, overwrite); Add(c + 7 * ldc, c70, c71, s, overwrite);
            Add(c + 8 * ldc, c80, c81, s, overwrite); Add(c + 9 * ldc, c90, c91, s, overwrite); Add(c + 10 * ldc, ca0, ca1, s, overwrite); Add(c + 11 * ldc, cb0, cb1, s, overwrite);
            return;
        }
        if (!transC && nr == 32)
        {
            // Whole rows: vector stores for the rows there are (a tile at the bottom edge of C).
            Add(c, c00, c01, s, overwrite); if (mr == 1)
            {
                return;
            }

            Add(c + ldc, c10, c11, s, overwrite); if (mr == 2)
            {
                return;
            }

            Add(c + 2 * ldc, c20, c21, s, overwrite); if (mr == 3)
            {
                return;
            }

            Add(c + 3 * ldc, c30, c31, s, overwrite); if (mr == 4)
            {
                return;
            }

            Add(c + 4 * ldc, c40, c41, s, overwrite); if (mr == 5)
            {
                return;
            }

            Add(c + 5 * ldc, c50, c51, s, overwrite); if (mr == 6)
            {
                return;
            }

            Add(c + 6 * ldc, c60, c61, s, overwrite); if (mr == 7)
            {
                return;
            }

            Add(c + 7 * ldc, c70, c71, s, overwrite); if (mr == 8)
            {
                return;
            }

            Add(c + 8 * ldc, c80, c81, s, overwrite); if (mr == 9)
            {
                return;
            }

            Add(c + 9 * ldc, c90, c91, s, overwrite); if (mr == 10)
            {
                return;
            }

            Add(c + 10 * ldc, ca0, ca1, s, overwrite);
            return;
        }

        float* t = stackalloc float[12 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240); c80.Store(t + 256); c81.Store(t + 272);
        c90.Store(t + 288); c91.Store(t + 304); ca0.Store(t + 320); ca1.Store(t + 336); cb0.Store(t + 352); cb1.Store(t + 368);
        AddTile(t, 32, c, ldc, mr, nr, alpha, flags);
    }

    // Kernel12x32 reading A's 12 rows in place (row r at a + r * lda), with no packed panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel12x32Rows(int kc, float* a, int lda, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        float* a6 = a + 6 * lda, a7 = a + 7 * lda, a8 = a + 8 * lda, a9 = a + 9 * lda, aa = a + 10 * lda, ab = a + 11 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[p]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[p]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[p]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[p]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[p]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a8[p]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a9[p]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(aa[p]); ca0 = Avx512F.FusedMultiplyAdd(x, b0, ca0); ca1 = Avx512F.FusedMultiplyAdd(x, b1, ca1);
            x = Vector512.Create(ab[p]); cb0 = Avx512F.FusedMultiplyAdd(x, b0, cb0); cb1 = Avx512F.FusedMultiplyAdd(x, b1, cb1);
            b += bStride;
        }
        var s = Vector512.Create(alpha);
        if (!transC && mr == 12 && nr == 32)
        {
            Add(c, c00, c01, s, overwrite); Add(c + ldc, c10, c11, s, overwrite); Add(c + 2 * ldc, c20, c21, s, overwrite); Add(c + 3 * ldc, c30, c31, s, overwrite);
            Add(c + 4 * ldc, c40, c41, s, overwrite); Add(c + 5 * ldc, c50, c51, s, overwrite); Add(c + 6 * ldc, c60, c61, s, overwrite); Add(c + 7 * ldc, c70, c71, s, overwrite);
            Add(c + 8 * ldc, c80, c81, s, overwrite); Add(c + 9 * ldc, c90, c91, s, overwrite); Add(c + 10 * ldc, ca0, ca1, s, overwrite); Add(c + 11 * ldc, cb0, cb1, s, overwrite);
            return;
        }
        if (!transC && nr == 32)
        {
            // Whole rows: vector stores for the rows there are (a tile at the bottom edge of C).
            Add(c, c00, c01, s, overwrite); if (mr == 1)
            {
                return;
            }

            Add(c + ldc, c10, c11, s, overwrite); if (mr == 2)
            {
                return;
            }

            Add(c + 2 * ldc, c20, c21, s, overwrite); if (mr == 3)
            {
                return;
            }

            Add(c + 3 * ldc, c30, c31, s, overwrite); if (mr == 4)
            {
                return;
            }

            Add(c + 4 * ldc, c40, c41, s, overwrite); if (mr == 5)
            {
                return;
            }

            Add(c + 5 * ldc, c50, c51, s, overwrite); if (mr == 6)
            {
                return;
            }

            Add(c + 6 * ldc, c60, c61, s, overwrite); if (mr == 7)
            {
                return;
            }

            Add(c + 7 * ldc, c70, c71, s, overwrite); if (mr == 8)
            {
                return;
            }

            Add(c + 8 * ldc, c80, c81, s, overwrite); if (mr == 9)
            {
                return;
            }

            Add(c + 9 * ldc, c90, c91, s, overwrite); if (mr == 10)
            {
                return;
            }

            Add(c + 10 * ldc, ca0, ca1, s, overwrite);
            return;
        }

        float* t = stackalloc float[12 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240); c80.Store(t + 256); c81.Store(t + 272);
        c90.Store(t + 288); c91.Store(t + 304); ca0.Store(t + 320); ca1.Store(t + 336); cb0.Store(t + 352); cb1.Store(t + 368);
        AddTile(t, 32, c, ldc, mr, nr, alpha, flags);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Add(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> alpha, bool overwrite)
    {
        if (overwrite)
        {
            Vector512.Store(x0 * alpha, c);
            Vector512.Store(x1 * alpha, c + 16);
            return;
        }

        Vector512.Store(Avx512F.FusedMultiplyAdd(x0, alpha, Vector512.Load(c)), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(x1, alpha, Vector512.Load(c + 16)), c + 16);
    }

    // The half-width tile for a last panel of at most 16 columns: 12 accumulators, one B vector a step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel12x16(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0); c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2); c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4); c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6); c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), b0, c8); c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), b0, c9);
            ca = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), b0, ca); cb = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), b0, cb);
            a += aStride; b += bStride;
        }

        var s = Vector512.Create(alpha);
        if (!transC && mr == 12 && nr == 16)
        {
            Add1(c, c0, s, overwrite); Add1(c + ldc, c1, s, overwrite); Add1(c + 2 * ldc, c2, s, overwrite); Add1(c + 3 * ldc, c3, s, overwrite);
            Add1(c + 4 * ldc, c4, s, overwrite); Add1(c + 5 * ldc, c5, s, overwrite); Add1(c + 6 * ldc, c6, s, overwrite); Add1(c + 7 * ldc, c7, s, overwrite);
            Add1(c + 8 * ldc, c8, s, overwrite); Add1(c + 9 * ldc, c9, s, overwrite); Add1(c + 10 * ldc, ca, s, overwrite); Add1(c + 11 * ldc, cb, s, overwrite);
            return;
        }

        float* t = stackalloc float[12 * 16];
        c0.Store(t); c1.Store(t + 16); c2.Store(t + 32); c3.Store(t + 48); c4.Store(t + 64); c5.Store(t + 80);
        c6.Store(t + 96); c7.Store(t + 112); c8.Store(t + 128); c9.Store(t + 144); ca.Store(t + 160); cb.Store(t + 176);
        AddTile(t, 16, c, ldc, mr, nr, alpha, flags);
    }

    // Kernel12x16 reading A's 12 rows in place (row r at a + r * lda).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel12x16Rows(int kc, float* a, int lda, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
    {
        bool transC = (flags & TransposedC) != 0, overwrite = (flags & OverwriteC) != 0;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        float* a6 = a + 6 * lda, a7 = a + 7 * lda, a8 = a + 8 * lda, a9 = a + 9 * lda, aa = a + 10 * lda, ab = a + 11 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[p]), b0, c0); c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[p]), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[p]), b0, c2); c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a3[p]), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[p]), b0, c4); c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a5[p]), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a6[p]), b0, c6); c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a7[p]), b0, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a8[p]), b0, c8); c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a9[p]), b0, c9);
            ca = Avx512F.FusedMultiplyAdd(Vector512.Create(aa[p]), b0, ca); cb = Avx512F.FusedMultiplyAdd(Vector512.Create(ab[p]), b0, cb);
            b += bStride;
        }

        var s = Vector512.Create(alpha);
        if (!transC && mr == 12 && nr == 16)
        {
            Add1(c, c0, s, overwrite); Add1(c + ldc, c1, s, overwrite); Add1(c + 2 * ldc, c2, s, overwrite); Add1(c + 3 * ldc, c3, s, overwrite);
            Add1(c + 4 * ldc, c4, s, overwrite); Add1(c + 5 * ldc, c5, s, overwrite); Add1(c + 6 * ldc, c6, s, overwrite); Add1(c + 7 * ldc, c7, s, overwrite);
            Add1(c + 8 * ldc, c8, s, overwrite); Add1(c + 9 * ldc, c9, s, overwrite); Add1(c + 10 * ldc, ca, s, overwrite); Add1(c + 11 * ldc, cb, s, overwrite);
            return;
        }

        float* t = stackalloc float[12 * 16];
        c0.Store(t); c1.Store(t + 16); c2.Store(t + 32); c3.Store(t + 48); c4.Store(t + 64); c5.Store(t + 80);
        c6.Store(t + 96); c7.Store(t + 112); c8.Store(t + 128); c9.Store(t + 144); ca.Store(t + 160); cb.Store(t + 176);
        AddTile(t, 16, c, ldc, mr, nr, alpha, flags);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Add1(float* c, Vector512<float> x, Vector512<float> alpha, bool overwrite) =>
        Vector512.Store(overwrite ? x * alpha : Avx512F.FusedMultiplyAdd(x, alpha, Vector512.Load(c)), c);

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Kernel6x16(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
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
        AddTile(t, 16, c, ldc, mr, nr, alpha, flags);
    }

    // Never inlined: inside a larger caller its accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void KernelPortable(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, int mr, int nr, float alpha, int flags)
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
        AddTile(t, row, c, ldc, mr, nr, alpha, flags);
    }
}

/// <summary>How a product that a caller splits over threads is cut (see <see cref="PackedGemm.SplitOf"/>).</summary>
internal enum ProductSplit
{
    /// <summary>Not split: the product runs whole on one thread.</summary>
    None,

    /// <summary>By panels of C's columns; a slice reads only its columns of B.</summary>
    Columns,

    /// <summary>By panels of C's rows (in C's tiles or, where those cost more, C^T's); every slice reads all of B.</summary>
    Rows,

    /// <summary>By columns of C, in <see cref="DirectGemm"/> (a product small enough to read its operands in place).</summary>
    DirectColumns,
}
