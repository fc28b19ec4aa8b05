using System.CommandLine;
using System.Text;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Onnx;
using Onnx;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet import model.onnx OUT_PREFIX</c>: an ONNX model as a Caffe model file and its weights.</summary>
internal static class ImportCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var input = new Argument<string>("MODEL") { Description = "The ONNX model to read (.onnx)." };
        var prefix = new Argument<string>("OUT_PREFIX") { Description = "Writes OUT_PREFIX.prototxt (the net) and OUT_PREFIX.caffemodel (its weights)." };
        var inputs = new Option<string[]>("--input") { Description = "NAME=SHAPE (e.g. input=1,3,224,224): the shape of a graph input whose dimensions are symbolic (a batch N); without it a symbolic dimension becomes 1. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("import", """
            Import an ONNX model (operator sets 9 and up) as a Caffe net: OUT_PREFIX.prototxt and OUT_PREFIX.caffemodel,
            which layernet and Caffe read. Every operator that maps to a Caffe layer maps to it; the first one that does
            not is named, with its node name, in one line.

            Examples:
              layernet import resnet18.onnx resnet18
              layernet import model.onnx out/model --input input=1,3,224,224
              layernet forward --model resnet18.prototxt --weights resnet18.caffemodel --input data=cat.jpg --blobs prob
            """)
        {
            input, prefix, inputs,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(input)!;
            var outPrefix = result.GetValue(prefix)!;
            var netPath = outPrefix + ".prototxt";
            var weightsPath = outPrefix + ".caffemodel";
            MessageFile.RequireFile(path);
            OutputFile.RequireNotInput(path, netPath, "OUT_PREFIX", "the ONNX model");
            OutputFile.RequireNotInput(path, weightsPath, "OUT_PREFIX", "the ONNX model");
            var shapes = InputShapes.Parse(result.GetValue(inputs));
            var model = Read(path);
            using var services = environment.BuildServices(result);
            OnnxImportResult imported;
            try
            {
                imported = OnnxImport.Import(model, RunnerEnvironment.Factory(services), new OnnxImportOptions { InputShapes = shapes });
            }
            catch (LayerNetException exception)
            {
                // The importer names the node; the file is said here, once.
                throw new LayerNetException($"{path}: {exception.Message}", exception);
            }

            var schema = RunnerEnvironment.Schema(services);
            WritePair(netPath, Encoding.UTF8.GetBytes(schema.Write(imported.Net)), weightsPath, Serialized(path, imported.Weights));
            var weights = imported.Weights.Layer.Sum(l => l.Blobs.Sum(b => (long)b.Data.Count));
            environment.Output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"wrote {netPath} ({imported.Net.Layer.Count} layers) and {weightsPath} ({weights:N0} weights) from {path} (opset {Opset(model)}, {model.Graph.Node.Count} nodes)"));
            return 0;
        });
        return command;
    }

    private static ModelProto Read(string path)
    {
        var bytes = MessageFile.ReadAllBytes(path);
        try
        {
            var model = ModelProto.Parser.ParseFrom(bytes);
            return model.Graph is not null ? model : throw new LayerNetException($"{path}: an ONNX model without a graph; is it an ONNX model file?");
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new LayerNetException($"{path}: not a valid ONNX model ({exception.Message.ReplaceLineEndings(" ")}); is the file truncated or of another kind?", exception);
        }
    }

    // The weights as a .caffemodel holds them: one protobuf message, which cannot exceed 2 GiB.
    private static byte[] Serialized(string path, IMessage weights)
    {
        try
        {
            return weights.ToByteArray();
        }
        catch (Exception exception) when (exception is InvalidOperationException or OverflowException or OutOfMemoryException)
        {
            throw new LayerNetException($"{path}: the imported weights do not fit in one .caffemodel (a protobuf message of at most 2 GiB): {exception.Message.ReplaceLineEndings(" ")}", exception);
        }
    }

    // Writes the net, then its weights. When the weights cannot be written, the net's path is put back as it was (the
    // new file removed, or the user's file restored), so that a refusal leaves no half of an import behind.
    private static void WritePair(string netPath, byte[] net, string weightsPath, byte[] weights)
    {
        var putBack = Keep(netPath);
        MessageFile.WriteAtomic(netPath, net);
        try
        {
            MessageFile.WriteAtomic(weightsPath, weights);
        }
        catch (LayerNetException)
        {
            putBack();
            throw;
        }
    }

    // How to put path back as it is now. Where nothing is, the file a write creates is removed (at a link's final
    // target, where the write lands). A file with contents is a regular file (a device or a FIFO reports size 0), and
    // its bytes and mode are written back. An empty one, or a device or FIFO, gets nothing written back: what was
    // written in place cannot be taken back. Best effort: the refusal that follows says what went wrong.
    private static Action Keep(string path)
    {
        try
        {
            var target = OutputFile.Resolved(path);
            var file = new FileInfo(target);
            if (!file.Exists)
            {
                return () => PutBack(() => File.Delete(target));
            }

            if (file.Length == 0)
            {
                return () => PutBack(() => MessageFile.WriteAtomic(path, []));
            }

            var bytes = File.ReadAllBytes(target);
            var mode = file.UnixFileMode;
            return () => PutBack(() =>
            {
                MessageFile.WriteAtomic(path, bytes);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, mode);
                }
            });
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or LayerNetException)
        {
            return () => { };
        }
    }

    private static void PutBack(Action action)
    {
        try
        {
            action();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or LayerNetException)
        {
            // The refusal being thrown is the one line the user sees.
        }
    }

    private static long Opset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
}
