using Caffe;

namespace LayerNet.Plugins;

/// <summary>
/// One registered parameter rule (<see cref="LayerNetBuilder.AddParameterRule"/>): a function that rewrites the
/// definition of every layer of one type before the layer is created, and where it came from.
/// </summary>
public sealed class ParameterRuleRegistration
{
    internal ParameterRuleRegistration(string typeName, Func<LayerParameter, LayerParameter> rule, string source)
    {
        TypeName = typeName;
        Rule = rule;
        Source = source;
    }

    /// <summary>The layer type whose definitions the rule rewrites, e.g. "Pooling".</summary>
    public string TypeName { get; }

    /// <summary>The rule: given a copy of the definition as read (extension fields included), the definition the layer is built from.</summary>
    public Func<LayerParameter, LayerParameter> Rule { get; }

    /// <summary>Where the registration came from: "built in" or a plugin's path.</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"parameter rule for {TypeName} ({Source})";
}
