using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LayerNet.Nets;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet time</c>: Caffe's <c>caffe time</c>. Runs forward and backward N times (after untimed warm-up passes)
/// and prints each layer's mean forward and backward milliseconds and the totals.
/// </summary>
internal static class TimeCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var arguments = new ModelArguments(defaultPhase: "train", weights: false, inputs: false, iterations: "timed iterations", gpu: true);
        var warmup = new Option<int?>("--warmup") { Description = "Untimed forward-backward passes before timing (default: a tenth of --iterations, at least 5)." };
        var command = new Command("time", """
            Time each layer's forward and backward pass, as `caffe time`.

            Examples:
              layernet time --model models/two_layer/net.prototxt
              layernet time --model lenet_train_test.prototxt --iterations 100 --warmup 10
              layernet time --model lenet_train_test.prototxt --gpu 0
            """)
        {
            warmup,
        };
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            var count = arguments.Iterations(result);
            var warmUp = result.GetValue(warmup) ?? Math.Max(5, count / 10);
            if (warmUp < 0)
            {
                throw new Errors.LayerNetException($"--warmup must be 0 or more, got {warmUp}");
            }

            using var interrupts = InterruptScope.Start(environment.Error);
            using var services = environment.BuildServices(result);
            using var device = arguments.OpenDevice(result, environment.Error);
            var net = arguments.Build(result, services, device: device);
            if (!net.Steps.Any(step => step.NeedsBackward))
            {
                // A net whose backward never runs (a deploy file) is timed as forward, test and classify run it.
                net.PlanMemory();
            }

            Run(environment.Output, net, count, warmUp, device);
            return 0;
        });
        return command;
    }

    private static void Run(TextWriter output, Net net, int iterations, int warmUp, Devices.IDevice? device)
    {
        var layers = net.Layers;
        output.WriteLine("Performing Forward");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Initial loss: {net.Forward()}"));
        output.WriteLine("Performing Backward");
        net.Backward();

        // Unlike Caffe's compiled code, ours is compiled as it runs: untimed passes let the JIT reach its
        // optimised code, so the figures are those of a long training run.
        output.WriteLine($"Warming up for {warmUp} iterations.");
        for (var j = 0; j < warmUp; j++)
        {
            net.ForwardBackward();
        }

        output.WriteLine("*** Benchmark begins ***");
        output.WriteLine($"Testing for {iterations} iterations.");
        var total = Stopwatch.StartNew();
        var clocks = new LayerClocks(layers.Count, device);
        var forwardTotal = 0.0;
        var backwardTotal = 0.0;
        for (var j = 0; j < iterations; j++)
        {
            var iterationClock = Stopwatch.StartNew();
            net.Forward(clocks);
            var forwardTime = iterationClock.Elapsed.TotalMilliseconds;
            net.Backward(clocks);
            var all = iterationClock.Elapsed.TotalMilliseconds;
            forwardTotal += forwardTime;
            backwardTotal += all - forwardTime;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Iteration: {j + 1} forward-backward time: {all:F3} ms."));
        }

        output.WriteLine("Average time per layer: ");
        var width = 0;
        foreach (var layer in layers)
        {
            width = Math.Max(width, layer.Name.Length);
        }

        for (var i = 0; i < layers.Count; i++)
        {
            var name = layers[i].Name.PadLeft(width);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\tforward: {clocks.Forward[i] / iterations:F5} ms."));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\tbackward: {clocks.Backward[i] / iterations:F5} ms."));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Average Forward pass: {forwardTotal / iterations:F5} ms."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Average Backward pass: {backwardTotal / iterations:F5} ms."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Average Forward-Backward: {(forwardTotal + backwardTotal) / iterations:F5} ms."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total Time: {total.Elapsed.TotalMilliseconds:F3} ms."));
        output.WriteLine("*** Benchmark ends ***");
    }

    /// <summary>Adds up each layer's forward and backward milliseconds as the net runs.</summary>
    // With a device, each layer's time includes its queued kernels: the clock stops once the device has finished them.
    private sealed class LayerClocks(int layerCount, Devices.IDevice? device = null) : NetObserver
    {
        private readonly Stopwatch _clock = new();

        public double[] Forward { get; } = new double[layerCount];

        public double[] Backward { get; } = new double[layerCount];

        public override void BeforeForward(NetStep layer) => _clock.Restart();

        public override void AfterForward(NetStep layer, float loss)
        {
            device?.Synchronize();
            Forward[layer.Index] += _clock.Elapsed.TotalMilliseconds;
        }

        public override void BeforeBackward(NetStep layer) => _clock.Restart();

        public override void AfterBackward(NetStep layer)
        {
            device?.Synchronize();
            Backward[layer.Index] += _clock.Elapsed.TotalMilliseconds;
        }
    }
}
