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
        for (var plane = 0; plane < Planes; plane++)
        {
            for (var ph = 0; ph < pooledH; ph++)
            {
                for (var pw = 0; pw < pooledW; pw++)
                {
                    var best = float.MinValue;
                    var bestIndex = -1;
                    for (var h = 2 * ph; h < Math.Min((2 * ph) + 2, height); h++)
                    {
                        for (var w = 2 * pw; w < Math.Min((2 * pw) + 2, width); w++)
                        {
                            var value = x[(plane * height * width) + (h * width) + w];
                            if (value > best)
                            {
                                best = value;
                                bestIndex = (h * width) + w;
                            }
                        }
                    }

                    var at = (plane * pooledH * pooledW) + (ph * pooledW) + pw;
                    Assert.That(y[at], Is.EqualTo(best), $"plane {plane}, output ({ph}, {pw})");
                    Assert.That(argmax[at], Is.EqualTo(bestIndex), $"plane {plane}, output ({ph}, {pw}) index");
                }
            }
        }
    }
}
