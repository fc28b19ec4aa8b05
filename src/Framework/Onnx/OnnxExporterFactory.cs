using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Onnx;

/// <summary>
/// Finds the <see cref="IOnnxExporter"/> of a layer type among the registrations in the service provider
/// (<see cref="LayerNetBuilder.AddOnnxExporter{TExporter}"/>), creating each exporter once.
/// </summary>
/// <param name="services">The provider the exporters' constructors take their services from.</param>
/// <param name="registrations">Every <see cref="OnnxExporterRegistration"/> in the provider; a type exported twice is refused naming both sources.</param>
public sealed class OnnxExporterFactory(IServiceProvider services, IEnumerable<OnnxExporterRegistration> registrations)
{
    private readonly IServiceProvider _services = services ?? throw new ArgumentNullException(nameof(services));
    private readonly RegistrationTable<OnnxExporterRegistration> _registrations = RegistrationTable<OnnxExporterRegistration>.Of("ONNX exporter for layer", registrations);
    private readonly Dictionary<Type, IOnnxExporter> _created = [];

    /// <summary>Every layer type with an exporter, sorted by name.</summary>
    public IReadOnlyList<OnnxExporterRegistration> Registrations => _registrations.Sorted;

    /// <summary>True when layer type <paramref name="typeName"/> has an exporter.</summary>
    public bool CanExport(string typeName) => _registrations.Contains(typeName);

    /// <summary>The exporter of <paramref name="layer"/>'s type.</summary>
    /// <exception cref="LayerNetException">No exporter is registered for the type (the message names the layer), or the exporter could not be created.</exception>
    public IOnnxExporter For(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!_registrations.TryGet(layer.Type, out var registration))
        {
            throw layer.Error($"has no ONNX equivalent: no exporter is registered for layer type '{layer.Type}' (loss layers, and data layers other than Input, have none; a plugin registers one with AddOnnxExporter)");
        }

        if (!_created.TryGetValue(registration.Implementation, out var exporter))
        {
            try
            {
                exporter = (IOnnxExporter)ActivatorUtilities.CreateInstance(_services, registration.Implementation);
            }
            catch (Exception exception) when (exception is not LayerNetException)
            {
                throw layer.Error($"cannot create its ONNX exporter {registration.Implementation.FullName} from {registration.Source}: {PluginFault.Describe(PluginFault.Unwrap(exception))}", exception);
            }

            _created.Add(registration.Implementation, exporter);
        }

        return exporter;
    }
}
