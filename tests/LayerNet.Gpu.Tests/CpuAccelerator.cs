namespace LayerNet.Gpu.Tests;

/// <summary>
/// The device every test here runs on: device 0 of <c>LAYERNET_GPU_BACKEND=cpu</c>, ILGPU's CPU accelerator running
/// the very kernels a GPU runs, so CI checks each of them against the CPU path on machines without a GPU. On a machine
/// with a GPU, <c>LAYERNET_GPU_TEST_BACKEND=cuda</c> (or <c>opencl</c>) runs the same tests on it (bench/gpu/check.sh).
/// </summary>
internal static class CpuAccelerator
{
    /// <summary>The variable that points the tests at another backend than the CPU accelerator.</summary>
    public const string TestBackendVariable = "LAYERNET_GPU_TEST_BACKEND";

    private static readonly Lazy<GpuDevice> Shared = new(() =>
    {
        Environment.SetEnvironmentVariable(GpuDevice.BackendVariable, Environment.GetEnvironmentVariable(TestBackendVariable) is { Length: > 0 } backend ? backend : "cpu");
        return GpuDevice.Open(0);
    });

    public static GpuDevice Device => Shared.Value;
}
