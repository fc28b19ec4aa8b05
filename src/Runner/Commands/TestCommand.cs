using System.CommandLine;
using LayerNet.Solvers;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet test</c>: Caffe's <c>caffe test</c>. Runs the net in the TEST phase for N batches and prints Caffe's
/// lines with glog's prefix, as <c>train</c> does: <c>Running for N iterations.</c>, each output's value per batch
/// (<c>Batch i, NAME = VALUE</c>), <c>Loss: L</c>, then the mean of each output, <c>NAME = VALUE</c> (losses with
/// their weighted value). Sums and means are in float, as Caffe's.
/// </summary>
internal static class TestCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var arguments = new ModelArguments(defaultPhase: null, weights: true, inputs: false, iterations: "batches", gpu: true);
        var command = new Command("test", """
            Score a trained net: the mean of each net output over N batches, as `caffe test`.

            Examples:
              layernet test --model lenet_train_test.prototxt --weights lenet_iter_2000.caffemodel --iterations 100
              layernet test --model lenet_train_test.prototxt --weights lenet_iter_2000.caffemodel --gpu 0
            """);
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            var count = arguments.Iterations(result);
            using var interrupts = InterruptScope.Start(environment.Error);
            using var services = environment.BuildServices(result);
            using var device = arguments.OpenDevice(result, environment.Error);
            var net = arguments.Build(result, services, device: device);

            // Only the outputs are read: the other blobs share buffers (and no gradient is computed).
            net.PlanMemory();
            var log = new TrainingLog(environment.Output);
            if (device is not null)
            {
                // As train's line (Caffe's test says "Use GPU with device ID N"): which device ran, by name.
                log.Info("caffe", $"Using GPU {arguments.GpuNumber(result)}: {device.Name} ({device.Backend})");
                log.Info("caffe", $"Matrix products on the device: {device.Products}");
            }

            log.Info("caffe", $"Running for {count} iterations.");

            // As tools/caffe.cpp test(): the sums and the loss in float, each output's value logged per batch.
            var sums = new List<float>();
            var names = new List<(string Name, float Weight)>();
            var loss = 0f;
            for (var i = 0; i < count; i++)
            {
                loss += net.Forward();
                var index = 0;
                foreach (var output in net.Outputs)
                {
                    var weight = net.LossWeightOf(output);
                    foreach (var value in output.Data)
                    {
                        if (i == 0)
                        {
                            sums.Add(value);
                            names.Add((output.Name, weight));
                        }
                        else
                        {
                            sums[index] += value;
                        }

                        index++;
                        log.Info("caffe", $"Batch {i}, {output.Name} = {TrainingLog.Number(value)}");
                    }
                }
            }

            loss /= count;
            log.Info("caffe", $"Loss: {TrainingLog.Number(loss)}");
            for (var i = 0; i < sums.Count; i++)
            {
                var mean = sums[i] / count;
                var (name, weight) = names[i];
                log.Info("caffe", weight != 0f
                    ? $"{name} = {TrainingLog.Number(mean)} (* {TrainingLog.Number(weight)} = {TrainingLog.Number(weight * mean)} loss)"
                    : $"{name} = {TrainingLog.Number(mean)}");
            }

            return 0;
        });
        return command;
    }
}
