using System.CommandLine;
using System.Text;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Runner.Drawing;
using LayerNet.Solvers;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet draw</c>: the net as a graph (DOT, or SVG/PNG through Graphviz), optionally with every blob's
/// values and gradients from one forward and backward pass, as the lecture draws its circuits.
/// </summary>
internal static class DrawCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var output = new Option<string>("--output", "-o") { Description = "The picture: .svg or .png (drawn by Graphviz's dot), or .dot (the graph itself; needs nothing).", Required = true };
        var values = new Option<bool>("--values") { Description = "Run one forward and backward pass (force_backward) and label every blob with its values (green) and gradient (red)." };
        var rankdir = new Option<string>("--rankdir") { Description = "Direction of the graph: LR (default), TB, BT or RL.", DefaultValueFactory = _ => "LR" };
        rankdir.AcceptOnlyFromAmong("LR", "TB", "BT", "RL");
        var arguments = new ModelArguments(defaultPhase: "train", weights: true, inputs: true);
        var command = new Command("draw", """
            Draw a net: layers (type and key parameters) and blobs (shapes); in-place layers and inserted splits shown.
            A data source that is missing (an LMDB, an image list, ...) does not stop a drawing: the net is drawn from
            its definition, without shapes or splits.
            With --values, every blob carries its forward value and, beneath it, its gradient, as in the lecture.
            SVG and PNG come from Graphviz's `dot` (Debian: apt-get install graphviz); .dot output needs nothing.

            Examples:
              layernet draw --model models/lecture/sigmoid_neuron.prototxt --values -o neuron.svg
              layernet draw --model models/lecture/circuit.prototxt --input x=-2 --input y=5 --input z=-4 --values -o circuit.png
              layernet draw --model models/two_layer/net.prototxt -o two_layer.dot
              layernet draw --model lenet.prototxt --phase test --weights lenet_iter_2000.caffemodel --values -o lenet.svg
            """)
        {
            output, values, rankdir,
        };
        arguments.AddTo(command);
        command.SetAction(result =>
        {
            var outputFile = result.GetValue(output)!;
            var format = Path.GetExtension(outputFile).ToLowerInvariant() switch
            {
                ".svg" => "svg",
                ".png" => "png",
                ".dot" or ".gv" => "dot",
                _ => throw new LayerNetException($"-o '{outputFile}': expected a .svg, .png or .dot file"),
            };
            var folder = Path.GetDirectoryName(Path.GetFullPath(outputFile))!;
            if (!Directory.Exists(folder))
            {
                throw new LayerNetException($"-o '{outputFile}': the folder '{folder}' does not exist");
            }

            if (format != "dot")
            {
                // Say it before building the net and running a pass, which may take a while.
                Graphviz.Require(outputFile, format);
            }

            using var services = environment.BuildServices(result);
            var withValues = result.GetValue(values);

            // A drawing needs no data: when a data layer's source is missing, the net is drawn from its definition,
            // without shapes, rather than built (values need a pass, and so the data).
            var modelFile = arguments.Model(result);
            var phase = arguments.Phase(result);
            var notes = new StringWriter();
            var document = MessageFile.ReadNetDocument(modelFile, RunnerEnvironment.Schema(services), new TrainingLog(notes));
            var missing = withValues ? null : DataSources.FirstMissing(document.Message, phase, modelFile);
            NetTopology topology;
            if (missing is null)
            {
                var net = arguments.Build(result, services, forceBackward: withValues);
                topology = NetTopology.Of(net);
                if (withValues)
                {
                    ValuePass.Run(topology);
                }
            }
            else
            {
                Console.Error.Write(notes.ToString());
                topology = NetTopology.Defined(document.Message, document.Source, phase, RunnerEnvironment.Factory(services));
            }

            var dot = NetDrawing.Draw(topology, withValues, result.GetValue(rankdir)!).ToDot(topology.Name.Length > 0 ? topology.Name : "net");
            if (format == "dot")
            {
                MessageFile.WriteAtomic(outputFile, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(dot));
            }
            else
            {
                Graphviz.Render(dot, format, outputFile);
            }

            var detail = withValues ? $", loss = {ValueSummary.Format(topology.Loss ?? 0f)}" : missing is not null ? $"; no shapes: {missing} not found" : string.Empty;
            environment.Output.WriteLine($"wrote {outputFile} ({topology.Layers.Count} layers, {topology.Versions.Count} blob values{detail})");
            return 0;
        });
        return command;
    }
}
