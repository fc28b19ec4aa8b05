using System.Runtime.Intrinsics.X86;
using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
public sealed unsafe class PanelTransposeTests
{
    // Every row count a panel can have (0: a half panel past the last row, all zeros), block and tail columns,
    // destination strides narrower than the block (the spilling stores) and as wide. The block heights this
    // machine can run (the scalar path is tested through the portable GEMM kernel).
    private static IEnumerable<TestCaseData> Cases()
    {
        var heights = new[] { (16, Avx512F.IsSupported), (8, Avx.IsSupported) }.Where(h => h.Item2).Select(h => h.Item1);
        foreach (var height in heights)
        {
            foreach (var stride in height == 16 ? new[] { 12, 16, 32 } : new[] { 6, 8, 16 })
            {
                foreach (var cols in new[] { 1, 15, 16, 17, 40, 256 })
                {
                    for (var rows = 0; rows <= Math.Min(height, stride); rows++)
                    {
                        yield return new TestCaseData(height, stride, rows, cols).SetName($"Transpose {height} rows {rows} of {cols}, stride {stride}");
                    }
                }
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Each_column_of_the_panel_holds_a_column_of_the_source(int height, int stride, int rows, int cols)
    {
        const long ld = 300;
        var source = new float[ld * height];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = i + 1;
        }

        var lanes = Math.Min(height, stride);
        const float Untouched = -7f;
        var destination = Enumerable.Repeat(Untouched, (cols * stride) + height + 8).ToArray();
        fixed (float* src = source)
        fixed (float* dst = destination)
        {
            if (height == 16)
            {
                PanelTranspose.Rows16(src, ld, rows, cols, dst, stride, lanes);
            }
            else
            {
                PanelTranspose.Rows8(src, ld, rows, cols, dst, stride, lanes);
            }
        }

        for (var c = 0; c < cols; c++)
        {
            for (var r = 0; r < lanes; r++)
            {
                var expected = r < rows ? source[(r * ld) + c] : 0f;
                Assert.That(destination[(c * stride) + r], Is.EqualTo(expected), $"column {c}, row {r}");
            }

            // Entries of a wider stride past the lanes belong to the other half panel: never written.
            for (var r = lanes; r < stride; r++)
            {
                Assert.That(destination[(c * stride) + r], Is.EqualTo(Untouched), $"column {c}, entry {r} past the lanes");
            }
        }

        // At most height - stride values spill past the last column, and nothing beyond that.
        var end = (cols * stride) + Math.Max(0, height - stride);
        Assert.That(destination.Skip(end), Is.All.EqualTo(Untouched));
    }
}
