using System.CommandLine;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Onnx;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet export</c>: a net's TEST phase with its weights, as an ONNX model.</summary>
internal static class ExportCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var model = new Option<string>("--model") { Description = "The model file (prototxt NetParameter); its TEST phase is exported.", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Trained weights (.caffemodel; a comma-separated list is applied in order). Without it the model holds the fillers' values." };
        var output = new Option<string>("--output", "-o") { Description = "The ONNX file to write.", Required = true };
        var opset = new Option<int>("--opset") { Description = $"The ONNX operator set ({OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}; default {OnnxExportOptions.DefaultOpset}).", DefaultValueFactory = _ => OnnxExportOptions.DefaultOpset };
        var inputs = new Option<string[]>("--input") { Description = "NAME=SHAPE (e.g. data=1,3,224,224): export with this input shape instead of the model's; repeatable.", AllowMultipleArgumentsPerToken = false };
        var dynamicBatch = new Option<bool>("--dynamic-batch") { Description = "Make the first dimension of every input and output symbolic (N), so the model runs at any batch size." };
        var command = new Command("export", $"""
            Export a net (its TEST phase, with its weights) to an ONNX model, for ONNX Runtime, TensorRT, OpenVINO and
            the other ONNX tools. Every layer type with an ONNX equivalent maps to it with Caffe's semantics (pooling's
            rounding and border divisor included); a layer with none (a loss, a data layer other than Input, a plugin
            without an exporter) is named in one line.

            Examples:
              layernet export --model deploy.prototxt --weights net.caffemodel -o net.onnx
              layernet export --model deploy.prototxt --weights net.caffemodel -o net.onnx --opset 13 --dynamic-batch
              layernet export --model deploy.prototxt --weights net.caffemodel -o net.onnx --input data=1,3,320,320
              layernet --plugin Softplus.dll export --model softplus_net.prototxt -o softplus.onnx
            """)
        {
            model, weights, output, opset, inputs, dynamicBatch,
        };
        command.SetAction(result =>
        {
            var modelPath = result.GetValue(model)!;
            var weightsPath = result.GetValue(weights);
            var outPath = result.GetValue(output)!;
            var options = new OnnxExportOptions { Opset = result.GetValue(opset), DynamicBatch = result.GetValue(dynamicBatch) };
            if (options.Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
            {
                throw new LayerNetException($"--opset {options.Opset}: LayerNet writes operator sets {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}");
            }

            OutputFile.RequireNotInput(modelPath, outPath, "--output", "the model file");
            foreach (var path in (weightsPath ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                OutputFile.RequireNotInput(path, outPath, "--output", "the weights file");
            }

            var shapes = InputShapes.Parse(result.GetValue(inputs));
            using var services = environment.BuildServices(result);
            var net = NetLoading.BuildNet(services, modelPath, Caffe.Phase.Test, RandomSource.FromSeed(0), weightsPath);
            if (shapes.Count > 0)
            {
                foreach (var (name, shape) in shapes)
                {
                    var input = net.Inputs.FirstOrDefault(blob => blob.Name == name)
                        ?? throw new LayerNetException($"--input {name}: the net has no input '{name}'; its inputs are {string.Join(", ", net.Inputs.Select(b => b.Name))}");
                    try
                    {
                        input.Reshape(shape);
                    }
                    catch (LayerNetException exception)
                    {
                        throw new LayerNetException($"--input {name}={string.Join(',', shape)}: {exception.Message}", exception);
                    }
                }

                try
                {
                    net.Reshape();
                }
                catch (LayerNetException exception)
                {
                    // The layers are the model's; the shapes are the user's: say both.
                    var given = string.Join(' ', shapes.Select(entry => $"--input {entry.Key}={string.Join(',', entry.Value)}"));
                    throw new LayerNetException($"{modelPath} with {given}: {exception.Message}", exception);
                }
            }

            var onnx = OnnxExport.Export(net, services.GetRequiredService<OnnxExporterFactory>(), options);
            var rawBytes = onnx.Graph.Initializer.Sum(t => (long)t.RawData.Length);
            if (rawBytes > int.MaxValue - (64 << 20))
            {
                throw new LayerNetException($"--output {outPath}: the weights take {rawBytes:N0} bytes, past the 2 GB a protobuf file holds; ONNX keeps such weights in external files, which LayerNet does not write");
            }

            var bytes = onnx.ToByteArray();
            MessageFile.WriteAtomic(outPath, bytes);
            if (string.IsNullOrEmpty(weightsPath))
            {
                environment.Error.WriteLine($"note: no --weights; {outPath} holds the values the model's fillers drew");
            }

            var parameters = onnx.Graph.Initializer.Where(t => t.DataType == (int)global::Onnx.TensorProto.Types.DataType.Float).Sum(t => OnnxTensors.CountOf(t.Dims));
            environment.Output.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"wrote {outPath}: opset {options.Opset}, inputs {Describe(net.Inputs, options.DynamicBatch)}, outputs {Describe(net.Outputs, options.DynamicBatch)}, {onnx.Graph.Node.Count} nodes, {parameters:N0} weights, {bytes.Length:N0} bytes"));
            return 0;
        });
        return command;
    }

    private static string Describe(IReadOnlyList<Blob> blobs, bool dynamicBatch) =>
        string.Join(", ", blobs.Select(b => $"{b.Name} [{string.Join('x', b.Shape.Select((d, axis) => axis == 0 && dynamicBatch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]"));
}
