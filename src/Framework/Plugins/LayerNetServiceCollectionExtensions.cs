using LayerNet.Layers;
using LayerNet.Onnx;
using LayerNet.Solvers;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LayerNet.Plugins;

/// <summary>Entry point of LayerNet's registration: <c>services.AddLayerNet()</c>.</summary>
public static class LayerNetServiceCollectionExtensions
{
    /// <summary>
    /// Adds the layer and solver factories and Caffe's six solvers, and returns the builder that registers
    /// layer types. Calling it again on the same collection returns a builder over the same registrations.
    /// </summary>
    public static LayerNetBuilder AddLayerNet(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(LayerNetBuilder) && descriptor.ImplementationInstance is LayerNetBuilder existing)
            {
                return existing;
            }
        }

        var extensions = new ParameterExtensions();
        var builder = new LayerNetBuilder(services, extensions);
        services.AddSingleton(builder);
        services.AddSingleton(extensions);
        services.TryAddSingleton(provider => provider.GetRequiredService<ParameterExtensions>().Reader);
        services.TryAddSingleton<LayerFactory>();
        services.TryAddSingleton<SolverFactory>();
        services.TryAddSingleton<OnnxExporterFactory>();
        builder
            .AddSolver<SgdSolver>("SGD")
            .AddSolver<NesterovSolver>("Nesterov")
            .AddSolver<AdaGradSolver>("AdaGrad")
            .AddSolver<RmsPropSolver>("RMSProp")
            .AddSolver<AdaDeltaSolver>("AdaDelta")
            .AddSolver<AdamSolver>("Adam");
        return builder;
    }
}
