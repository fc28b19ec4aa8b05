using System.CommandLine;
using LayerNet.Gpu;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet device-query</c>: Caffe's <c>caffe device_query</c>, the GPUs LayerNet can run on.</summary>
internal static class DeviceQueryCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var command = new Command("device-query", $"""
            List the GPUs LayerNet can run on (--gpu N), as `caffe device_query` does: CUDA's devices, then OpenCL's GPUs.
            {GpuDevice.BackendVariable}=cpu lists ILGPU's CPU accelerator as device 0 instead.

            Examples:
              layernet device-query
              {GpuDevice.BackendVariable}=cpu layernet device-query
            """);
        command.SetAction(_ =>
        {
            foreach (var line in GpuDevice.Query())
            {
                environment.Output.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
