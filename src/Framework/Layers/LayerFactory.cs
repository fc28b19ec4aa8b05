using Caffe;
using LayerNet.Errors;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers;

/// <summary>
/// Creates layers by their <c>type</c> string from the registrations in the service provider. The layer's
/// constructor receives the <see cref="LayerParameter"/> and any registered service it asks for.
/// </summary>
public sealed class LayerFactory
{
    private readonly IServiceProvider _services;
    private readonly Dictionary<string, LayerRegistration> _registrations = new(StringComparer.Ordinal);

    /// <summary>Creates the factory over every <see cref="LayerRegistration"/> in the provider.</summary>
    public LayerFactory(IServiceProvider services, IEnumerable<LayerRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(registrations);
        _services = services;
        foreach (var registration in registrations)
        {
            if (_registrations.TryGetValue(registration.TypeName, out var existing))
            {
                throw new LayerNetException(
                    $"layer type '{registration.TypeName}' is registered twice: by {existing.Source} ({existing.Implementation.FullName}) and by {registration.Source} ({registration.Implementation.FullName})");
            }

            _registrations.Add(registration.TypeName, registration);
        }
    }

    /// <summary>Every registered layer type, sorted by name.</summary>
    public IReadOnlyList<LayerRegistration> Registrations =>
        [.. _registrations.Values.OrderBy(r => r.TypeName, StringComparer.Ordinal)];

    /// <summary>True when a layer type of this name is registered.</summary>
    public bool IsRegistered(string typeName) => _registrations.ContainsKey(typeName);

    /// <summary>Creates the layer a <see cref="LayerParameter"/> describes.</summary>
    /// <exception cref="LayerNetException">The type is not registered (names the layer, its line, the registered types and the nearest one), or the constructor failed.</exception>
    public Layer Create(LayerParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!_registrations.TryGetValue(parameter.Type, out var registration))
        {
            throw UnknownType(parameter);
        }

        try
        {
            // CreateInstance, not a compiled CreateFactory: a net builds each layer once, and CreateFactory compiles
            // an expression tree (System.Linq.Expressions, loaded into the process at start-up).
            return (Layer)ActivatorUtilities.CreateInstance(_services, registration.Implementation, parameter);
        }
        catch (LayerNetException)
        {
            throw;
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or System.Reflection.TargetInvocationException)
        {
            var inner = exception is System.Reflection.TargetInvocationException { InnerException: { } e } ? e : exception;
            if (inner is LayerNetException layerNetException)
            {
                throw layerNetException;
            }

            var message = $"layer '{parameter.Name}' ({parameter.Type}): cannot create {registration.Implementation.FullName} from {registration.Source}: {inner.Message}";
            throw SourcePositions.Get(parameter) is { } position ? new LayerNetException(position, message, inner) : new LayerNetException(message, inner);
        }
    }

    private LayerNetException UnknownType(LayerParameter parameter)
    {
        var names = _registrations.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var nearest = NearestName.Find(parameter.Type, names);
        var suggestion = nearest is null ? string.Empty : $"; did you mean '{nearest}'?";
        var what = string.IsNullOrEmpty(parameter.Type) ? "has no type" : $"has unknown type '{parameter.Type}'";
        var message = $"layer '{parameter.Name}' {what}{suggestion} Registered types: {string.Join(", ", names)}. A plugin's layers need --plugin or LAYERNET_PLUGIN_PATH.";
        return SourcePositions.Get(parameter) is { } position ? new LayerNetException(position, message) : new LayerNetException(message);
    }
}
