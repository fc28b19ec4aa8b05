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

    /// <summary>The workspace one item needs (floats): V, M, the padded input and one output plane (<see cref="Geometry.V"/>, <see cref="Geometry.M"/>, <see cref="Geometry.Padded"/>, <see cref="Geometry.Plane"/>).</summary>
    public static int WorkspaceLength(Geometry g) =>
        checked((Points * g.Tiles * (g.Inputs + g.Outputs)) + (g.Inputs * g.PaddedHeight * g.PaddedWidth) + g.PlaneLength);

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
    public static void Forward(Geometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> u, Span<float> y, Span<float> workspace)
    {
        if (x.Length < g.Inputs * g.Height * g.Width || y.Length < g.Outputs * g.OutputHeight * g.OutputWidth
            || u.Length < Points * g.Outputs * g.Inputs || workspace.Length < WorkspaceLength(g))
        {
            throw new ArgumentException("an operand of the Winograd convolution is too short");
        }

        Span<float> v = g.V(workspace), m = g.M(workspace), padded = g.Padded(workspace), plane = g.Plane(workspace);
        TransformInput(g, x, padded, v, 0, g.Inputs);
        Products(g, u, v, m, 0, Points);
        TransformOutput(g, m, y, plane, 0, g.Outputs);
    }

    /// <summary>Input channels <paramref name="first"/> .. <paramref name="last"/> - 1 of x, padded, into V.</summary>
    public static void TransformInput(Geometry g, ReadOnlySpan<float> x, Span<float> padded, Span<float> v, int first, int last)
    {
        Pad(g, x, padded, first, last);
        InputTransform(g, padded, v, first, last);
    }

    /// <summary>M_xi = U_xi V_xi for the points <paramref name="first"/> .. <paramref name="last"/> - 1.</summary>
    public static void Products(Geometry g, ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> m, int first, int last)
    {
        int inputSize = g.Inputs * g.Tiles, outputSize = g.Outputs * g.Tiles, weightSize = g.Outputs * g.Inputs;
        for (var xi = first; xi < last; xi++)
        {
            PackedGemm.Gemm(
                false, false, g.Outputs, g.Tiles, g.Inputs, 1f, u.Slice(xi * weightSize, weightSize),
                v.Slice(xi * inputSize, inputSize), 0f, m.Slice(xi * outputSize, outputSize));
        }
    }

    /// <summary>Output channels <paramref name="first"/> .. <paramref name="last"/> - 1 of y from M, through this thread's <paramref name="plane"/>.</summary>
    public static void TransformOutput(Geometry g, ReadOnlySpan<float> m, Span<float> y, Span<float> plane, int first, int last) =>
        OutputTransform(g, m, y, plane, first, last);

    // Each input plane into the padded planes: `pad` zeros before, zeros after up to the padded size (room for the
    // last tiles and for the vector loop's reads past them).
    private static void Pad(Geometry g, ReadOnlySpan<float> x, Span<float> padded, int first, int last)
    {
        int planeSize = g.PaddedHeight * g.PaddedWidth;
        padded.Slice(first * planeSize, (last - first) * planeSize).Clear();
        for (var c = first; c < last; c++)
        {
            for (var row = 0; row < g.Height; row++)
            {
                x.Slice(((c * g.Height) + row) * g.Width, g.Width)
                    .CopyTo(padded.Slice((((c * g.PaddedHeight) + row + g.PadH) * g.PaddedWidth) + g.PadW, g.Width));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTransform(Geometry g, ReadOnlySpan<float> padded, Span<float> v, int first, int last)
    {
        int stride = g.Inputs * g.Tiles, tileColumns = g.TileColumns;
        fixed (float* pv = v) fixed (float* pp = padded)
        {
            for (var c = first; c < last; c++)
            {
                var source = pp + ((long)c * g.PaddedHeight * g.PaddedWidth);
                for (var i = 0; i < g.TileRows; i++)
                {
                    var rows = source + (2L * i * g.PaddedWidth);
                    var target = pv + ((long)c * g.Tiles) + ((long)i * tileColumns);
                    var j = 0;
                    if (Vectors)
                    {
                        for (; j < tileColumns; j += 8)
                        {
                            InputTiles8(rows + (2 * j), g.PaddedWidth, target + j, stride, Math.Min(8, tileColumns - j));
                        }
                    }

                    for (; j < tileColumns; j++)
                    {
                        InputTile(rows + (2 * j), g.PaddedWidth, target + j, stride);
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
    private static void OutputTransform(Geometry g, ReadOnlySpan<float> m, Span<float> y, Span<float> plane, int first, int last)
    {
        int stride = g.Outputs * g.Tiles, tileColumns = g.TileColumns, planeWidth = g.PlaneWidth;
        fixed (float* pm = m) fixed (float* py = y) fixed (float* pp = plane)
        {
            for (var o = first; o < last; o++)
            {
                // The channel's whole tiles into the plane (2 x 2 each, even where the output ends mid-tile), then its
                // rows and columns that exist into y.
                for (var i = 0; i < g.TileRows; i++)
                {
                    var source = pm + ((long)o * g.Tiles) + ((long)i * tileColumns);
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

                var channel = py + ((long)o * g.OutputHeight * g.OutputWidth);
                for (var row = 0; row < g.OutputHeight; row++)
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

    /// <summary>The shapes of one item's Winograd convolution.</summary>
    internal readonly struct Geometry
    {
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

            // Rows 2i .. 2i + 3 of tile row i; columns likewise, and the vector loop's last group of eight tiles reads
            // pixels up to 2 (j + 7) + 3 + 8 for j a multiple of 8 below TileColumns.
            PaddedHeight = (2 * TileRows) + 2;
            PaddedWidth = (2 * ((TileColumns + 7) / 8 * 8)) + 12;
            PlaneWidth = 2 * TileColumns;
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

        /// <summary>Rows of a padded input plane.</summary>
        public int PaddedHeight { get; }

        /// <summary>Columns of a padded input plane.</summary>
        public int PaddedWidth { get; }

        /// <summary>Columns of the output plane the tiles are written to before the rows are copied out.</summary>
        public int PlaneWidth { get; }

        /// <summary>Floats of the output plane (one per thread transforming outputs).</summary>
        public int PlaneLength => 2 * TileRows * PlaneWidth;

        /// <summary>V within a workspace: 16 matrices of input channels x tiles.</summary>
        public Span<float> V(Span<float> workspace) => workspace[..(Points * Inputs * Tiles)];

        /// <summary>M within a workspace: 16 matrices of output channels x tiles.</summary>
        public Span<float> M(Span<float> workspace) => workspace.Slice(Points * Inputs * Tiles, Points * Outputs * Tiles);

        /// <summary>The padded input planes within a workspace.</summary>
        public Span<float> Padded(Span<float> workspace) => workspace.Slice(Points * Tiles * (Inputs + Outputs), Inputs * PaddedHeight * PaddedWidth);

        /// <summary>One output plane within a workspace (the single-thread pass's).</summary>
        public Span<float> Plane(Span<float> workspace) => workspace.Slice((Points * Tiles * (Inputs + Outputs)) + (Inputs * PaddedHeight * PaddedWidth), PlaneLength);
    }
}
