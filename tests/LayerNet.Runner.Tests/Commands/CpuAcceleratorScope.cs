namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>LAYERNET_GPU_BACKEND=cpu</c> for the life of a test (ILGPU's CPU accelerator is device 0, so <c>--gpu 0</c> runs
/// the GPU code path here); disposing it puts the variable back as it was.
/// </summary>
internal sealed class CpuAcceleratorScope : IDisposable
{
    private const string Variable = "LAYERNET_GPU_BACKEND";
    private readonly string? _saved = Environment.GetEnvironmentVariable(Variable);

    public CpuAcceleratorScope() => Environment.SetEnvironmentVariable(Variable, "cpu");

    public void Dispose() => Environment.SetEnvironmentVariable(Variable, _saved);
}
