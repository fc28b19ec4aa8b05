using System.CommandLine;
using System.Text;
using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Solvers;
using LayerNet.Text;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet upgrade IN OUT</c>: Caffe's upgrade_net_proto_text, upgrade_net_proto_binary and
/// upgrade_solver_proto_text in one command. Writes the current (V2) form of an old net, weights or solver file.
/// </summary>
internal static class UpgradeCommand
{
    private static readonly string[] TextExtensions = [".prototxt", ".pbtxt", ".txt", ".textproto"];
    private static readonly string[] BinaryExtensions = [".caffemodel", ".binaryproto", ".pb"];

    public static Command Create(RunnerEnvironment environment)
    {
        var input = new Argument<string>("IN") { Description = "The old file: a net (prototxt or .caffemodel) or a solver (prototxt)." };
        var output = new Argument<string>("OUT") { Description = "The file to write: text for .prototxt/.txt, binary for .caffemodel/.binaryproto/.pb, otherwise as IN." };
        var command = new Command("upgrade", """
            Upgrade an old net (V0/V1, prototxt or .caffemodel) or solver file to the current format, as Caffe's upgrade_net_proto_text, upgrade_net_proto_binary and upgrade_solver_proto_text.

            Examples:
              layernet upgrade vgg19_deploy.prototxt vgg19_deploy_v2.prototxt
              layernet upgrade vgg19.caffemodel vgg19_v2.caffemodel
              layernet upgrade lenet_solver.prototxt lenet_solver_v2.prototxt
            """)
        {
            input, output,
        };
        command.SetAction(result =>
        {
            var inPath = result.GetValue(input)!;
            var outPath = result.GetValue(output)!;
            MessageFile.RequireFile(inPath);
            OutputFile.RequireNotInput(inPath, outPath);
            using var services = environment.BuildServices(result);
            var schema = RunnerEnvironment.Schema(services);
            var inText = MessageFile.IsText(inPath);
            var outText = OutputIsText(outPath, inText);
            var (original, upgraded, form) = inText ? UpgradeText(inPath, schema, environment.Error) : UpgradeBinary(inPath, schema, environment.Error);
            var kind = original.Descriptor.Name;
            if (form is null)
            {
                environment.Error.WriteLine($"note: '{inPath}' is already in the current format; written unchanged");
                if (outText == inText)
                {
                    MessageFile.WriteAtomic(outPath, MessageFile.ReadAllBytes(inPath));
                }
                else
                {
                    Write(outPath, original, outText, schema);
                }

                environment.Output.WriteLine($"wrote {outPath} ({kind}, unchanged, {(outText ? "text" : "binary")})");
                return 0;
            }

            Write(outPath, upgraded, outText, schema);
            environment.Output.WriteLine($"wrote {outPath} ({kind}, upgraded from {form}, {(outText ? "text" : "binary")})");
            return 0;
        });
        return command;
    }

    private static bool OutputIsText(string path, bool inputIsText)
    {
        var extension = Path.GetExtension(path);
        if (TextExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return !BinaryExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase) && inputIsText;
    }

    // A text file is a solver when it reads as one and not as a net (or its name says solver), else a net definition.
    private static (IMessage Original, IMessage Upgraded, string? Form) UpgradeText(string path, ParameterExtensions schema, TextWriter error)
    {
        var text = MessageFile.ReadAllText(path);
        if (IsSolver(path, text, schema))
        {
            var solverDocument = schema.Reader.ParseDocument<SolverParameter>(text, path);
            return UpgradeSolver(solverDocument, path, error);
        }

        var document = schema.Reader.ParseDocument<NetParameter>(text, path);
        var notes = new List<string>();
        var net = document.Message;
        var form = NetUpgrade.DeprecatedForm(net);
        var upgraded = form is null ? net : NetUpgrade.Upgrade(document, definition: true, notes).Message;
        WriteNotes(notes, error);
        return (net, upgraded, form);
    }

    private static (IMessage Original, IMessage Upgraded, string? Form) UpgradeBinary(string path, ParameterExtensions schema, TextWriter error)
    {
        var net = MessageFile.ReadBinary<NetParameter>(path, schema);
        var notes = new List<string>();
        var form = NetUpgrade.DeprecatedForm(net);
        var upgraded = form is null ? net : NetUpgrade.Upgrade(net, path, definition: false, notes);
        WriteNotes(notes, error);
        return (net, upgraded, form);
    }

    // Caffe's upgrade_solver_proto_text upgrades solver_type; a net written inside the solver is upgraded as well.
    private static (IMessage Original, IMessage Upgraded, string? Form) UpgradeSolver(TextDocument<SolverParameter> document, string path, TextWriter error)
    {
        var solver = document.Message;
        var forms = new List<string>();
        if (SolverUpgrade.DeprecatedForm(solver) is { } solverForm)
        {
            forms.Add(solverForm);
        }

        var upgraded = SolverUpgrade.Upgrade(solver, document.Source.Position);
        var notes = new List<string>();
        NetParameter? Net(NetParameter? net, string part, int field, int index = 0)
        {
            if (net is null || NetUpgrade.DeprecatedForm(net) is not { } form)
            {
                return net;
            }

            forms.Add($"{form} in its {part}");

            // Errors point at the old blocks inside the solver file.
            return document.Source.Child(field, index) is { } source
                ? NetUpgrade.Upgrade(new TextDocument<NetParameter>(net, source), definition: true, notes).Message
                : NetUpgrade.Upgrade(net, path, definition: true, notes);
        }

        upgraded.NetParam = Net(upgraded.NetParam, "net_param", SolverParameter.NetParamFieldNumber);
        upgraded.TrainNetParam = Net(upgraded.TrainNetParam, "train_net_param", SolverParameter.TrainNetParamFieldNumber);
        for (var i = 0; i < upgraded.TestNetParam.Count; i++)
        {
            upgraded.TestNetParam[i] = Net(upgraded.TestNetParam[i], "test_net_param", SolverParameter.TestNetParamFieldNumber, i)!;
        }

        WriteNotes(notes, error);
        return (solver, upgraded, forms.Count == 0 ? null : string.Join(" and ", forms.Distinct()));
    }

    private static bool IsSolver(string path, string text, ParameterExtensions schema)
    {
        if (Path.GetFileName(path).Contains("solver", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            schema.Reader.Parse<NetParameter>(text, path);
            return false;
        }
        catch (LayerNetException)
        {
            try
            {
                schema.Reader.Parse<SolverParameter>(text, path);
                return true;
            }
            catch (LayerNetException)
            {
                // Neither: read it as a net, whose error the user sees.
                return false;
            }
        }
    }

    private static void WriteNotes(List<string> notes, TextWriter error)
    {
        var log = new TrainingLog(error);
        foreach (var note in notes)
        {
            log.Warning("upgrade", note);
        }
    }

    private static void Write(string path, IMessage message, bool text, ParameterExtensions schema) =>
        MessageFile.WriteAtomic(path, text ? Encoding.UTF8.GetBytes(schema.Write(message)) : message.ToByteArray());
}
