using System.CommandLine;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner;

/// <summary>What every command shares: the output streams, the <c>--plugin</c> option, and the services (built-in layers plus plugins).</summary>
internal sealed class RunnerEnvironment(TextWriter output, TextWriter error)
{
    /// <summary>Standard output.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    /// <summary><c>--plugin PATH</c>, repeatable, accepted by every command.</summary>
    public Option<string[]> PluginOption { get; } = new("--plugin")
    {
        Description = $"Load a layer plugin (.dll); repeatable. Plugin folders can also be listed in {PluginLoader.PathVariable}.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary><c>--allow-writable-plugins</c>, accepted by every command: load plugins from files and folders that others may write.</summary>
    public Option<bool> AllowWritablePluginsOption { get; } = new("--allow-writable-plugins")
    {
        Description = "Load plugins even from files or folders that the group or others may write (refused otherwise: whoever can write there chooses the code layernet runs).",
        Recursive = true,
    };

    /// <summary>Builds the services: built-in layers and solvers, then the plugins named on the command line and in LAYERNET_PLUGIN_PATH.</summary>
    public ServiceProvider BuildServices(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var services = new ServiceCollection();
        var builder = services.AddLayerNet().AddStandardLayers();
        PluginLoader.LoadAll(result.GetValue(PluginOption) ?? [], builder, result.GetValue(AllowWritablePluginsOption), Error);
        return services.BuildServiceProvider();
    }

    /// <summary>The layer factory over the registered layers.</summary>
    public static LayerFactory Factory(IServiceProvider services) => services.GetRequiredService<LayerFactory>();

    /// <summary>The schema's extensions (built-in and plugins'), with which every file is read and written.</summary>
    public static ParameterExtensions Schema(IServiceProvider services) => services.GetRequiredService<ParameterExtensions>();
}
