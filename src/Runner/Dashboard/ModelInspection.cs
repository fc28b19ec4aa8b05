using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Nets;
using LayerNet.Runner.Commands;
using LayerNet.Runner.Drawing;
using LayerNet.Solvers;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The Model page's work: a net file read and built as <c>layernet draw</c> reads it (drawn from its definition when
/// a data source is missing), its drawing through Graphviz, and a snapshot's learnable blobs as statistics and
/// filter pictures.
/// </summary>
internal static class ModelInspection
{
    /// <summary>What the page says when Graphviz's dot is missing.</summary>
    public const string NoGraphviz =
        "no drawing: Graphviz's 'dot' program is not on the server's PATH; install the package graphviz (apt-get install graphviz) and reload";

    /// <summary>The report on the net file <paramref name="modelFile"/> (absolute), with the snapshot <paramref name="weightsFile"/> when given.</summary>
    /// <exception cref="LayerNetException">The net file or the snapshot cannot be read (the reader's message, with its line).</exception>
    public static ModelNetReport Report(DashboardRoot root, string modelFile, string? weightsFile, Phase phase)
    {
        ArgumentNullException.ThrowIfNull(root);
        var (topology, missing) = Topology(modelFile, phase);
        var trained = weightsFile is null ? null : TrainedBlobs(weightsFile);
        var layers = new List<ModelLayerRow>();
        long? total = 0;
        var defined = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < topology.Layers.Count; i++)
        {
            var layer = topology.Layers[i];
            defined.Add(layer.Name);
            var tops = topology.Tops[i].Select(top => new ModelTopShape(top.Name, top.Blob is { } blob ? string.Join(' ', blob.Shape) : null)).ToList();
            IReadOnlyList<IReadOnlyList<int>>? shapes = topology.Net is not null
                ? [.. layer.Blobs.Select(blob => blob.Shape)]
                : trained is not null && trained.TryGetValue(layer.Name, out var fromSnapshot) ? [.. fromSnapshot.Blobs.Select(blob => blob.Shape)] : null;
            long? count = shapes?.Sum(shape => shape.Aggregate(1L, (product, axis) => product * axis));
            if (shapes is null && layer.Learns)
            {
                total = null;
            }
            else if (total is not null && count is not null)
            {
                total += count;
            }

            layers.Add(new ModelLayerRow(
                layer.Name, layer.Type, [.. topology.Bottoms[i].Select(bottom => bottom.Name)], tops, layer.Learns || count > 0 ? count : 0,
                shapes?.Select(shape => string.Join(' ', shape)).ToList() ?? [], layer.Inserted));
        }

        var rows = new List<ModelWeightRow>();
        if (trained is not null)
        {
            foreach (var (name, (type, blobs)) in trained)
            {
                if (!defined.Contains(name))
                {
                    continue;
                }

                for (var k = 0; k < blobs.Count; k++)
                {
                    var values = blobs[k].Data;
                    var summary = ValueSummary.Of(values);
                    rows.Add(new ModelWeightRow(
                        name, type, k, string.Join(' ', blobs[k].Shape), values.Length, summary.Mean, summary.Std, summary.Min, summary.Max,
                        values.IsEmpty ? 0 : TensorPrimitives.Norm(values), k == 0 && blobs[k].AxisCount == 4));
                }
            }
        }

