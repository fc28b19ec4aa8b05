using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LayerNet.Numerics;

/// <summary>
/// A 3 x 3 convolution of stride 1 by Winograd's minimal filtering F(2 x 2, 3 x 3) (Lavin and Gray, "Fast Algorithms
/// for Convolutional Neural Networks", 2016): each 2 x 2 tile of the output takes 16 multiplications per input and
/// output channel instead of 36, as 16 matrix products of (output channels x input channels) by (input channels x tiles).
/// </summary>
/// <remarks>
/// <para>
/// With a 4 x 4 patch d of the padded input (rows and columns 2i .. 2i + 3, 2j .. 2j + 3 of tile (i, j)) and a kernel g,
/// the tile is Y = A^T [(G g G^T) . (B^T d B)] A, where . multiplies element by element and
/// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1].
/// Summed over the input channels, point xi of the 16 is the product U_xi V_xi with U_xi[o, c] = (G g[o, c] G^T)_xi and
/// V_xi[c, t] = (B^T d[c, t] B)_xi; the output transform A^T M A then gives the tile. The transforms only add, subtract
/// and halve, so the result is the convolution's to float rounding (the sums are taken in another order); it is used
/// where a net runs forward only and may round differently (<see cref="Layers.Layer.AllowForwardOnlyArithmetic"/>).
/// </para>
/// <para>
/// Layout: U is 16 matrices of output x input channels; V is 16 matrices of input channels x tiles, M 16 of output
/// channels x tiles, tiles numbered row by row. With AVX2 the transforms take eight tiles of a tile row at a time (the
/// patches' columns gathered two apart from the padded plane), without it one at a time.
/// </para>
/// </remarks>
internal static unsafe class Winograd
{
    /// <summary>The points of the transformed tile: 16 products per channel pair.</summary>
    public const int Points = 16;

    /// <summary>Whether the transforms take eight tiles at a time (AVX2); tests turn it off to check the scalar path.</summary>
    internal static bool Vectors { get; set; } = Avx2.IsSupported;

    /// <summary>Whether the 3 x 3 convolution this geometry describes can run here (stride 1, dilation 1, pad 0 to 2).</summary>
    public static bool Fits(int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW, int padH, int padW) =>
        kernelH == 3 && kernelW == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1
        && padH is >= 0 and <= 2 && padW is >= 0 and <= 2;

    /// <summary>The workspace one thread needs (floats): a block's V and M, its padded input rows and one output plane.</summary>
    public static int WorkspaceLength(Geometry g) => checked(g.BlockV + g.BlockM + g.BlockPadded + g.PlaneLength);

    /// <summary>U (16 x outputs x inputs) from the kernels w (outputs x inputs x 3 x 3): U_xi = (G g G^T)_xi.</summary>
    public static void TransformWeights(ReadOnlySpan<float> w, int outputs, int inputs, Span<float> u)
    {
        int pairs = outputs * inputs;
        if (w.Length < pairs * 9 || u.Length < Points * pairs)
        {
            throw new ArgumentException("the kernels or the transformed weights are too short");
        }

        Span<float> t = stackalloc float[12];
        for (var pair = 0; pair < pairs; pair++)
        {
            var g = w.Slice(pair * 9, 9);

            // G g: four rows of three.
            for (var s = 0; s < 3; s++)
            {
                float g0 = g[s], g1 = g[3 + s], g2 = g[6 + s];
                t[s] = g0;
                t[3 + s] = (g0 + g1 + g2) * 0.5f;
                t[6 + s] = (g0 - g1 + g2) * 0.5f;
                t[9 + s] = g2;
            }

            // (G g) G^T: each row of three becomes four.
            for (var r = 0; r < 4; r++)
            {
                float a = t[(3 * r) + 0], b = t[(3 * r) + 1], c = t[(3 * r) + 2];
                u[(((4 * r) + 0) * pairs) + pair] = a;
                u[(((4 * r) + 1) * pairs) + pair] = (a + b + c) * 0.5f;
                u[(((4 * r) + 2) * pairs) + pair] = (a - b + c) * 0.5f;
                u[(((4 * r) + 3) * pairs) + pair] = c;
            }
        }
    }

    /// <summary>
    /// One item: y (outputs x outputH x outputW) = the convolution of x (inputs x height x width) with the kernels U was
    /// made from (no bias), through <paramref name="workspace"/> (<see cref="WorkspaceLength"/> floats).
    /// </summary>
    public static void Forward(Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> u, Span<float> y, Span<float> workspace) =>
        ForwardBlocks(g, x, u, y, workspace, 0, g.Blocks);

