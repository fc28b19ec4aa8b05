using LayerNet.Layers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LayerNet.Plugins;

/// <summary>Entry point of LayerNet's registration: <c>services.AddLayerNet()</c>.</summary>
public static class LayerNetServiceCollectionExtensions
{
    /// <summary>
    /// Adds the layer factory and returns the builder that registers layer types. Calling it again on the
    /// same collection returns a builder over the same registrations.
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

        var builder = new LayerNetBuilder(services, new Dictionary<string, LayerRegistration>(StringComparer.Ordinal));
        services.AddSingleton(builder);
        services.TryAddSingleton<LayerFactory>();
        return builder;
    }
}
