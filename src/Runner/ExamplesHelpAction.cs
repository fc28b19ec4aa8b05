using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LayerNet.Runner;

/// <summary>
/// Help with examples: each command's description may end with an "Examples:" block; the block is kept out of
/// the short description shown in the command list and printed after the command's own help.
/// </summary>
internal sealed class ExamplesHelpAction : SynchronousCommandLineAction
{
    private const string Marker = "\n\nExamples:";
    private readonly HelpAction _help;
    private readonly Dictionary<Command, string> _examples = [];

    private ExamplesHelpAction(HelpAction help)
    {
        _help = help;
    }

    /// <summary>Moves the examples out of every subcommand's description and installs the action on the help option.</summary>
    public static void Install(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().First();
        var action = new ExamplesHelpAction((HelpAction)option.Action!);
        foreach (var command in root.Subcommands)
        {
            var description = command.Description?.ReplaceLineEndings("\n") ?? string.Empty;
            var at = description.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                command.Description = description[..at];
                action._examples[command] = description[(at + 2)..];
            }
        }

        option.Action = action;
    }

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var status = _help.Invoke(parseResult);
        if (_examples.TryGetValue(parseResult.CommandResult.Command, out var examples))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(examples);
            output.WriteLine();
        }

        return status;
    }
}