    /// <summary>
    /// Blocks <paramref name="first"/> .. <paramref name="last"/> - 1 of one item's pass (<see cref="Geometry.Blocks"/>:
    /// bands of tile rows, fixed by the geometry), through this thread's <paramref name="workspace"/>. Each block is
    /// computed the same way whichever thread runs it, so a pass split over threads by blocks gives one thread's bits.
    /// </summary>
    public static void ForwardBlocks(Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> u, Span<float> y, Span<float> workspace, int first, int last)
    {
        if (x.Length < g.Inputs * g.Height * g.Width || y.Length < g.Outputs * g.OutputHeight * g.OutputWidth
            || u.Length < Points * g.Outputs * g.Inputs || workspace.Length < WorkspaceLength(g) || first < 0 || last > g.Blocks)
        {
            throw new ArgumentException("an operand of the Winograd convolution is too short");
        }

        var v = workspace[..g.BlockV];
        var m = workspace.Slice(g.BlockV, g.BlockM);
        var padded = workspace.Slice(g.BlockV + g.BlockM, g.BlockPadded);
        var plane = workspace.Slice(g.BlockV + g.BlockM + g.BlockPadded, g.PlaneLength);
        for (var block = first; block < last; block++)
        {
            int row0 = block * g.BlockRows, rows = Math.Min(g.BlockRows, g.TileRows - row0);
            int tiles = rows * g.TileColumns;
            Pad(g, x, padded, row0, rows, 0, g.Inputs);
            InputTransform(g, padded, v, rows, tiles, 0, g.Inputs);
            int inputSize = g.Inputs * tiles, outputSize = g.Outputs * tiles, weightSize = g.Outputs * g.Inputs;
            for (var xi = 0; xi < Points; xi++)
            {
                PackedGemm.Gemm(
                    false, false, g.Outputs, tiles, g.Inputs, 1f, u.Slice(xi * weightSize, weightSize),
                    v.Slice(xi * inputSize, inputSize), 0f, m.Slice(xi * outputSize, outputSize));
            }

            OutputTransform(g, m, y, plane, row0, rows, tiles, 0, g.Outputs);
        }
    }

    /// <summary>
    /// A pass of one block (<see cref="Geometry.Blocks"/> is 1) in three steps a caller may split over threads, each
    /// after the one before has finished everywhere, all in one <paramref name="workspace"/>: step 0 transforms input
    /// channels <paramref name="first"/> .. <paramref name="last"/> - 1, step 1 computes the products of those points
    /// (of 16), step 2 transforms those output channels into y (through <paramref name="plane"/>, this thread's own,
    /// <see cref="Geometry.PlaneLength"/> floats). The values are those of <see cref="Forward"/>.
    /// </summary>
    public static void ForwardStep(
        Geometry g, int step, ReadOnlySpan<float> x, ReadOnlySpan<float> u, Span<float> y, Span<float> workspace, Span<float> plane, int first, int last)
    {
        if (g.Blocks != 1 || workspace.Length < WorkspaceLength(g) || plane.Length < g.PlaneLength)
        {
            throw new ArgumentException("steps are for a pass of one block, with its workspace and a plane");
        }

        var v = workspace[..g.BlockV];
        var m = workspace.Slice(g.BlockV, g.BlockM);
        var padded = workspace.Slice(g.BlockV + g.BlockM, g.BlockPadded);
        int tiles = g.Tiles;
        switch (step)
        {
            case 0:
                Pad(g, x, padded, 0, g.TileRows, first, last);
                InputTransform(g, padded, v, g.TileRows, tiles, first, last);
                break;
            case 1:
                int inputSize = g.Inputs * tiles, outputSize = g.Outputs * tiles, weightSize = g.Outputs * g.Inputs;
                for (var xi = first; xi < last; xi++)
                {
                    PackedGemm.Gemm(
                        false, false, g.Outputs, tiles, g.Inputs, 1f, u.Slice(xi * weightSize, weightSize),
                        v.Slice(xi * inputSize, inputSize), 0f, m.Slice(xi * outputSize, outputSize));
                }

                break;
            default:
                OutputTransform(g, m, y, plane, 0, g.TileRows, tiles, first, last);
                break;
        }
    }

