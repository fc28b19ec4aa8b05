namespace LayerNet.Plugins;

/// <summary>
/// One registered type: the type string a file names, the class, and where the registration came from. Only the
/// framework creates registrations (through <see cref="LayerNetBuilder"/>), so the source cannot be claimed by
/// anyone else.
/// </summary>
public abstract class Registration
{
    private protected Registration(string typeName, Type implementation, string source)
    {
        TypeName = typeName;
        Implementation = implementation;
        Source = source;
    }

    /// <summary>The <c>type</c> string in a model or solver file, e.g. "InnerProduct" or "SGD".</summary>
    public string TypeName { get; }

    /// <summary>The class that implements the type.</summary>
    public Type Implementation { get; }

    /// <summary>Where the registration came from: "built in" or a plugin's path.</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{TypeName} ({Implementation.FullName}, {Source})";
}
