using LayerNet.Layers;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner;

/// <summary>What every command shares: the output streams and the registered layers.</summary>
internal sealed class RunnerEnvironment(TextWriter output, TextWriter error)
{
    /// <summary>Standard output.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Builds the service provider with the built-in layers.</summary>
    public static ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddStandardLayers();
        return services.BuildServiceProvider();
    }

    /// <summary>Creates the layer factory over the registered layers.</summary>
    public static LayerFactory Factory(IServiceProvider services) => services.GetRequiredService<LayerFactory>();
}
