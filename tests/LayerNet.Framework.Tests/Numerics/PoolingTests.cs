using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
public sealed class PoolingTests
{
    // 2 x 2 stride 2 windows (the vector path) against Caffe's loop written out here: ties (values from a small
    // set, so the first largest must win), NaN (never taken, as in Caffe), odd sizes (windows past the input edge,
    // which the scalar path takes), rows of fewer than 4, 4 to 7 (the 128-bit path), exactly and not a multiple of 8 full windows.
    [TestCase(24, 24)]
    [TestCase(7, 17)]
    [TestCase(5, 16)]
    [TestCase(9, 33)]
    [TestCase(4, 40)]
    [TestCase(3, 8)]
    [TestCase(8, 8)]
    [TestCase(6, 11)]
    [TestCase(5, 15)]
    public void Max_two_by_two_matches_Caffes_loop(int height, int width)
    {
        var pooledH = ((height - 2 + 1) / 2) + 1;
        var pooledW = ((width - 2 + 1) / 2) + 1;
        var g = new PoolGeometry(height, width, pooledH, pooledW, 2, 2, 2, 2, 0, 0);
        const int Planes = 3;
        var random = new Random(height * 100 + width);
        var x = Enumerable.Range(0, Planes * height * width).Select(_ => random.Next(10) == 0 ? float.NaN : random.Next(4)).ToArray();
        var y = new float[Planes * pooledH * pooledW];
        var argmax = new int[y.Length];
        Pooling.MaxForward(x, Planes, g, y, argmax);
        AssertCaffesMax(x, Planes, g, y, argmax);
    }

    // Other windows of stride 1 and 2 (the 8-wide path for the windows inside a row, the scalar loop at the edges),
    // against Caffe's loop with its ceil rounding of the output size and its clipping: ties, NaN, -0 and +0 (the first
    // largest wins), padding, rows with fewer than 8 full windows, the stride-2 window that ends at the row's end.
    [TestCase(28, 28, 3, 1, 1)]
    [TestCase(14, 14, 3, 1, 1)]
    [TestCase(7, 9, 3, 1, 1)]
    [TestCase(12, 31, 5, 1, 2)]
    [TestCase(10, 10, 3, 1, 0)]
    [TestCase(112, 112, 3, 2, 0)]
    [TestCase(56, 56, 3, 2, 0)]
    [TestCase(15, 33, 3, 2, 1)]
    [TestCase(9, 35, 3, 2, 0)]
    [TestCase(6, 40, 4, 2, 1)]
    [TestCase(5, 18, 2, 1, 0)]
    public void Max_windows_of_stride_1_and_2_match_Caffes_loop(int height, int width, int kernel, int stride, int pad)
    {
        var pooledH = (int)Math.Ceiling((height + (2.0 * pad) - kernel) / stride) + 1;
        var pooledW = (int)Math.Ceiling((width + (2.0 * pad) - kernel) / stride) + 1;
        if (pad > 0)
        {
            // Caffe: the last window must start inside the image.
            pooledH -= (pooledH - 1) * stride >= height + pad ? 1 : 0;
            pooledW -= (pooledW - 1) * stride >= width + pad ? 1 : 0;
        }

        var g = new PoolGeometry(height, width, pooledH, pooledW, kernel, kernel, stride, stride, pad, pad);
        const int Planes = 3;
        var random = new Random((height * 1000) + (width * 10) + kernel);
        var x = Enumerable.Range(0, Planes * height * width)
            .Select(_ => random.Next(12) switch { 0 => float.NaN, 1 => -0f, 2 => 0f, var v => v % 4 })
            .Select(v => (float)v).ToArray();
        var y = new float[Planes * pooledH * pooledW];
        var argmax = new int[y.Length];
        Pooling.MaxForward(x, Planes, g, y, argmax);
        AssertCaffesMax(x, Planes, g, y, argmax);
    }

    // Caffe's MAX loop written out: each window clipped to the input, rows then columns, the first strictly larger
    // value wins (NaN never does); values compared bit for bit (+0 and -0 differ).
    private static void AssertCaffesMax(float[] x, int planes, PoolGeometry g, float[] y, int[] argmax)
    {
        for (var plane = 0; plane < planes; plane++)
        {
            for (var ph = 0; ph < g.PooledHeight; ph++)
            {
                for (var pw = 0; pw < g.PooledWidth; pw++)
                {
                    int hStart = (ph * g.StrideH) - g.PadH, wStart = (pw * g.StrideW) - g.PadW;
                    int hEnd = Math.Min(hStart + g.KernelH, g.Height), wEnd = Math.Min(wStart + g.KernelW, g.Width);
                    var best = float.MinValue;
                    var bestIndex = -1;
                    for (var h = Math.Max(hStart, 0); h < hEnd; h++)
                    {
                        for (var w = Math.Max(wStart, 0); w < wEnd; w++)
                        {
                            var value = x[(plane * g.Height * g.Width) + (h * g.Width) + w];
                            if (value > best)
                            {
                                best = value;
                                bestIndex = (h * g.Width) + w;
                            }
                        }
                    }

                    var at = (plane * g.PooledHeight * g.PooledWidth) + (ph * g.PooledWidth) + pw;
                    Assert.That(BitConverter.SingleToInt32Bits(y[at]), Is.EqualTo(BitConverter.SingleToInt32Bits(best)), $"plane {plane}, output ({ph}, {pw})");
                    Assert.That(argmax[at], Is.EqualTo(bestIndex), $"plane {plane}, output ({ph}, {pw}) index");
                }
            }
        }
    }
}