        return new ModelNetReport(
            topology.Name, phase.ToString().ToUpperInvariant(), missing is null ? null : $"no shapes: {missing} not found (the net is shown from its definition)",
            Graphviz.Find() is null ? NoGraphviz : null, total, layers, weightsFile is null ? null : root.Relative(weightsFile), rows);
    }

    /// <summary>The net drawn as <c>layernet draw -o net.svg</c> draws it.</summary>
    /// <exception cref="LayerNetException">The net file cannot be read, or dot is missing or fails.</exception>
    public static string Svg(string modelFile, Phase phase, string rankDirection)
    {
        var (topology, _) = Topology(modelFile, phase);
        var dot = NetDrawing.Draw(topology, withValues: false, rankDirection).ToDot(topology.Name.Length > 0 ? topology.Name : "net");
        var folder = Directory.CreateTempSubdirectory("layernet-drawing-").FullName;
        try
        {
            var file = Path.Combine(folder, "net.svg");
            Graphviz.Render(dot, "svg", file);
            return File.ReadAllText(file);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A convolution's filters from a snapshot as a PNG grid: one tile per output, showing its first input channel, or
    /// its three input channels in colour when it has three.
    /// </summary>
    /// <exception cref="LayerNetException">The snapshot cannot be read, or has no such layer with 4-axis weights.</exception>
    public static byte[] Filters(string weightsFile, string layerName)
    {
        var trained = TrainedBlobs(weightsFile);
        if (!trained.TryGetValue(layerName, out var layer) || layer.Blobs.Count == 0 || layer.Blobs[0].AxisCount != 4)
        {
            throw new LayerNetException($"snapshot '{Path.GetFileName(weightsFile)}' has no layer '{layerName}' with 4-axis weights (a convolution's filters)");
        }

        var weights = layer.Blobs[0];
        int outputs = weights.Shape[0], inputs = weights.Shape[1], height = weights.Shape[2], width = weights.Shape[3];
        if (inputs == 3)
        {
            return ModelImageGrid.Png(weights.Data, outputs, 3, height, width);
        }

        var plane = height * width;
        var first = new float[outputs * plane];
        for (var o = 0; o < outputs; o++)
        {
            weights.Data.Slice(o * inputs * plane, plane).CopyTo(first.AsSpan(o * plane, plane));
        }

        return ModelImageGrid.Png(first, outputs, 1, height, width);
    }

    /// <summary>Parses the page's phase: train or test (the default).</summary>
    /// <exception cref="LayerNetException">Anything else.</exception>
    public static Phase ParsePhase(string? phase) => NetLoading.ParsePhase(string.IsNullOrEmpty(phase) ? null : phase);

    // As `layernet draw` does: built when every data source is there, else from the definition (no shapes).
    private static (NetTopology Topology, string? Missing) Topology(string modelFile, Phase phase)
    {
        var services = ModelServices.Provider;
        var log = new TrainingLog(TextWriter.Null);
        var document = MessageFile.ReadNetDocument(modelFile, RunnerEnvironment.Schema(services), log);
        var missing = DataSources.FirstMissing(document.Message, phase, modelFile);
        if (missing is not null)
        {
            return (NetTopology.Defined(document.Message, document.Source, phase, RunnerEnvironment.Factory(services)), missing);
        }

        var net = new Net(document.Message, RunnerEnvironment.Factory(services), new NetOptions
        {
            State = new NetState { Phase = phase },
            Random = RandomSource.FromSeed(0),
            Source = document.Source,
            Log = log,
        });
        return (NetTopology.Of(net), null);
    }

    // The snapshot's layers that hold blobs, in file order: each one's type and blobs.
    private static Dictionary<string, (string Type, List<Blob> Blobs)> TrainedBlobs(string weightsFile)
    {
        var parameter = MessageFile.ReadWeights(weightsFile, RunnerEnvironment.Schema(ModelServices.Provider), new TrainingLog(TextWriter.Null));
        var layers = new Dictionary<string, (string, List<Blob>)>(StringComparer.Ordinal);
        foreach (var layer in parameter.Layer)
        {
            if (layer.Blobs.Count == 0 || layers.ContainsKey(layer.Name))
            {
                continue;
            }

            var blobs = new List<Blob>();
            foreach (var proto in layer.Blobs)
            {
                var blob = new Blob();
                blob.FromProto(proto);
                blobs.Add(blob);
            }

            layers[layer.Name] = (layer.Type, blobs);
        }

        return layers;
    }
}
