// Times LayerNet's Blas.Gemm exactly as bench/openblas/sgemm_bench.c times cblas_sgemm: row-major, alpha = 1,
// beta = 0, 0.2 s of warm-up, then 9 batches of at least 50 ms each; prints the median and best GFLOP/s.
// Threads: Blas.Gemm splits large products over Environment.ProcessorCount cores, which .NET takes from the
// process's CPU affinity, so `taskset -c 0` makes it single-threaded (compare.sh runs both sides that way).
// Usage: gemm-timing [SHAPE ...]   SHAPE = TATB:MxNxK, e.g. NT:64x100x1000 (default: the list below)
using System.Diagnostics;
using System.Globalization;
using LayerNet.Numerics;

string[] defaults =
[
    "NT:64x100x1000", "NN:64x1000x100", "TN:100x1000x64",
    "NT:64x10x100", "NN:64x100x10", "TN:10x100x64",
    "NN:512x512x512",
    "NN:20x576x25", "NN:50x64x500", "NT:64x500x800",
];

Console.WriteLine($"layernet kernel: {Blas.GemmKernel} (processors {Environment.ProcessorCount})");
foreach (var shape in args.Length > 0 ? args : defaults)
{
    Run(shape);
}

static void Run(string shape)
{
    var parts = shape.Split(':', 'x');
    if (parts.Length != 4 || parts[0].Length != 2)
    {
        throw new ArgumentException($"bad shape '{shape}' (want e.g. NT:64x100x1000)");
    }

    bool ta = parts[0][0] == 'T', tb = parts[0][1] == 'T';
    int m = int.Parse(parts[1], CultureInfo.InvariantCulture);
    int n = int.Parse(parts[2], CultureInfo.InvariantCulture);
    int k = int.Parse(parts[3], CultureInfo.InvariantCulture);
    var a = new float[m * k];
    var b = new float[k * n];
    var c = new float[m * n];
    uint seed = 1701;
    Fill(a, ref seed);
    Fill(b, ref seed);
    double flops = 2.0 * m * n * k;
    void Call() => Blas.Gemm(ta, tb, m, n, k, 1f, a, b, 0f, c);

    // The first call pays for compiling the kernels this shape runs (the hot loops are compiled at full optimisation
    // on first use, not precompiled).
    var first = Stopwatch.StartNew();
    Call();
    double firstUs = first.Elapsed.TotalMicroseconds;

    long reps = 1;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < 0.2)
    {
        Call();
    }

    while (true)
    {
        clock.Restart();
        for (long r = 0; r < reps; r++)
        {
            Call();
        }

        if (clock.Elapsed.TotalSeconds >= 0.05)
        {
            break;
        }

        reps *= 2;
    }

    var rates = new double[9];
    for (int s = 0; s < rates.Length; s++)
    {
        clock.Restart();
        for (long r = 0; r < reps; r++)
        {
            Call();
        }

        rates[s] = flops * reps / clock.Elapsed.TotalSeconds / 1e9;
    }

    Array.Sort(rates);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{parts[0]}:{m}x{n}x{k} median {rates[4]:F1} best {rates[8]:F1} GFLOP/s ({flops / rates[4]:F0} ns a call; the first {firstUs:F0} us)"));
}

static void Fill(float[] x, ref uint seed)
{
    for (int i = 0; i < x.Length; i++)
    {
        seed = (seed * 1664525u) + 1013904223u;
        x[i] = (((seed >> 8) & 0xFFFF) / 32768f) - 1f;
    }
}
