using Onnx;

namespace LayerNet.Onnx;

/// <summary>The graph being written, with the names it has used (values, nodes) and the operator sets it imports.</summary>
internal sealed class OnnxGraphWriter(OnnxExportOptions options)
{
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);

    public OnnxExportOptions Options { get; } = options;

    public GraphProto Graph { get; } = new();

    public Dictionary<string, long> Domains { get; } = new(StringComparer.Ordinal);

    /// <summary>Claims <paramref name="name"/> as a value name (true) or says it is taken (false).</summary>
    public bool Claim(string name) => _values.Add(name);

    public string UniqueValue(string name) => Unique(_values, name);

    public string UniqueNode(string name) => Unique(_nodes, name);

    public void UseDomain(string domain, long version)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        Domains[domain] = Domains.TryGetValue(domain, out var known) ? Math.Max(known, version) : version;
    }

    private static string Unique(HashSet<string> used, string name)
    {
        if (used.Add(name))
        {
            return name;
        }

        for (var suffix = 1; ; suffix++)
        {
            var candidate = $"{name}_{suffix}";
            if (used.Add(candidate))
            {
                return candidate;
            }
        }
    }
}
