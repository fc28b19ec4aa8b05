using Caffe;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Solvers;

/// <summary>Creates solvers by their <c>type</c> from the registrations in the service provider.</summary>
public sealed class SolverFactory
{
    private readonly IServiceProvider _services;
    private readonly Dictionary<string, SolverRegistration> _registrations = new(StringComparer.Ordinal);

    /// <summary>Creates the factory over every <see cref="SolverRegistration"/> in the provider.</summary>
    public SolverFactory(IServiceProvider services, IEnumerable<SolverRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(registrations);
        _services = services;
        foreach (var registration in registrations)
        {
            _registrations[registration.TypeName] = registration;
        }
    }

    /// <summary>Every registered solver type, sorted by name.</summary>
    public IReadOnlyList<SolverRegistration> Registrations =>
        [.. _registrations.Values.OrderBy(r => r.TypeName, StringComparer.Ordinal)];

    /// <summary>
    /// The solver type a solver file asks for: <c>type</c>, or the deprecated <c>solver_type</c> enum when
    /// only that is given (Caffe's upgrade).
    /// </summary>
    public static string TypeOf(SolverParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.HasType || !parameter.HasSolverType)
        {
            return parameter.Type;
        }

        return parameter.SolverType switch
        {
            SolverParameter.Types.SolverType.Nesterov => "Nesterov",
            SolverParameter.Types.SolverType.Adagrad => "AdaGrad",
            SolverParameter.Types.SolverType.Rmsprop => "RMSProp",
            SolverParameter.Types.SolverType.Adadelta => "AdaDelta",
            SolverParameter.Types.SolverType.Adam => "Adam",
            _ => "SGD",
        };
    }

    /// <summary>Creates the solver a solver file describes, building its nets.</summary>
    /// <exception cref="LayerNetException">An unknown type (names the registered ones), or a mistake in the solver or its nets.</exception>
    public Solver Create(SolverParameter parameter, SolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var type = TypeOf(parameter);
        if (!_registrations.TryGetValue(type, out var registration))
        {
            var names = _registrations.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
            var nearest = NearestName.Find(type, names);
            throw new LayerNetException(
                $"unknown solver type '{type}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Registered types: {string.Join(", ", names)}");
        }

        try
        {
            return (Solver)ActivatorUtilities.CreateInstance(_services, registration.Implementation, parameter, options);
        }
        catch (System.Reflection.TargetInvocationException exception) when (exception.InnerException is LayerNetException inner)
        {
            throw inner;
        }
    }

    /// <summary>The layer factory the solvers build nets with.</summary>
    public LayerFactory Layers => _services.GetRequiredService<LayerFactory>();
}
