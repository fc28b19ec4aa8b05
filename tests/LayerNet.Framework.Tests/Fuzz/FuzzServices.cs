using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Solvers;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>The services a runner has without plugins: the standard layers and solvers, and the reader that knows their parameter extensions.</summary>
internal static class FuzzServices
{
    private static readonly Lazy<ServiceProvider> Provider = new(() =>
        new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider());

    /// <summary>The reader that knows idx_data_param and the other extensions of the standard layers.</summary>
    public static PrototxtReader Reader => Provider.Value.GetRequiredService<PrototxtReader>();

    /// <summary>The schema's extensions of the standard layers, for binary files and the solver.</summary>
    public static ParameterExtensions Schema => Provider.Value.GetRequiredService<ParameterExtensions>();

    /// <summary>The layer factory over the standard layers.</summary>
    public static LayerFactory Layers => Provider.Value.GetRequiredService<LayerFactory>();

    /// <summary>The solver factory over the standard solvers.</summary>
    public static SolverFactory Solvers => Provider.Value.GetRequiredService<SolverFactory>();
}
