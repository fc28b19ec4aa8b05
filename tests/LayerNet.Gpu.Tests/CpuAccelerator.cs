namespace LayerNet.Gpu.Tests;

/// <summary>
/// The device every test here runs on: device 0 of <c>LAYERNET_GPU_BACKEND=cpu</c>, ILGPU's CPU accelerator running
/// the very kernels a GPU runs, so CI checks each of them against the CPU path on machines without a GPU.
/// </summary>
internal static class CpuAccelerator
{
    private static readonly Lazy<GpuDevice> Shared = new(() =>
    {
        Environment.SetEnvironmentVariable(GpuDevice.BackendVariable, "cpu");
        return GpuDevice.Open(0);
    });

    public static GpuDevice Device => Shared.Value;
}
