using System.CommandLine;
using System.Globalization;
using LayerNet.Errors;
using LayerNet.Nets;
using LayerNet.Testing;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet gradcheck</c>: for each chosen layer of a net, on the net's real shapes and data, compares the
/// analytic gradient (Backward) with central differences of Forward, and prints the largest absolute and
/// relative error for each bottom and parameter. Exit 1 when any exceeds the threshold.
/// </summary>
internal static class GradCheckCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var layersOption = new Option<string[]>("--layer") { Description = "A layer to check (repeatable); default: every layer with a backward." };
        var step = new Option<float>("--step") { Description = "Finite-difference step (default 1e-2, as Caffe's checker).", DefaultValueFactory = _ => 1e-2f };
        var threshold = new Option<double>("--threshold") { Description = "Largest accepted relative error |a-n|/max(|a|,|n|,1) (default 1e-2).", DefaultValueFactory = _ => 1e-2 };
        var samples = new Option<int>("--samples") { Description = "Elements checked per blob, spread evenly (default 200; 0 checks every element).", DefaultValueFactory = _ => 200 };
        var arguments = new ModelArguments(defaultPhase: "train", weights: true, inputs: true);
        var command = new Command("gradcheck", """
            Check each layer's analytic gradients against numeric ones (central differences), on the net's real shapes.

            Examples:
              layernet gradcheck --model models/two_layer/net.prototxt
              layernet gradcheck --model my_net.prototxt --plugin MyLayers.dll --layer my1
              layernet gradcheck --model models/lecture/sigmoid_neuron.prototxt --samples 0 --threshold 1e-3
            """)
        {
            layersOption, step, threshold, samples,
        };
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            using var services = environment.BuildServices(result);
            var net = arguments.Build(result, services);
            var chosen = result.GetValue(layersOption) ?? [];
            foreach (var name in chosen)
            {
                if (net.FindLayer(name) is null)
                {
                    var nearest = NearestName.Find(name, net.Layers.Select(l => l.Name));
                    throw new LayerNetException($"--layer {name}: the net has no such layer{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")}");
                }
            }

            var stepSize = result.GetValue(step);
            if (!(stepSize > 0f) || !float.IsFinite(stepSize))
            {
                throw new LayerNetException($"--step must be a positive number, got {stepSize.ToString(CultureInfo.InvariantCulture)}");
            }

            var limit = result.GetValue(threshold);
            if (!(limit >= 0) || !double.IsFinite(limit))
            {
                throw new LayerNetException($"--threshold must be a number at least 0, got {limit.ToString(CultureInfo.InvariantCulture)}");
            }

            if (result.GetValue(samples) < 0)
            {
                throw new LayerNetException($"--samples must be at least 0 (0 checks every element), got {result.GetValue(samples)}");
            }

            var checker = new GradientChecker(stepSize, limit, (ulong)Math.Max(0, arguments.Seed(result)))
            {
                Objective = GradientObjective.RandomProjection,
                MaxElements = result.GetValue(samples),
            };
            var report = new LayerChecks(checker, chosen, environment.Output);
            net.Forward(report);
            var failed = report.Failed;
            var checkedLayers = report.CheckedLayers;

            if (checkedLayers == 0)
            {
                throw new LayerNetException("no layer with a backward pass to check");
            }

            environment.Output.WriteLine(failed == 0
                ? $"all gradients within {checker.Threshold.ToString(CultureInfo.InvariantCulture)} (relative)"
                : $"{failed} gradient check(s) above {checker.Threshold.ToString(CultureInfo.InvariantCulture)} (relative)");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Checks each chosen layer as the forward pass reaches it, on the net's real inputs, and prints a line per blob.</summary>
    private sealed class LayerChecks(GradientChecker checker, string[] chosen, TextWriter output) : NetObserver
    {
        public int Failed { get; private set; }

        public int CheckedLayers { get; private set; }

        public override void AfterForward(NetStep layer, float loss)
        {
            var current = layer.Layer;
            var wanted = chosen.Length == 0 ? current.HasBackward && (current.Blobs.Count > 0 || layer.Bottom.Count > 0) : chosen.Contains(current.Name);
            if (!wanted)
            {
                return;
            }

            if (!current.HasBackward)
            {
                output.WriteLine($"layer '{current.Name}' ({current.Type}): has no backward; nothing to check");
                return;
            }

            CheckedLayers++;
            var results = checker.Measure(current, layer.Bottom, layer.Top);
            if (results.Count == 0)
            {
                output.WriteLine($"layer '{current.Name}' ({current.Type}): no gradients to check");
            }

            foreach (var r in results)
            {
                var ok = r.MaxRelativeError <= checker.Threshold;
                if (!ok)
                {
                    Failed++;
                }

                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{(ok ? "ok  " : "FAIL")} layer '{current.Name}' ({current.Type}) {r.Blob}: max abs error {r.MaxAbsoluteError:G3}, max rel error {r.MaxRelativeError:G3} ({r.Checked} of {r.Count} checked)");
                if (!ok)
                {
                    line += string.Create(CultureInfo.InvariantCulture, $"; worst at element {r.WorstIndex}: analytic {r.WorstAnalytic:G6}, numeric {r.WorstNumeric:G6}");
                }

                output.WriteLine(line);
            }
        }
    }
}
