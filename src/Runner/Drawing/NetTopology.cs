using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Text;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// A net as a graph of layers and blob values: which value each bottom reads and each top writes, telling apart
/// the successive values of a blob written in place. From a built net it also knows the shapes and which layers
/// the net inserted (Split); from a definition alone (a data source missing), only the layers the phase keeps.
/// </summary>
internal sealed class NetTopology
{
    private NetTopology(string name, Phase phase, Net? net)
    {
        Name = name;
        Phase = phase;
        Net = net;
    }

    /// <summary>The net's name (may be empty).</summary>
    public string Name { get; }

    /// <summary>The phase the layers were chosen for.</summary>
    public Phase Phase { get; }

    /// <summary>The built net; null when drawn from the definition alone.</summary>
    public Net? Net { get; }

    /// <summary>The layers, in the order they run.</summary>
    public List<DrawnLayer> Layers { get; } = [];

    /// <summary>Every blob value, in the order the forward pass writes them (net inputs first).</summary>
    public List<BlobVersion> Versions { get; } = [];

    /// <summary>For each layer, the value each bottom reads.</summary>
    public List<BlobVersion[]> Bottoms { get; } = [];

    /// <summary>For each layer, the value each top writes.</summary>
    public List<BlobVersion[]> Tops { get; } = [];

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
        var topology = new NetTopology(net.Name, net.Phase, net);
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
                version = new BlobVersion(blob.Name, blob, blobIndex[blob], 0, -1, 0);
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
                tops[k] = new BlobVersion(blob.Name, blob, blobIndex[blob], version, i, k);
                topology.Versions.Add(tops[k]);
                current[blob] = tops[k];
            }

            topology.Bottoms.Add(bottoms);
            topology.Tops.Add(tops);
            topology.InPlace.Add(inPlace);
            topology.Layers.Add(DrawnLayer.Built(net.Layers[i], net.Layers[i].Type == "Split" && !written.Contains(net.Layers[i].Name)));
        }

        return topology;
    }

    /// <summary>
    /// Works out the graph from the definition alone, without building the net (no data layer opens its source): the
    /// layers a net in <paramref name="phase"/> keeps, created from their definitions but not set up; no Split is
    /// inserted and no shape is known.
    /// </summary>
    /// <param name="parameter">The net's definition (upgraded, as read from its file).</param>
    /// <param name="source">Where each block of the definition is in its file, for errors; null when unknown.</param>
    /// <param name="phase">The phase whose layers are drawn.</param>
    /// <param name="factory">Creates each layer by type (an unknown type is the net's error).</param>
    /// <exception cref="LayerNetException">A layer gives both include and exclude rules, its type is unknown, or a bottom names a blob no earlier layer writes.</exception>
    public static NetTopology Defined(NetParameter parameter, MessageSource? source, Phase phase, LayerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(factory);
        var topology = new NetTopology(parameter.Name, phase, net: null);
        var state = parameter.State?.Clone() ?? new NetState();
        state.Phase = phase;
        var blobIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var current = new Dictionary<string, BlobVersion>(StringComparer.Ordinal);
        for (var i = 0; i < parameter.Layer.Count; i++)
        {
            var definition = parameter.Layer[i];
            var origin = source?.Child(NetParameter.LayerFieldNumber, i) is { } child ? Origin.At(child.Position) : source is null ? default : Origin.InFile(source.File);
            if (!Net.Includes(state, definition, origin))
            {
                continue;
            }

            var index = topology.Layers.Count;
            var bottoms = new BlobVersion[definition.Bottom.Count];
            for (var j = 0; j < bottoms.Length; j++)
            {
                if (!current.TryGetValue(definition.Bottom[j], out var read))
                {
                    throw origin.Error($"layer '{definition.Name}' ({definition.Type}): unknown bottom blob '{definition.Bottom[j]}' (bottom {j}); no earlier layer produces it");
                }

                bottoms[j] = read;
                read.Consumers.Add((index, j));
            }

            var tops = new BlobVersion[definition.Top.Count];
            var inPlace = false;
            for (var k = 0; k < tops.Length; k++)
            {
                var name = definition.Top[k];
                inPlace |= definition.Bottom.Contains(name);
                if (!blobIndex.TryGetValue(name, out var blob))
                {
                    blob = blobIndex.Count;
                    blobIndex[name] = blob;
                }

                var version = current.TryGetValue(name, out var previous) ? previous.Version + 1 : 0;
                tops[k] = new BlobVersion(name, null, blob, version, index, k);
                topology.Versions.Add(tops[k]);
                current[name] = tops[k];
            }

            topology.Bottoms.Add(bottoms);
            topology.Tops.Add(tops);
            topology.InPlace.Add(inPlace);
            topology.Layers.Add(DrawnLayer.Defined(factory.Create(definition, origin)));
        }

        return topology;
    }
}
