using System.CommandLine;
using System.Globalization;
using System.Text;
using LayerNet.Errors;
using LayerNet.Runner.Commands;

namespace LayerNet.Runner;

/// <summary>The <c>layernet</c> command line: its commands, and the one place where a user's mistake becomes a message and exit code 1.</summary>
internal static class LayerNetCommandLine
{
    /// <summary>Parses and runs a command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("LayerNet: define nets in Caffe model files, train them, check and extend them.");
        var environment = new RunnerEnvironment(output, error);
        root.Options.Add(environment.PluginOption);
        root.Options.Add(environment.AllowWritablePluginsOption);
        root.Subcommands.Add(ConvertCommand.Create(environment));
        root.Subcommands.Add(UpgradeCommand.Create(environment));
        root.Subcommands.Add(ForwardCommand.Create(environment));
        root.Subcommands.Add(TrainCommand.Create(environment));
        root.Subcommands.Add(TestCommand.Create(environment));
        root.Subcommands.Add(TimeCommand.Create(environment));
        root.Subcommands.Add(DeviceQueryCommand.Create(environment));
        root.Subcommands.Add(LayersCommand.Create(environment));
        root.Subcommands.Add(GradCheckCommand.Create(environment));
        root.Subcommands.Add(DrawCommand.Create(environment));
        root.Subcommands.Add(PlotCommand.Create(environment));
        root.Subcommands.Add(ConvertImagesetCommand.Create(environment));
        root.Subcommands.Add(ComputeImageMeanCommand.Create(environment));
        root.Subcommands.Add(IdxToImagesCommand.Create(environment));
        root.Subcommands.Add(ClassifyCommand.Create(environment));
        root.Subcommands.Add(DetectCommand.Create(environment));
        root.Subcommands.Add(ExportCommand.Create(environment));
        root.Subcommands.Add(ImportCommand.Create(environment));
        root.Subcommands.Add(ServeCommand.Create(environment));
        ExamplesHelpAction.Install(root);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            var parsed = root.Parse(args);
            if ((UnknownCommand(root, parsed) ?? ParseMistake(root, parsed)) is { } mistake)
            {
                error.WriteLine(OneLine(mistake));
                return 1;
            }

            var code = parsed.Invoke(configuration);
            output.Flush();
            return code;
        }
        catch (LayerNetException exception)
        {
            error.WriteLine(OneLine(exception.Message));
            return 1;
        }
        catch (StandardOutputException exception)
        {
            error.WriteLine(OneLine($"cannot write standard output: {exception.Message}"));
            return 1;
        }
    }

    /// <summary>
    /// A message as one line: every control character (a newline or escape from a name or path the user gave) is shown
    /// escaped, as <c>\n</c>, <c>\t</c>, <c>\r</c> or <c>\xHH</c>, never printed raw.
    /// </summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Any(char.IsControl))
        {
            return message;
        }

        var text = new StringBuilder(message.Length + 16);
        foreach (var c in message)
        {
            _ = c switch
            {
                '\n' => text.Append("\\n"),
                '\t' => text.Append("\\t"),
                '\r' => text.Append("\\r"),
                _ when char.IsControl(c) => text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => text.Append(c),
            };
        }

        return text.ToString();
    }

    /// <summary>
    /// Any other mistake on the command line (a required option or argument missing, an unknown option, no command) as
    /// one line naming the command, instead of the parser's messages followed by the whole help text; null when the
    /// line parses, or asks for help.
    /// </summary>
    private static string? ParseMistake(RootCommand root, ParseResult parsed)
    {
        if (parsed.Errors.Count == 0 || parsed.Action is System.CommandLine.Help.HelpAction or ExamplesHelpAction)
        {
            return null;
        }

        var command = parsed.CommandResult.Command;
        var path = command == root ? "layernet" : $"layernet {command.Name}";
        if (command == root && parsed.Tokens.Count == 0)
        {
            return $"layernet: give a command: {string.Join(", ", root.Subcommands.Select(c => c.Name))} (layernet --help describes them)";
        }

        var help = $"({path} --help lists the options)";
        if (parsed.UnmatchedTokens.Count > 0)
        {
            var token = parsed.UnmatchedTokens[0];
            if (!token.StartsWith('-'))
            {
                return $"{path}: unexpected argument '{token}' {help}";
            }

            var options = command.Options.Concat(root.Options).SelectMany(option => option.Aliases.Prepend(option.Name)).Distinct().ToList();
            return NearestName.Find(token, options) is { } nearest
                ? $"{path}: unknown option '{token}'; did you mean '{nearest}'?"
                : $"{path}: unknown option '{token}' {help}";
        }

        return $"{path}: {parsed.Errors[0].Message.TrimEnd('.')} {help}";
    }

    /// <summary>
    /// The one-line error for a first word that names no command (<c>layernet trian</c>), with the nearest command when
    /// one is close; null when the line names a command or the mistake is of another kind.
    /// </summary>
    private static string? UnknownCommand(RootCommand root, ParseResult parsed)
    {
        if (parsed.Errors.Count == 0 || parsed.CommandResult.Command != root)
        {
            return null;
        }

        var word = parsed.UnmatchedTokens.FirstOrDefault(token => !token.StartsWith('-'));
        if (word is null)
        {
            return null;
        }

        var names = root.Subcommands.Select(command => command.Name).ToList();
        return NearestName.Find(word, names) is { } nearest
            ? $"unknown command '{word}'; did you mean '{nearest}'?"
            : $"unknown command '{word}'; the commands are {string.Join(", ", names)} (layernet --help describes them)";
    }
}
