using Caffe;
using LayerNet.Errors;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers;

/// <summary>
/// Creates layers by their <c>type</c> string from the registrations in the service provider. The layer's
/// constructor receives the <see cref="LayerParameter"/> and any registered service it asks for.
/// </summary>
/// <param name="services">The provider the layers' constructors take their services from.</param>
/// <param name="registrations">Every <see cref="LayerRegistration"/> in the provider; a type name registered twice is a <see cref="LayerNetException"/> naming both sources.</param>
/// <param name="rules">The parameter rules (<see cref="LayerNetBuilder.AddParameterRule"/>), applied in this order to the definitions of their type.</param>
public sealed class LayerFactory(IServiceProvider services, IEnumerable<LayerRegistration> registrations, IEnumerable<ParameterRuleRegistration> rules)
{
    private readonly IServiceProvider _services = services ?? throw new ArgumentNullException(nameof(services));
    private readonly RegistrationTable<LayerRegistration> _registrations = RegistrationTable<LayerRegistration>.Of("layer", registrations);
    private readonly ILookup<string, ParameterRuleRegistration> _rules = (rules ?? throw new ArgumentNullException(nameof(rules))).ToLookup(r => r.TypeName, StringComparer.Ordinal);

    /// <summary>A factory without parameter rules.</summary>
    /// <param name="services">The provider the layers' constructors take their services from.</param>
    /// <param name="registrations">Every <see cref="LayerRegistration"/> in the provider.</param>
    public LayerFactory(IServiceProvider services, IEnumerable<LayerRegistration> registrations)
        : this(services, registrations, [])
    {
    }

    /// <summary>Every registered layer type, sorted by name.</summary>
    public IReadOnlyList<LayerRegistration> Registrations => _registrations.Sorted;

    /// <summary>True when a layer type of this name is registered.</summary>
    public bool IsRegistered(string typeName) => _registrations.Contains(typeName);

    /// <summary>Creates the layer a <see cref="LayerParameter"/> describes.</summary>
    /// <exception cref="LayerNetException">
    /// The type is not registered (names the layer, its line, the registered types and the nearest one; a Python layer,
    /// which LayerNet cannot run, is told to become a plugin), or the
    /// constructor failed: whatever it threw, a static constructor's failure or a service the provider lacks is one
    /// line naming the layer, its class and the registration's source (a plugin's path).
    /// </exception>
    /// <param name="parameter">The layer's definition.</param>
    /// <param name="origin">Where it was defined: the layer starts with it (its errors, constructor's included, point there).</param>
    public Layer Create(LayerParameter parameter, Origin origin = default)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        parameter = ApplyRules(parameter, origin);
        if (!_registrations.TryGet(parameter.Type, out var registration))
        {
            throw UnknownType(parameter, origin);
        }

        try
        {
            // CreateInstance, not a compiled CreateFactory: a net builds each layer once, and CreateFactory compiles
            // an expression tree (System.Linq.Expressions, loaded into the process at start-up).
            return Layer.ConstructAt(origin, () => (Layer)ActivatorUtilities.CreateInstance(_services, registration.Implementation, parameter));
        }
        catch (Exception exception) when (exception is not LayerNetException)
        {
            var inner = PluginFault.Unwrap(exception);
            if (inner is LayerNetException layerNetException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(layerNetException);
            }

            // ActivatorUtilities' own complaint (no usable constructor, a service it cannot resolve) reads best alone.
            var what = ReferenceEquals(inner, exception) && exception is InvalidOperationException
                ? exception.Message.ReplaceLineEndings(" ")
                : PluginFault.Describe(inner);
            var message = $"layer '{parameter.Name}' ({parameter.Type}): cannot create {registration.Implementation.FullName} from {registration.Source}: {what}";
            throw origin.Error(message, inner);
        }
    }

    /// <summary>The definition a layer is built from: <paramref name="parameter"/> itself when no rule is registered for its type.</summary>
    private LayerParameter ApplyRules(LayerParameter parameter, Origin origin)
    {
        if (!_rules.Contains(parameter.Type))
        {
            return parameter;
        }

        var current = parameter.Clone();
        foreach (var rule in _rules[parameter.Type])
        {
            try
            {
                current = rule.Rule(current)
                    ?? throw new LayerNetException($"the parameter rule for {rule.TypeName} from {rule.Source} returned no definition");
            }
            catch (Exception exception)
            {
                var inner = PluginFault.Unwrap(exception);
                var what = inner is LayerNetException ? inner.Message : $"the parameter rule from {rule.Source} failed: {PluginFault.Describe(inner)}";
                throw origin.Error($"layer '{parameter.Name}' ({parameter.Type}): {what}", inner);
            }
        }

        return current;
    }

    /// <summary>
    /// When the layers name more than one type that is not registered, one error naming every such type with the
    /// first layer that uses it (and the nearest registered name, when one is close), so a model file written for a
    /// fork or for plugins is fixed in one go; null when at most one type is unknown (<see cref="Create"/> says that).
    /// </summary>
    internal LayerNetException? UnknownTypes(IEnumerable<(LayerParameter Parameter, Origin Origin)> layers)
    {
        var firstUse = new List<(LayerParameter Parameter, Origin Origin)>();
        foreach (var layer in layers)
        {
            if (!_registrations.Contains(layer.Parameter.Type) && !_rules.Contains(layer.Parameter.Type) && !firstUse.Exists(seen => seen.Parameter.Type == layer.Parameter.Type))
            {
                firstUse.Add(layer);
            }
        }

        if (firstUse.Count < 2)
        {
            return null;
        }

        var names = _registrations.Sorted.Select(r => r.TypeName).ToList();
        var entries = new List<string>(firstUse.Count);
        foreach (var (parameter, origin) in firstUse)
        {
            var at = origin.Position is { } position ? $" at ({position.Line},{position.Column})" : string.Empty;
            var hint = parameter.Type == "Python"
                ? "; Python layers must be rewritten as plugins"
                : NearestName.Find(parameter.Type, names) is { } nearest ? $"; did you mean '{nearest}'?" : string.Empty;
            entries.Add($"'{parameter.Type}' (layer '{parameter.Name}'{at}{hint})");
        }

        return firstUse[0].Origin.Error(
            $"{firstUse.Count} layer types are not registered: {string.Join(", ", entries)}. Registered types: {string.Join(", ", names)}. A plugin's layers need --plugin or LAYERNET_PLUGIN_PATH.");
    }

    private LayerNetException UnknownType(LayerParameter parameter, Origin origin)
    {
        if (parameter.Type == "Python")
        {
            // Caffe's Python layer runs a Python class; LayerNet runs none, so say what to do instead of listing types.
            var module = parameter.PythonParam is { } python ? $" (python_param module '{python.Module}', layer '{python.Layer}')" : string.Empty;
            return origin.Error($"layer '{parameter.Name}' is a Python layer{module}: LayerNet runs no Python; rewrite it as a layer plugin, as README.md's section \"Writing a layer plugin\" shows, and load it with --plugin or LAYERNET_PLUGIN_PATH.");
        }

        var what = string.IsNullOrEmpty(parameter.Type) ? "has no type" : $"has unknown type '{parameter.Type}'";
        var message = $"layer '{parameter.Name}' {what}{_registrations.SuggestionAndNames(parameter.Type)}. A plugin's layers need --plugin or LAYERNET_PLUGIN_PATH.";
        return origin.Error(message);
    }
}
