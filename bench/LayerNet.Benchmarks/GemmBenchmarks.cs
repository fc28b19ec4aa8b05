using BenchmarkDotNet.Attributes;
using LayerNet.Numerics;

namespace LayerNet.Benchmarks;

/// <summary>
/// Blas.Gemm (C = op(A) op(B), alpha 1, beta 0) on the two-layer net's products and 512^3. A shape is
/// "TATB:MxNxK": op(A) is M x K, op(B) K x N. The two-layer net (x 64 x 1000, W1 100 x 1000, W2 10 x 100):
/// NT:64x100x1000 is fc1 forward (x W1^T), NN:64x1000x100 its dx (dh W1), TN:100x1000x64 its dW (dh^T x);
/// the 64x10x100 / 64x100x10 / 10x100x64 triple is fc2. GFLOP/s = 2 M N K / time.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private bool _ta, _tb;
    private int _m, _n, _k;

    [Params("NT:64x100x1000", "NN:64x1000x100", "TN:100x1000x64", "NT:64x10x100", "NN:64x100x10", "TN:10x100x64", "NN:512x512x512")]
    public string Shape { get; set; } = "NN:512x512x512";

    [GlobalSetup]
    public void SetUp()
    {
        var parts = Shape.Split(':', 'x');
        (_ta, _tb) = (parts[0][0] == 'T', parts[0][1] == 'T');
        (_m, _n, _k) = (int.Parse(parts[1]), int.Parse(parts[2]), int.Parse(parts[3]));
        var random = new Random(1701);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _c = new float[_m * _n];
        Console.WriteLine($"// kernel {Blas.GemmKernel}, {Environment.ProcessorCount} processors");
    }

    [Benchmark]
    public void Sgemm() => Blas.Gemm(_ta, _tb, _m, _n, _k, 1f, _a, _b, 0f, _c);
}