    // The input rows tile rows row0 .. row0 + rows - 1 read (padded rows 2 row0 .. 2 (row0 + rows) + 1), each channel's
    // with `pad` zeros before its columns and zeros after (room for the vector loop's reads past the last tile).
    private static void Pad(Geometry g, ReadOnlySpan<float> x, Span<float> padded, int row0, int rows, int first, int last)
    {
        int height = (2 * rows) + 2, planeSize = height * g.PaddedWidth;
        padded.Slice(first * planeSize, (last - first) * planeSize).Clear();
        for (var c = first; c < last; c++)
        {
            for (var r = 0; r < height; r++)
            {
                var row = (2 * row0) + r - g.PadH;
                if ((uint)row < (uint)g.Height)
                {
                    x.Slice(((c * g.Height) + row) * g.Width, g.Width).CopyTo(padded.Slice((((c * height) + r) * g.PaddedWidth) + g.PadW, g.Width));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTransform(Geometry g, ReadOnlySpan<float> padded, Span<float> v, int rows, int tiles, int first, int last)
    {
        int stride = g.Inputs * tiles, tileColumns = g.TileColumns, height = (2 * rows) + 2;
        fixed (float* pv = v) fixed (float* pp = padded)
        {
            for (var c = first; c < last; c++)
            {
                var source = pp + ((long)c * height * g.PaddedWidth);
                for (var i = 0; i < rows; i++)
                {
                    var patches = source + (2L * i * g.PaddedWidth);
                    var target = pv + ((long)c * tiles) + ((long)i * tileColumns);
                    var j = 0;
                    if (Vectors)
                    {
                        for (; j < tileColumns; j += 8)
                        {
                            InputTiles8(patches + (2 * j), g.PaddedWidth, target + j, stride, Math.Min(8, tileColumns - j));
                        }
                    }

                    for (; j < tileColumns; j++)
                    {
                        InputTile(patches + (2 * j), g.PaddedWidth, target + j, stride);
                    }
                }
            }
        }
    }

    // V for one tile: d is the 4 x 4 patch at `patch` (rows `width` apart); point xi goes to target[xi * stride].
    private static void InputTile(float* patch, int width, float* target, int stride)
    {
        float* e = stackalloc float[16];
        for (var r = 0; r < 4; r++)
        {
            var d = patch + (r * width);
            e[(4 * r) + 0] = d[0] - d[2];
            e[(4 * r) + 1] = d[1] + d[2];
            e[(4 * r) + 2] = d[2] - d[1];
            e[(4 * r) + 3] = d[1] - d[3];
        }

        for (var s = 0; s < 4; s++)
        {
            float e0 = e[s], e1 = e[4 + s], e2 = e[8 + s], e3 = e[12 + s];
            target[(0 + s) * stride] = e0 - e2;
            target[(4 + s) * stride] = e1 + e2;
            target[(8 + s) * stride] = e2 - e1;
            target[(12 + s) * stride] = e1 - e3;
        }
    }

    // V for eight tiles of a tile row (`count` of them kept): the same sums as InputTile, a tile per lane, with the
    // patches' columns gathered two apart.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTiles8(float* patches, int width, float* target, int stride, int count)
    {
        Vector256<float> e00, e01, e02, e03, e10, e11, e12, e13, e20, e21, e22, e23, e30, e31, e32, e33;
        (e00, e01, e02, e03) = RowTransform(patches);
        (e10, e11, e12, e13) = RowTransform(patches + width);
        (e20, e21, e22, e23) = RowTransform(patches + (2 * width));
        (e30, e31, e32, e33) = RowTransform(patches + (3 * width));
        Store(target, 0, stride, count, e00 - e20);
        Store(target, 1, stride, count, e01 - e21);
        Store(target, 2, stride, count, e02 - e22);
        Store(target, 3, stride, count, e03 - e23);
        Store(target, 4, stride, count, e10 + e20);
        Store(target, 5, stride, count, e11 + e21);
        Store(target, 6, stride, count, e12 + e22);
        Store(target, 7, stride, count, e13 + e23);
        Store(target, 8, stride, count, e20 - e10);
        Store(target, 9, stride, count, e21 - e11);
        Store(target, 10, stride, count, e22 - e12);
        Store(target, 11, stride, count, e23 - e13);
        Store(target, 12, stride, count, e10 - e30);
        Store(target, 13, stride, count, e11 - e31);
        Store(target, 14, stride, count, e12 - e32);
        Store(target, 15, stride, count, e13 - e33);
    }

    // One patch row of eight tiles: columns 0 and 1 of tile t are pixels 2t and 2t + 1, columns 2 and 3 pixels 2t + 2
    // and 2t + 3; the row's transform (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) RowTransform(float* row)
    {
        var (d0, d1) = EvenOdd(row);
        var (d2, d3) = EvenOdd(row + 2);
        return (d0 - d2, d1 + d2, d2 - d1, d1 - d3);
    }

    // Pixels 0, 2, ..., 14 and 1, 3, ..., 15 from `p`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) EvenOdd(float* p)
    {
        var low = Vector256.Load(p);
        var high = Vector256.Load(p + 8);
        var even = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        var odd = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        return (even, odd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* target, int point, int stride, int count, Vector256<float> value)
    {
        var to = target + ((long)point * stride);
        if (count == 8)
        {
            value.Store(to);
            return;
        }

        for (var lane = 0; lane < count; lane++)
        {
            to[lane] = value.GetElement(lane);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutputTransform(Geometry g, ReadOnlySpan<float> m, Span<float> y, Span<float> plane, int row0, int rows, int tiles, int first, int last)
    {
        int stride = g.Outputs * tiles, tileColumns = g.TileColumns, planeWidth = g.PlaneWidth;
        int outputRows = Math.Min(2 * rows, g.OutputHeight - (2 * row0));
        fixed (float* pm = m) fixed (float* py = y) fixed (float* pp = plane)
        {
            for (var o = first; o < last; o++)
            {
                // The channel's whole tiles into the plane (2 x 2 each, even where the output ends mid-tile), then its
                // rows and columns that exist into y.
                for (var i = 0; i < rows; i++)
                {
                    var source = pm + ((long)o * tiles) + ((long)i * tileColumns);
                    var top = pp + (2L * i * planeWidth);
                    var j = 0;
                    if (Vectors)
                    {
                        for (; j + 8 <= tileColumns; j += 8)
                        {
                            OutputTiles8(source + j, stride, top + (2 * j), planeWidth);
                        }
                    }

                    for (; j < tileColumns; j++)
                    {
                        OutputTile(source + j, stride, top + (2 * j), planeWidth);
                    }
                }

                var channel = py + ((long)o * g.OutputHeight * g.OutputWidth) + (2L * row0 * g.OutputWidth);
                for (var row = 0; row < outputRows; row++)
                {
                    new ReadOnlySpan<float>(pp + ((long)row * planeWidth), g.OutputWidth).CopyTo(new Span<float>(channel + ((long)row * g.OutputWidth), g.OutputWidth));
                }
            }
        }
    }

    // One tile: the 16 points at source[xi * stride] to the 2 x 2 values at `top` (rows `width` apart).
    private static void OutputTile(float* source, int stride, float* top, int width)
    {
        float* a = stackalloc float[8];
        for (var s = 0; s < 4; s++)
        {
            float m0 = source[(0 + s) * stride], m1 = source[(4 + s) * stride], m2 = source[(8 + s) * stride], m3 = source[(12 + s) * stride];
            a[s] = m0 + m1 + m2;
            a[4 + s] = m1 - m2 - m3;
        }

        for (var r = 0; r < 2; r++)
        {
            var row = a + (4 * r);
            top[(r * width) + 0] = row[0] + row[1] + row[2];
            top[(r * width) + 1] = row[1] - row[2] - row[3];
        }
    }

    // Eight tiles of a tile row: the same sums as OutputTile, a tile per lane, the two columns of each tile interleaved.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTiles8(float* source, int stride, float* top, int width)
    {
        Vector256<float> a00, a01, a02, a03, a10, a11, a12, a13;
        (a00, a10) = Column(source, stride, 0);
        (a01, a11) = Column(source, stride, 1);
        (a02, a12) = Column(source, stride, 2);
        (a03, a13) = Column(source, stride, 3);
        Interleave(top, a00 + a01 + a02, a01 - a02 - a03);
        Interleave(top + width, a10 + a11 + a12, a11 - a12 - a13);
    }

    // Column s of A^T M: (m0 + m1 + m2, m1 - m2 - m3) over the points s, 4 + s, 8 + s, 12 + s.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>) Column(float* source, int stride, int s)
    {
        var m0 = Vector256.Load(source + ((long)(0 + s) * stride));
        var m1 = Vector256.Load(source + ((long)(4 + s) * stride));
        var m2 = Vector256.Load(source + ((long)(8 + s) * stride));
        var m3 = Vector256.Load(source + ((long)(12 + s) * stride));
        return (m0 + m1 + m2, m1 - m2 - m3);
    }

    // left[t] and right[t] to row[2t] and row[2t + 1], t = 0 .. 7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(float* row, Vector256<float> left, Vector256<float> right)
    {
        var low = Avx.UnpackLow(left, right);
        var high = Avx.UnpackHigh(left, right);
        Avx.Permute2x128(low, high, 0x20).Store(row);
        Avx.Permute2x128(low, high, 0x31).Store(row + 8);
    }

    /// <summary>The shapes of one item's Winograd convolution, and its blocks of tile rows.</summary>
    internal readonly struct Geometry
    {
        // A block's V and M together at most this many floats (512 KB), so that they stay in a core's second-level
        // cache between the transforms and the products, where U is small enough to be read once per block.
        private const long BlockFloats = 1 << 17;

        /// <summary>Describes the convolution of inputs x height x width to outputs x outputH x outputW with the given pad.</summary>
        public Geometry(int inputs, int outputs, int height, int width, int padH, int padW)
        {
            Inputs = inputs;
            Outputs = outputs;
            Height = height;
            Width = width;
            PadH = padH;
            PadW = padW;
            OutputHeight = height + (2 * padH) - 2;
            OutputWidth = width + (2 * padW) - 2;
            TileRows = (OutputHeight + 1) / 2;
            TileColumns = (OutputWidth + 1) / 2;

            // Columns 2j .. 2j + 3 of tile j; the vector loop's last group of eight tiles reads pixels up to
            // 2 (j + 7) + 3 + 8 for j a multiple of 8 below TileColumns.
            PaddedWidth = (2 * ((TileColumns + 7) / 8 * 8)) + 12;
            PlaneWidth = 2 * TileColumns;

            // Bands of tile rows where V and M of the whole item would leave the cache and U, read once per band, is
            // small against them (64 channels at 56 x 56: 14 bands of two rows); else one band.
            long perRow = (long)Points * (inputs + outputs) * TileColumns;
            int rows = (int)Math.Clamp(BlockFloats / Math.Max(1, perRow), 1, Math.Max(1, TileRows));
            int bands = (TileRows + rows - 1) / rows;
            long weights = (long)Points * inputs * outputs;
            if (perRow * TileRows <= BlockFloats || weights * bands > 2 * perRow * TileRows)
            {
                rows = Math.Max(1, TileRows);
            }

            BlockRows = rows;
            Blocks = (TileRows + rows - 1) / rows;
        }

        /// <summary>Input channels.</summary>
        public int Inputs { get; }

        /// <summary>Output channels.</summary>
        public int Outputs { get; }

        /// <summary>Input rows.</summary>
        public int Height { get; }

        /// <summary>Input columns.</summary>
        public int Width { get; }

        /// <summary>Zero rows above (and below) the input.</summary>
        public int PadH { get; }

        /// <summary>Zero columns left (and right) of the input.</summary>
        public int PadW { get; }

        /// <summary>Output rows.</summary>
        public int OutputHeight { get; }

        /// <summary>Output columns.</summary>
        public int OutputWidth { get; }

        /// <summary>Rows of 2 x 2 tiles.</summary>
        public int TileRows { get; }

        /// <summary>Columns of 2 x 2 tiles.</summary>
        public int TileColumns { get; }

        /// <summary>All tiles.</summary>
        public int Tiles => TileRows * TileColumns;

        /// <summary>Tile rows per block (the last block may have fewer).</summary>
        public int BlockRows { get; }

        /// <summary>Blocks of tile rows: the units a pass is computed in, and split over threads in.</summary>
        public int Blocks { get; }

        /// <summary>Columns of a padded input row.</summary>
        public int PaddedWidth { get; }

        /// <summary>Columns of the output plane the tiles are written to before the rows are copied out.</summary>
        public int PlaneWidth { get; }

        /// <summary>Floats of a block's V: 16 matrices of input channels x the block's tiles.</summary>
        public int BlockV => Points * Inputs * BlockRows * TileColumns;

        /// <summary>Floats of a block's M: 16 matrices of output channels x the block's tiles.</summary>
        public int BlockM => Points * Outputs * BlockRows * TileColumns;

        /// <summary>Floats of a block's padded input rows, every channel.</summary>
        public int BlockPadded => Inputs * ((2 * BlockRows) + 2) * PaddedWidth;

        /// <summary>Floats of the output plane a block's channel is written to.</summary>
        public int PlaneLength => 2 * BlockRows * PlaneWidth;
    }
}
