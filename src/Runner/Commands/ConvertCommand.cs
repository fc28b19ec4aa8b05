using System.CommandLine;
using Google.Protobuf.Reflection;
using LayerNet.Errors;
using LayerNet.Files;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet convert IN OUT [--type NAME]</c>: any Caffe message between prototxt and binary.</summary>
internal static class ConvertCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var input = new Argument<string>("IN") { Description = "The file to read (.prototxt/.pbtxt are text; anything else is binary)." };
        var output = new Argument<string>("OUT") { Description = "The file to write (text or binary by its extension)." };
        var type = new Option<string?>("--type") { Description = "The message type, e.g. NetParameter or caffe.SolverParameter. Default: from the extensions (.prototxt/.caffemodel: NetParameter, .binaryproto: BlobProto, .solverstate: SolverState)." };
        var command = new Command("convert", """
            Convert a Caffe message between prototxt (text) and binary.

            Examples:
              layernet convert lenet.prototxt lenet.pb --type NetParameter
              layernet convert lenet_iter_2000.caffemodel lenet_weights.prototxt
              layernet convert mean.binaryproto mean.prototxt
            """)
        {
            input, output, type,
        };
        command.SetAction(result =>
        {
            var inPath = result.GetValue(input)!;
            var outPath = result.GetValue(output)!;

            // A missing file or a folder is the mistake to report, not that its extension says no type.
            MessageFile.RequireFile(inPath);
            OutputFile.RequireNotInput(inPath, outPath);
            var descriptor = ResolveType(result.GetValue(type), inPath, outPath);
            using var services = environment.BuildServices(result);
            var schema = RunnerEnvironment.Schema(services);
            var message = MessageFile.Read(descriptor, inPath, schema);
            MessageFile.Write(outPath, message, schema);
            environment.Output.WriteLine($"wrote {outPath} ({descriptor.FullName}, {(MessageFile.IsText(outPath) ? "text" : "binary")})");
            return 0;
        });
        return command;
    }

    /// <summary>The message type: named, or guessed from the file extensions.</summary>
    internal static MessageDescriptor ResolveType(string? name, string inPath, string outPath)
    {
        var messages = Caffe.CaffeReflection.Descriptor.MessageTypes;
        if (!string.IsNullOrEmpty(name))
        {
            var simple = name.StartsWith("caffe.", StringComparison.Ordinal) ? name["caffe.".Length..] : name;
            foreach (var message in messages)
            {
                if (message.Name == simple)
                {
                    return message;
                }
            }

            var nearest = NearestName.Find(simple, messages.Select(m => m.Name));
            throw new LayerNetException(
                $"unknown message type '{name}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Known types: {string.Join(", ", messages.Select(m => m.Name))}");
        }

        foreach (var path in new[] { inPath, outPath })
        {
            var guessed = Path.GetExtension(path).ToUpperInvariant() switch
            {
                ".CAFFEMODEL" => Caffe.NetParameter.Descriptor,
                ".BINARYPROTO" => Caffe.BlobProto.Descriptor,
                ".SOLVERSTATE" => Caffe.SolverState.Descriptor,
                _ => null,
            };
            if (guessed is not null)
            {
                return guessed;
            }
        }

        foreach (var path in new[] { inPath, outPath })
        {
            var file = Path.GetFileNameWithoutExtension(path);
            if (MessageFile.IsText(path))
            {
                return file.Contains("solver", StringComparison.OrdinalIgnoreCase) ? Caffe.SolverParameter.Descriptor : Caffe.NetParameter.Descriptor;
            }
        }

        throw new LayerNetException($"cannot tell the message type of '{inPath}' -> '{outPath}' from their extensions; give --type (e.g. --type NetParameter)");
    }
}
