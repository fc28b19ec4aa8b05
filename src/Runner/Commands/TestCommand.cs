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
        var iterations = new Option<int>("--iterations") { Description = "Number of batches (default 50, as Caffe).", DefaultValueFactory = _ => 50 };
        var arguments = new ModelArguments(defaultPhase: null, weights: true, inputs: false);
        var command = new Command("test", """
            Score a trained net: the mean of each net output over N batches, as `caffe test`.

            Examples:
              layernet test --model lenet_train_test.prototxt --weights lenet_iter_2000.caffemodel --iterations 100
            """)
        {
            iterations,
        };
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            var count = result.GetValue(iterations);
            if (count < 1)
            {
                throw new Errors.LayerNetException($"--iterations must be at least 1, got {count}");
            }

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
