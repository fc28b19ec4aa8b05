using System.Runtime.InteropServices;
using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

/// <summary>
/// GEMM never reads or writes past its operands: each of A, B and C ends where an unmapped page begins, so a vector
/// load or store one float too far faults (the process dies, and the run fails) instead of reading a neighbour's
/// floats or writing over them. The direct path reads every operand in place with masked edges; the packed path's
/// edge panels are copied with masked loads.
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform(Include = "Linux", Reason = "maps guard pages with mmap and mprotect")]
public sealed class GemmBoundsTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (3, 5, 7), (5, 13, 7), (7, 3, 40), (2, 9, 100), (13, 17, 200), (64, 10, 100), (64, 100, 10),
        (10, 100, 64), (11, 47, 17), (25, 1, 300), (1, 100, 1000), (37, 65, 300), (4, 36, 12), (20, 25, 576),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kernel in BlasTests.Kernels())
        {
            foreach (var ta in new[] { false, true })
            {
                foreach (var tb in new[] { false, true })
                {
                    yield return new TestCaseData(kernel, ta, tb).SetName($"Gemm {kernel} {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} stays inside its operands");
                }
            }
        }
    }

    [TearDown]
    public void RestoreKernel() => BlasTests.Use(PackedGemm.Supported[0]);

    [TestCaseSource(nameof(Cases))]
    public void Gemm_stays_inside_its_operands(string kernel, bool ta, bool tb)
    {
        BlasTests.Use(kernel);
        foreach (var (m, n, k) in Shapes)
        {
            using var a = new GuardedFloats(m * k);
            using var b = new GuardedFloats(k * n);
            using var c = new GuardedFloats(m * n);
            var random = new Random(m + (31 * n) + (977 * k));
            Fill(a.Span, random);
            Fill(b.Span, random);
            foreach (var beta in new[] { 0f, 0.5f })
            {
                Fill(c.Span, random);
                var before = c.Span.ToArray();
                Blas.Gemm(ta, tb, m, n, k, 1f, a.Span, b.Span, beta, c.Span);
                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        double sum = 0, magnitude = 0;
                        for (var p = 0; p < k; p++)
                        {
                            double product = (ta ? a.Span[(p * m) + i] : a.Span[(i * k) + p]) * (double)(tb ? b.Span[(j * k) + p] : b.Span[(p * n) + j]);
                            sum += product;
                            magnitude += Math.Abs(product);
                        }

                        var expected = sum + (beta * (double)before[(i * n) + j]);
                        Assert.That(c.Span[(i * n) + j], Is.EqualTo(expected).Within((1e-5 * (magnitude + Math.Abs(before[(i * n) + j]))) + 1e-6), $"{m}x{n}x{k} beta {beta} C[{i},{j}]");
                    }
                }
            }
        }
    }

    private static void Fill(Span<float> values, Random random)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    // count floats that end exactly where a page mapped with no access begins.
    private sealed unsafe class GuardedFloats : IDisposable
    {
        private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 0x02, MapAnonymous = 0x20;
        private readonly nint _base;
        private readonly nuint _length;
        private readonly float* _start;
        private readonly int _count;

        public GuardedFloats(int count)
        {
            var page = (nuint)Environment.SystemPageSize;
            var bytes = (nuint)count * sizeof(float);
            var data = (bytes + page - 1) / page * page;
            _length = data + page;
            _base = Mmap(0, _length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (_base == -1)
            {
                throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
            }

            if (Mprotect(_base + (nint)data, page, ProtNone) != 0)
            {
                throw new InvalidOperationException($"mprotect failed: errno {Marshal.GetLastPInvokeError()}");
            }

            _start = (float*)(_base + (nint)data - (nint)bytes);
            _count = count;
        }

        public Span<float> Span => new(_start, _count);

        public void Dispose() => _ = Munmap(_base, _length);

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        private static extern int Mprotect(nint address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        private static extern int Munmap(nint address, nuint length);
    }
}
