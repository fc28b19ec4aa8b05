using LayerNet.Errors;
using LayerNet.Layers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Plugins;

/// <summary>
/// Registers layer types with a service collection. Built-in layers and plugins use exactly this path:
/// <c>services.AddLayerNet().AddStandardLayers().AddLayer&lt;MyLayer&gt;("My")</c>.
/// </summary>
public sealed class LayerNetBuilder
{
    private readonly Dictionary<string, LayerRegistration> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SolverRegistration> _solvers = new(StringComparer.Ordinal);

    internal LayerNetBuilder(IServiceCollection services, ParameterExtensions extensions)
    {
        Services = services;
        Extensions = extensions;
    }

    /// <summary>The proto extension fields registered so far (plugins' typed layer parameters).</summary>
    public ParameterExtensions Extensions { get; }

    /// <summary>The layer types registered so far.</summary>
    public IReadOnlyCollection<LayerRegistration> Layers => _layers.Values;

    /// <summary>
    /// Makes the prototxt reader know the extension fields a plugin's .proto declares (its typed layer
    /// parameters, extending <c>caffe.LayerParameter</c>). Pass the generated <c>XxxReflection.Descriptor</c>.
    /// </summary>
    public LayerNetBuilder AddParameterExtensions(Google.Protobuf.Reflection.FileDescriptor file)
    {
        Extensions.Add(file);
        return this;
    }

    /// <summary>The service collection the registrations go to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// What registrations made now are attributed to ("built in", or a plugin's path); the plugin loader sets
    /// it while a plugin registers, so that clashes and <c>layernet layers</c> can name the source.
    /// </summary>
    public string CurrentSource { get; set; } = "built in";

    /// <summary>Registers layer type <paramref name="typeName"/>, implemented by <typeparamref name="TLayer"/>.</summary>
    /// <exception cref="LayerNetException">The name is already registered (the message names both sources).</exception>
    public LayerNetBuilder AddLayer<TLayer>(string typeName)
        where TLayer : Layer => AddLayer(typeName, typeof(TLayer));

    /// <summary>Registers layer type <paramref name="typeName"/>, implemented by <paramref name="implementation"/>.</summary>
    /// <exception cref="LayerNetException">The name is already registered, or the class is not a concrete layer.</exception>
    public LayerNetBuilder AddLayer(string typeName, Type implementation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(implementation);
        if (!typeof(Layer).IsAssignableFrom(implementation) || implementation.IsAbstract)
        {
            throw new LayerNetException($"cannot register layer type '{typeName}' ({CurrentSource}): {implementation.FullName} is not a concrete class derived from LayerNet.Layers.Layer");
        }

        if (_layers.TryGetValue(typeName, out var existing))
        {
            throw new LayerNetException(
                $"layer type '{typeName}' is registered twice: by {existing.Source} ({existing.Implementation.FullName}) and by {CurrentSource} ({implementation.FullName})");
        }

        var registration = new LayerRegistration(typeName, implementation, CurrentSource);
        _layers.Add(typeName, registration);
        Services.AddSingleton(registration);
        return this;
    }

    /// <summary>Registers solver type <paramref name="typeName"/> (a solver file's <c>type</c>), implemented by <typeparamref name="TSolver"/>.</summary>
    /// <exception cref="LayerNetException">The name is already registered (the message names both sources).</exception>
    public LayerNetBuilder AddSolver<TSolver>(string typeName)
        where TSolver : Solvers.Solver
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        if (_solvers.TryGetValue(typeName, out var existing))
        {
            throw new LayerNetException(
                $"solver type '{typeName}' is registered twice: by {existing.Source} ({existing.Implementation.FullName}) and by {CurrentSource} ({typeof(TSolver).FullName})");
        }

        var registration = new SolverRegistration(typeName, typeof(TSolver), CurrentSource);
        _solvers.Add(typeName, registration);
        Services.AddSingleton(registration);
        return this;
    }
}
