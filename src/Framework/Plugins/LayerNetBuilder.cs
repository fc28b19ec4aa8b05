using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Onnx;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Plugins;

/// <summary>
/// Registers layer and solver types with a service collection. Built-in layers and plugins use exactly this path:
/// <c>services.AddLayerNet().AddStandardLayers().AddLayer&lt;MyLayer&gt;("My")</c>. Every registration carries
/// its source: "built in" for the builder <c>AddLayerNet</c> returns, the plugin's path for the builder a plugin's
/// <see cref="ILayerPlugin.Register"/> receives (the plugin loader makes it; nothing else can).
/// </summary>
public sealed class LayerNetBuilder
{
    private const string BuiltIn = "built in";

    private readonly RegistrationTable<LayerRegistration> _layers;
    private readonly RegistrationTable<SolverRegistration> _solvers;
    private readonly RegistrationTable<OnnxExporterRegistration> _exporters;
    private readonly string _source;

    internal LayerNetBuilder(IServiceCollection services, ParameterExtensions extensions)
        : this(services, extensions, new("layer"), new("solver"), new("ONNX exporter for layer"), BuiltIn)
    {
    }

    private LayerNetBuilder(
        IServiceCollection services,
        ParameterExtensions extensions,
        RegistrationTable<LayerRegistration> layers,
        RegistrationTable<SolverRegistration> solvers,
        RegistrationTable<OnnxExporterRegistration> exporters,
        string source)
    {
        Services = services;
        Extensions = extensions;
        _layers = layers;
        _solvers = solvers;
        _exporters = exporters;
        _source = source;
    }

    /// <summary>The proto extension fields registered so far (plugins' typed layer parameters).</summary>
    public ParameterExtensions Extensions { get; }

    /// <summary>The layer types registered so far.</summary>
    public IReadOnlyCollection<LayerRegistration> Layers => _layers.All;

    /// <summary>The service collection the registrations go to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Makes the prototxt reader know the extension fields a plugin's .proto declares (its typed layer
    /// parameters, extending <c>caffe.LayerParameter</c>). Pass the generated <c>XxxReflection.Descriptor</c>.
    /// </summary>
    public LayerNetBuilder AddParameterExtensions(Google.Protobuf.Reflection.FileDescriptor file)
    {
        Extensions.Add(file, _source);
        return this;
    }

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
            throw new LayerNetException($"cannot register layer type '{typeName}' ({_source}): {implementation.FullName} is not a concrete class derived from LayerNet.Layers.Layer");
        }

        var registration = new LayerRegistration(typeName, implementation, _source);
        _layers.Add(registration);
        Services.AddSingleton(registration);
        return this;
    }

    /// <summary>Registers solver type <paramref name="typeName"/> (a solver file's <c>type</c>), implemented by <typeparamref name="TSolver"/>.</summary>
    /// <exception cref="LayerNetException">The name is already registered (the message names both sources).</exception>
    public LayerNetBuilder AddSolver<TSolver>(string typeName)
        where TSolver : Solver
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        var registration = new SolverRegistration(typeName, typeof(TSolver), _source);
        _solvers.Add(registration);
        Services.AddSingleton(registration);
        return this;
    }

    /// <summary>
    /// Registers the ONNX exporter of layer type <paramref name="typeName"/> (<c>layernet export</c>): a class
    /// implementing <see cref="IOnnxExporter"/>, created once per export with the services its constructor asks for.
    /// </summary>
    /// <exception cref="LayerNetException">The type already has an exporter (the message names both sources).</exception>
    public LayerNetBuilder AddOnnxExporter<TExporter>(string typeName)
        where TExporter : class, IOnnxExporter => AddOnnxExporter(typeName, typeof(TExporter));

    /// <summary>Registers <paramref name="implementation"/> (an <see cref="IOnnxExporter"/>) as the ONNX exporter of layer type <paramref name="typeName"/>.</summary>
    /// <exception cref="LayerNetException">The type already has an exporter, or the class is not a concrete exporter.</exception>
    public LayerNetBuilder AddOnnxExporter(string typeName, Type implementation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(implementation);
        if (!typeof(IOnnxExporter).IsAssignableFrom(implementation) || implementation.IsAbstract || implementation.IsInterface)
        {
            throw new LayerNetException($"cannot register the ONNX exporter of layer type '{typeName}' ({_source}): {implementation.FullName} is not a concrete class implementing LayerNet.Onnx.IOnnxExporter");
        }

        var registration = new OnnxExporterRegistration(typeName, implementation, _source);
        _exporters.Add(registration);
        Services.AddSingleton(registration);
        return this;
    }

    /// <summary>
    /// Registers a parameter rule for layer type <paramref name="typeName"/>: before a layer of that type is created,
    /// <paramref name="rule"/> receives a copy of its definition as the model file gave it, extension fields
    /// included, and returns the definition the layer is built from (and that a <c>.caffemodel</c> written later
    /// keeps). This is how a plugin changes a built-in layer through a fork's field without copying the layer: the
    /// Compat sample reads <c>pooling_param { ceil_mode: false }</c> (an extension of <c>caffe.PoolingParameter</c>)
    /// and sets Caffe's own <c>round_mode: FLOOR</c>, which sizes the Pooling layer's output. Several rules for one
    /// type run in registration order, each on the previous one's result. A rule may change the type (a fork's
    /// alias of a built-in layer); the layer is then created as the new type, and no rule of the new type runs. A
    /// rule that throws stops the net with one line naming the layer and the rule's source.
    /// </summary>
    public LayerNetBuilder AddParameterRule(string typeName, Func<Caffe.LayerParameter, Caffe.LayerParameter> rule)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(rule);
        Services.AddSingleton(new ParameterRuleRegistration(typeName, rule, _source));
        return this;
    }

    /// <summary>A builder over the same registrations whose registrations are attributed to <paramref name="source"/> (a plugin's path).</summary>
    internal LayerNetBuilder For(string source) => new(Services, Extensions, _layers, _solvers, _exporters, source);
}
