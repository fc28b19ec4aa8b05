using LayerNet.Fillers;
using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

/// <summary>
/// Winograd's F(2 x 2, 3 x 3) computes a 3 x 3 convolution of stride 1 to float rounding: against the convolution's
/// definition summed in double, its largest error is of the order of the direct (im2col and product) method's, for
/// pads 0 to 2, odd and even sizes, tile rows that are not a multiple of the eight tiles a vector step takes, and
/// channel counts that are not multiples of a vector. The parts a layer splits it into give the whole pass's bits.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class WinogradTests
{
    private static readonly bool VectorTransforms = Winograd.Vectors;

    [TearDown]
    public void Restore()
    {
        BlasTests.Use(PackedGemm.Supported[0]);
        Winograd.Vectors = VectorTransforms;
    }

    [TestCase(16, 16, 14, 14, 1)]
    [TestCase(5, 7, 9, 13, 0)]
    [TestCase(3, 20, 17, 30, 2)]
    [TestCase(24, 9, 6, 35, 1)]
    [TestCase(64, 33, 28, 28, 1)]
    [TestCase(1, 1, 3, 3, 0)]
    [TestCase(32, 24, 45, 41, 1)]
    public void The_convolution_is_its_definitions_to_float_rounding(int inputs, int outputs, int height, int width, int pad)
    {
        foreach (var (kernel, vectors) in BlasTests.Kernels().Select(k => (k, VectorTransforms)).Append(("portable", false)))
        {
            BlasTests.Use(kernel);
            Winograd.Vectors = vectors;
            var g = new Winograd.Geometry(inputs, outputs, height, width, pad, pad);
            var random = new RandomSource((uint)((inputs * 131) + (outputs * 17) + height + width + pad));
            var x = Values(random, inputs * height * width);
            var w = Values(random, outputs * inputs * 9);
            var exact = Definition(x, w, inputs, outputs, height, width, pad);

            var u = new float[Winograd.Points * outputs * inputs];
            Winograd.TransformWeights(w, outputs, inputs, u);
            var y = Enumerable.Repeat(float.NaN, outputs * g.OutputHeight * g.OutputWidth).ToArray();
            Winograd.Forward(g, x, u, y, new float[Winograd.WorkspaceLength(g)]);

            var direct = Direct(x, w, inputs, outputs, height, width, pad);
            double winogradError = MaxError(y, exact), directError = MaxError(direct, exact);
            var scale = exact.Max(Math.Abs);
            var what = kernel + (vectors ? string.Empty : ", scalar transforms");
            TestContext.Out.WriteLine($"{what}: largest error {winogradError:E2} (direct {directError:E2}), largest value {scale:F3}");
            Assert.That(y, Has.All.Matches<float>(float.IsFinite), $"{what}: every output written");
            Assert.That(winogradError, Is.LessThanOrEqualTo((4 * directError) + (1e-6 * scale)), $"{what}: within float rounding of the definition");
            Assert.That(winogradError, Is.LessThan(1e-5 * scale), what);
        }
    }

    [TestCase(2, true)]
    [TestCase(3, true)]
    [TestCase(5, true)]
    [TestCase(3, false)]
    public void Blocks_run_in_parts_on_their_own_workspaces_are_the_whole_pass_bit_for_bit(int parts, bool vectors)
    {
        Winograd.Vectors = vectors && VectorTransforms;

        // 64 channels at 56 x 56, as ResNet's first 3 x 3 convolutions, runs in bands of tile rows.
        const int inputs = 64, outputs = 64, height = 56, width = 56, pad = 1;
        var g = new Winograd.Geometry(inputs, outputs, height, width, pad, pad);
        Assert.That(g.Blocks, Is.GreaterThanOrEqualTo(parts), "blocks to share");
        var random = new RandomSource(77);
        var x = Values(random, inputs * height * width);
        var u = new float[Winograd.Points * outputs * inputs];
        Winograd.TransformWeights(Values(random, outputs * inputs * 9), outputs, inputs, u);
        var whole = new float[outputs * g.OutputHeight * g.OutputWidth];
        Winograd.Forward(g, x, u, whole, new float[Winograd.WorkspaceLength(g)]);

        var split = Enumerable.Repeat(float.NaN, whole.Length).ToArray();
        for (var part = parts - 1; part >= 0; part--)
        {
            Winograd.ForwardBlocks(g, x, u, split, new float[Winograd.WorkspaceLength(g)], g.Blocks * part / parts, g.Blocks * (part + 1) / parts);
        }

        Assert.That(split.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(whole.Select(BitConverter.SingleToInt32Bits)));
    }

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    public void The_steps_of_a_one_block_pass_run_in_parts_are_the_whole_pass_bit_for_bit(int parts)
    {
        const int inputs = 48, outputs = 40, height = 14, width = 14, pad = 1;
        var g = new Winograd.Geometry(inputs, outputs, height, width, pad, pad);
        Assert.That(g.Blocks, Is.EqualTo(1));
        var random = new RandomSource(78);
        var x = Values(random, inputs * height * width);
        var u = new float[Winograd.Points * outputs * inputs];
        Winograd.TransformWeights(Values(random, outputs * inputs * 9), outputs, inputs, u);
        var whole = new float[outputs * g.OutputHeight * g.OutputWidth];
        Winograd.Forward(g, x, u, whole, new float[Winograd.WorkspaceLength(g)]);

        var workspace = new float[Winograd.WorkspaceLength(g)];
        var split = Enumerable.Repeat(float.NaN, whole.Length).ToArray();
        int[] totals = [inputs, Winograd.Points, outputs];
        for (var step = 0; step < 3; step++)
        {
            for (var part = parts - 1; part >= 0; part--)
            {
                Winograd.ForwardStep(g, step, x, u, split, workspace, new float[g.PlaneLength], totals[step] * part / parts, totals[step] * (part + 1) / parts);
            }
        }

        Assert.That(split.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(whole.Select(BitConverter.SingleToInt32Bits)));
    }

    [TestCase(64, 64, 56, 14)]
    [TestCase(128, 128, 28, 1)]
    [TestCase(256, 256, 14, 1)]
    [TestCase(16, 64, 55, 10)]
    public void Large_planes_with_small_kernels_run_in_bands_of_tile_rows(int inputs, int outputs, int size, int blocks) =>
        Assert.That(new Winograd.Geometry(inputs, outputs, size, size, 1, 1).Blocks, Is.EqualTo(blocks));

    [Test]
    public void Only_3x3_kernels_of_stride_and_dilation_1_with_pads_up_to_2_fit()
    {
        Assert.That(Winograd.Fits(3, 3, 1, 1, 1, 1, 1, 1), Is.True);
        Assert.That(Winograd.Fits(3, 3, 1, 1, 1, 1, 0, 2), Is.True);
        Assert.That(Winograd.Fits(3, 3, 2, 2, 1, 1, 1, 1), Is.False, "stride 2");
        Assert.That(Winograd.Fits(3, 3, 1, 1, 2, 2, 2, 2), Is.False, "dilation 2");
        Assert.That(Winograd.Fits(5, 5, 1, 1, 1, 1, 2, 2), Is.False, "5 x 5");
        Assert.That(Winograd.Fits(3, 3, 1, 1, 1, 1, 3, 3), Is.False, "pad 3");
    }

    private static float[] Values(RandomSource random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian(0f, 1f);
        }

        return values;
    }

    private static double MaxError(float[] actual, double[] exact) => exact.Select((e, i) => Math.Abs(actual[i] - e)).Max();

    // The definition, in double: y[o, r, c] = sum over channels and taps of w[o, ch, a, b] x[ch, r + a - pad, c + b - pad].
    private static double[] Definition(float[] x, float[] w, int inputs, int outputs, int height, int width, int pad)
    {
        int outH = height + (2 * pad) - 2, outW = width + (2 * pad) - 2;
        var y = new double[outputs * outH * outW];
        for (var o = 0; o < outputs; o++)
        {
            for (var r = 0; r < outH; r++)
            {
                for (var c = 0; c < outW; c++)
                {
                    double sum = 0;
                    for (var ch = 0; ch < inputs; ch++)
                    {
                        for (var a = 0; a < 3; a++)
                        {
                            for (var b = 0; b < 3; b++)
                            {
                                int row = r + a - pad, column = c + b - pad;
                                if (row >= 0 && row < height && column >= 0 && column < width)
                                {
                                    sum += (double)w[(((o * inputs) + ch) * 9) + (a * 3) + b] * x[(((ch * height) + row) * width) + column];
                                }
                            }
                        }
                    }

                    y[(((o * outH) + r) * outW) + c] = sum;
                }
            }
        }

        return y;
    }

    // The direct method in float: im2col, then the product.
    private static float[] Direct(float[] x, float[] w, int inputs, int outputs, int height, int width, int pad)
    {
        int outH = height + (2 * pad) - 2, outW = width + (2 * pad) - 2;
        var columns = new float[inputs * 9 * outH * outW];
        Im2Col.ImageToColumns(x, inputs, [height, width], [3, 3], [pad, pad], [1, 1], [1, 1], columns);
        var y = new float[outputs * outH * outW];
        Blas.Gemm(false, false, outputs, outH * outW, inputs * 9, 1f, w, columns, 0f, y);
        return y;
    }
}
