using System.CommandLine;
using Caffe;
using LayerNet.Errors;
using LayerNet.Gpu;

namespace LayerNet.Runner;

/// <summary>
/// <c>--gpu N</c> on train, test and time, and the solver file's <c>solver_mode: GPU</c> / <c>device_id</c>, as Caffe
/// reads them: the GPU to run on (ILGPU: CUDA, OpenCL, or its CPU accelerator with <c>LAYERNET_GPU_BACKEND=cpu</c>).
/// </summary>
internal static class GpuSelection
{
    /// <summary>A new <c>--gpu</c> option.</summary>
    public static Option<string?> CreateOption() => new("--gpu")
    {
        Description = $"Run on GPU N (CUDA or OpenCL through ILGPU; {GpuDevice.BackendVariable}=cpu runs the GPU code on ILGPU's CPU accelerator). Layers without GPU kernels run on the CPU. 'all' and lists are refused: one device per process (train over several devices or machines with mpirun).",
    };

    /// <summary>
    /// The device <c>--gpu</c> names (required to exist), or, without it, the solver's <c>device_id</c> when its
    /// <c>solver_mode</c> is GPU (a notice and the CPU when no device is found, so that Caffe's example solvers train
    /// anywhere); null for the CPU.
    /// </summary>
    /// <exception cref="LayerNetException">--gpu names no device, or a list.</exception>
    public static GpuDevice? Open(string? gpu, SolverParameter? solver, TextWriter error)
    {
        if (!string.IsNullOrWhiteSpace(gpu))
        {
            var text = gpu.Trim();
            if (text.Equals("all", StringComparison.OrdinalIgnoreCase) || text.Contains(',', StringComparison.Ordinal))
            {
                throw new LayerNetException(
                    $"--gpu {text}: LayerNet runs one device per process; to train on several devices or machines, run one worker each with mpirun -np N layernet train (README: \"Training over several workers\")");
            }

            if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ordinal))
            {
                throw new LayerNetException($"--gpu {text}: give a device number (0, 1, ...; layernet device-query lists them)");
            }

            return GpuDevice.Open(ordinal);
        }

        if (solver is { HasSolverMode: true, SolverMode: SolverParameter.Types.SolverMode.Gpu })
        {
            try
            {
                return GpuDevice.Open(solver.DeviceId);
            }
            catch (LayerNetException exception)
            {
                error.WriteLine($"notice: the solver asks for solver_mode GPU, device_id {solver.DeviceId}, but {exception.Message.Replace($"--gpu {solver.DeviceId}: ", string.Empty, StringComparison.Ordinal)}; training on the CPU.");
            }
        }

        return null;
    }
}
