using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The layers and schema the Model, Inference and Datasets pages build nets and read files with: LayerNet's
/// built-in layers, as <c>layernet</c> has them without <c>--plugin</c> (a page never loads code a client names).
/// </summary>
internal static class ModelServices
{
    private static readonly Lazy<ServiceProvider> LazyProvider = new(() =>
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddStandardLayers();
        return services.BuildServiceProvider();
    });

    /// <summary>The services (layer factory, schema), built once.</summary>
    public static IServiceProvider Provider => LazyProvider.Value;
}
