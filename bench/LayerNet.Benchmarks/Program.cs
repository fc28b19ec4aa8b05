using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace LayerNet.Benchmarks;

/// <summary>
/// Entry point. Every BenchmarkDotNet argument works (--filter, --job short, --exporters ...); one of ours:
/// --all-kernels runs each benchmark three times, with LAYERNET_GEMM_KERNEL=avx512, avx2 and portable in the
/// benchmark process (the kernel is chosen once per process, so it cannot be a [Params]).
/// Without it the benchmark process inherits LAYERNET_GEMM_KERNEL from this one, if set.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var allKernels = args.Contains("--all-kernels");
        var rest = args.Where(a => a != "--all-kernels").ToArray();
        var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
        if (allKernels)
        {
            foreach (var kernel in new[] { "avx512", "avx2", "portable" })
            {
                config = config.AddJob(Job.Default
                    .WithEnvironmentVariable("LAYERNET_GEMM_KERNEL", kernel)
                    .WithId(kernel));
            }
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
    }
}
