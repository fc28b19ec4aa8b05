using System.CommandLine;
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
        root.Subcommands.Add(LayersCommand.Create(environment));
        root.Subcommands.Add(GradCheckCommand.Create(environment));
        root.Subcommands.Add(DrawCommand.Create(environment));
        root.Subcommands.Add(PlotCommand.Create(environment));
        root.Subcommands.Add(ConvertImagesetCommand.Create(environment));
        root.Subcommands.Add(ComputeImageMeanCommand.Create(environment));
        root.Subcommands.Add(IdxToImagesCommand.Create(environment));
        root.Subcommands.Add(ClassifyCommand.Create(environment));
        ExamplesHelpAction.Install(root);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return root.Parse(args).Invoke(configuration);
        }
        catch (LayerNetException exception)
        {
            error.WriteLine(exception.Message);
            return 1;
        }
    }
}
