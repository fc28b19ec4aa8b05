using LayerNet.Errors;

namespace LayerNet.Plugins;

/// <summary>
/// The registrations of one kind (layers or solvers) by type name: the one place where a second registration of a
/// name is refused, naming both sources. The builder fills one as plugins register; each factory fills its own
/// from the service provider, so that a registration added to the services by hand is checked too.
/// </summary>
/// <param name="kind">"layer" or "solver", for the messages.</param>
internal sealed class RegistrationTable<TRegistration>(string kind)
    where TRegistration : Registration
{
    private readonly Dictionary<string, TRegistration> _byName = new(StringComparer.Ordinal);

    /// <summary>Every registration, sorted by type name.</summary>
    public IReadOnlyList<TRegistration> Sorted => [.. _byName.Values.OrderBy(r => r.TypeName, StringComparer.Ordinal)];

    /// <summary>Every registration, in the order they were added.</summary>
    public IReadOnlyCollection<TRegistration> All => _byName.Values;

    /// <summary>Fills a table from registrations, refusing duplicates.</summary>
    public static RegistrationTable<TRegistration> Of(string kind, IEnumerable<TRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var table = new RegistrationTable<TRegistration>(kind);
        foreach (var registration in registrations)
        {
            table.Add(registration);
        }

        return table;
    }

    /// <summary>Adds a registration.</summary>
    /// <exception cref="LayerNetException">The type name is taken (the message names both sources and classes).</exception>
    public void Add(TRegistration registration)
    {
        if (_byName.TryGetValue(registration.TypeName, out var existing))
        {
            throw new LayerNetException(
                $"{kind} type '{registration.TypeName}' is registered twice: by {existing.Source} ({existing.Implementation.FullName}) and by {registration.Source} ({registration.Implementation.FullName})");
        }

        _byName.Add(registration.TypeName, registration);
    }

    /// <summary>True when <paramref name="typeName"/> is registered.</summary>
    public bool Contains(string typeName) => _byName.ContainsKey(typeName);

    /// <summary>The registration of <paramref name="typeName"/>, if any.</summary>
    public bool TryGet(string typeName, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TRegistration registration) =>
        _byName.TryGetValue(typeName, out registration);

    /// <summary>"; did you mean 'X'?" for the registered name nearest to <paramref name="typeName"/>, then the list of registered names.</summary>
    public string SuggestionAndNames(string typeName)
    {
        var names = _byName.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var nearest = NearestName.Find(typeName, names);
        var suggestion = nearest is null ? string.Empty : $"; did you mean '{nearest}'?";
        return $"{suggestion} Registered types: {string.Join(", ", names)}";
    }
}
