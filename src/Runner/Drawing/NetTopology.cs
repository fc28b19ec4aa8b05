using LayerNet.Blobs;
using LayerNet.Nets;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// A built net as a graph of layers and blob values: which value each bottom reads and each top writes, telling
/// apart the successive values of a blob written in place, and which layers the net inserted (Split).
/// </summary>
internal sealed class NetTopology
{
    private NetTopology(Net net)
    {
        Net = net;
    }

    /// <summary>The net.</summary>
    public Net Net { get; }

    /// <summary>Every blob value, in the order the forward pass writes them (net inputs first).</summary>
    public List<BlobVersion> Versions { get; } = [];

    /// <summary>For each layer, the value each bottom reads.</summary>
    public List<BlobVersion[]> Bottoms { get; } = [];

    /// <summary>For each layer, the value each top writes.</summary>
    public List<BlobVersion[]> Tops { get; } = [];

    /// <summary>For each layer, true when the net inserted it (a Split for a blob that feeds several layers).</summary>
    public List<bool> Inserted { get; } = [];

    /// <summary>For each layer, true when one of its tops is one of its bottoms (computed in place).</summary>
    public List<bool> InPlace { get; } = [];

    /// <summary>The learnable blobs' values and gradients by (layer, blob index), when a pass recorded them.</summary>
    public Dictionary<(int Layer, int Index), (ValueSummary Data, ValueSummary? Diff)> ParameterValues { get; } = [];

    /// <summary>The total weighted loss of the recorded pass, or null when none ran.</summary>
    public float? Loss { get; set; }

    /// <summary>Works out the graph of <paramref name="net"/>.</summary>
    public static NetTopology Of(Net net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var topology = new NetTopology(net);
        var blobIndex = new Dictionary<Blob, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < net.Blobs.Count; i++)
        {
            blobIndex[net.Blobs[i]] = i;
        }

        var current = new Dictionary<Blob, BlobVersion>(ReferenceEqualityComparer.Instance);
        BlobVersion Read(Blob blob)
        {
            if (!current.TryGetValue(blob, out var version))
            {
                // Read before any layer writes it: a net input.
                version = new BlobVersion(blob, blobIndex[blob], 0, -1, 0);
                topology.Versions.Add(version);
                current[blob] = version;
            }

            return version;
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in net.Parameter.Layer)
        {
            written.Add(layer.Name);
        }

        for (var i = 0; i < net.Layers.Count; i++)
        {
            var bottoms = new BlobVersion[net.Steps[i].Bottom.Count];
            for (var j = 0; j < bottoms.Length; j++)
            {
                bottoms[j] = Read(net.Steps[i].Bottom[j]);
                bottoms[j].Consumers.Add((i, j));
            }

            var tops = new BlobVersion[net.Steps[i].Top.Count];
            var inPlace = false;
            for (var k = 0; k < tops.Length; k++)
            {
                var blob = net.Steps[i].Top[k];
                inPlace |= net.Steps[i].Bottom.Any(bottom => ReferenceEquals(bottom, blob));
                var version = current.TryGetValue(blob, out var previous) ? previous.Version + 1 : 0;
                tops[k] = new BlobVersion(blob, blobIndex[blob], version, i, k);
                topology.Versions.Add(tops[k]);
                current[blob] = tops[k];
            }

            topology.Bottoms.Add(bottoms);
            topology.Tops.Add(tops);
            topology.InPlace.Add(inPlace);
            topology.Inserted.Add(net.Layers[i].Type == "Split" && !written.Contains(net.Layers[i].Name));
        }

        return topology;
    }
}
