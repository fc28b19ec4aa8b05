using Caffe;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Solvers;

/// <summary>Creates solvers by their <c>type</c> from the registrations in the service provider.</summary>
/// <param name="services">The provider the solvers' constructors take their services from.</param>
/// <param name="registrations">Every <see cref="SolverRegistration"/> in the provider; a type name registered twice is a <see cref="LayerNetException"/> naming both sources.</param>
public sealed class SolverFactory(IServiceProvider services, IEnumerable<SolverRegistration> registrations)
{
    private readonly IServiceProvider _services = services ?? throw new ArgumentNullException(nameof(services));
    private readonly RegistrationTable<SolverRegistration> _registrations = RegistrationTable<SolverRegistration>.Of("solver", registrations);

    /// <summary>Every registered solver type, sorted by name.</summary>
    public IReadOnlyList<SolverRegistration> Registrations => _registrations.Sorted;

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
    /// <exception cref="LayerNetException">
    /// An unknown type (names the registered ones), a mistake in the solver or its nets, or anything else the
    /// solver's constructor threw (one line naming the class and the registration's source).
    /// </exception>
    public Solver Create(SolverParameter parameter, SolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var type = TypeOf(parameter);
        if (!_registrations.TryGet(type, out var registration))
        {
            throw new LayerNetException($"unknown solver type '{type}'{_registrations.SuggestionAndNames(type)}");
        }

        try
        {
            return (Solver)ActivatorUtilities.CreateInstance(_services, registration.Implementation, parameter, options);
        }
        catch (Exception exception) when (exception is not LayerNetException)
        {
            var inner = PluginFault.Unwrap(exception);
            if (inner is LayerNetException layerNetException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(layerNetException);
            }

            throw new LayerNetException($"solver type '{type}': cannot create {registration.Implementation.FullName} from {registration.Source}: {PluginFault.Describe(inner)}", inner);
        }
    }

    /// <summary>The layer factory the solvers build nets with.</summary>
    public LayerFactory Layers => _services.GetRequiredService<LayerFactory>();
}
