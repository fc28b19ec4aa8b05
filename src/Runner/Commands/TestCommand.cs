using System.CommandLine;
using LayerNet.Solvers;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet test</c>: Caffe's <c>caffe test</c>. Runs the net in the TEST phase for N batches and prints the
/// mean of each output, one <c>NAME = VALUE</c> line each (losses with their weighted value, as Caffe does).
/// </summary>
internal static class TestCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var arguments = new ModelArguments(defaultPhase: null, weights: true, inputs: false, iterations: "batches");
        var command = new Command("test", """
            Score a trained net: the mean of each net output over N batches, as `caffe test`.

            Examples:
              layernet test --model lenet_train_test.prototxt --weights lenet_iter_2000.caffemodel --iterations 100
            """);
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            var count = arguments.Iterations(result);
            using var services = environment.BuildServices(result);
            var net = arguments.Build(result, services);
            var sums = new List<double>();
            var names = new List<(string Name, float Weight)>();
            var totalLoss = 0.0;
            for (var i = 0; i < count; i++)
            {
                totalLoss += net.Forward();
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
                    }
                }
            }

            environment.Output.WriteLine($"Loss: {TrainingLog.Number(totalLoss / count)}");
            for (var i = 0; i < sums.Count; i++)
            {
                var mean = sums[i] / count;
                var (name, weight) = names[i];
                environment.Output.WriteLine(TrainingLog.Output(name, mean, weight));
            }

            return 0;
        });
        return command;
    }
}
