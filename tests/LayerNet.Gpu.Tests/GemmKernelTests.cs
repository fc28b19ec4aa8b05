using ILGPU.Runtime;

namespace LayerNet.Gpu.Tests;

/// <summary>The device's product, every transpose, shapes that are not multiples of the tile, alpha and beta, against a double-precision product.</summary>
public sealed class GemmKernelTests
{
    [TestCase(1, 1, 1, false, false)]
    [TestCase(17, 23, 31, false, false)]
    [TestCase(17, 23, 31, true, false)]
    [TestCase(17, 23, 31, false, true)]
    [TestCase(17, 23, 31, true, true)]
    [TestCase(40, 5, 64, false, true)]
    [TestCase(3, 70, 16, true, false)]
    public void The_tiled_and_the_direct_product_equal_a_double_precision_product(int m, int n, int k, bool transposeA, bool transposeB)
    {
        foreach (var tiled in new[] { true, false })
        {
            AssertProduct(m, n, k, transposeA, transposeB, tiled);
        }
    }

    private static void AssertProduct(int m, int n, int k, bool transposeA, bool transposeB, bool tiled)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        var a = Values(random, m * k);
        var b = Values(random, k * n);
        var c = Values(random, m * n);
        const float alpha = 0.75f;
        const float beta = -0.5f;
        var device = CpuAccelerator.Device;
        using var da = device.Allocate(a.Length);
        using var db = device.Allocate(b.Length);
        using var dc = device.Allocate(c.Length);
        da.CopyFromHost(a);
        db.CopyFromHost(b);
        dc.CopyFromHost(c);

        device.TiledProducts = tiled;
        try
        {
            device.Gemm(GpuDevice.View(da), GpuDevice.View(db), GpuDevice.View(dc), new GemmShape(m, n, k, transposeA, transposeB, alpha, beta));
        }
        finally
        {
            device.TiledProducts = false;
        }

        var result = new float[c.Length];
        dc.CopyToHost(result);

        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var x = transposeA ? a[p * m + i] : a[i * k + p];
                    var y = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += (double)x * y;
                }

                var expected = alpha * sum + beta * c[i * n + j];
                Assert.That(result[i * n + j], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected)) * Math.Sqrt(k)), $"C[{i},{j}], tiled {tiled}");
            }
        }
    }

    [Test]
    public void Each_element_is_summed_in_one_fixed_order_so_a_rerun_gives_the_same_bits()
    {
        var random = new Random(7);
        var a = Values(random, 33 * 45);
        var b = Values(random, 45 * 29);
        var device = CpuAccelerator.Device;
        using var da = device.Allocate(a.Length);
        using var db = device.Allocate(b.Length);
        using var dc = device.Allocate(33 * 29);
        da.CopyFromHost(a);
        db.CopyFromHost(b);
        var runs = new float[3][];
        for (var run = 0; run < 3; run++)
        {
            // The tiled kernel twice, then the direct one: each element is one sum over k in order in both.
            device.TiledProducts = run < 2;
            device.Gemm(GpuDevice.View(da), GpuDevice.View(db), GpuDevice.View(dc), new GemmShape(33, 29, 45, false, false, 1f, 0f));
            runs[run] = new float[33 * 29];
            dc.CopyToHost(runs[run]);
        }

        device.TiledProducts = false;
        Assert.That(runs[1], Is.EqualTo(runs[0]));
        Assert.That(runs[2], Is.EqualTo(runs[0]), "the direct kernel gives the tiled kernel's bits");
    }

    private static float[] Values(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
