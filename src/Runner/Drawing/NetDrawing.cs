using System.Globalization;
using System.Text;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// Draws a net as a DOT graph: layers as rounded boxes colored by family with their key parameters, blob values
/// as ellipses with their shapes, a blob written in place as a new node for its new value, inserted Split layers
/// dashed and gray. With recorded values, every blob and learnable blob shows its forward value in green above a
/// rule and its gradient in red below it, as the lecture's figures do.
/// </summary>
internal static class NetDrawing
{
    /// <summary>Green of forward values.</summary>
    public const string ValueColor = "#1b7a2e";

    /// <summary>Red of gradients.</summary>
    public const string GradientColor = "#c62828";

    private const string FontName = "Helvetica,Arial,sans-serif";

    /// <summary>The graph of <paramref name="topology"/>; with <paramref name="withValues"/>, the values a <see cref="ValuePass"/> recorded.</summary>
    /// <param name="topology">The net's graph.</param>
    /// <param name="withValues">Label blobs and learnable blobs with values and gradients.</param>
    /// <param name="rankDirection">Graphviz's rankdir: LR (left to right, the default, as the lecture and draw_net.py), TB, BT or RL.</param>
    public static DotGraph Draw(NetTopology topology, bool withValues, string rankDirection)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var graph = new DotGraph();
        graph.GraphAttributes
            .Set("rankdir", rankDirection)
            .Set("fontname", FontName)
            .Set("nodesep", "0.25")
            .Set("ranksep", "0.35")
            .Set("labelloc", "t");
        graph.GraphAttributes.SetHtml("label", Title(topology, withValues));
        graph.NodeDefaults.Set("fontname", FontName).Set("fontsize", "11");
        graph.EdgeDefaults.Set("color", "#555555").Set("arrowsize", "0.7");

        foreach (var version in topology.Versions)
        {
            graph.AddNode(version.Id, BlobNode(topology, version, withValues));
        }

        for (var i = 0; i < topology.Layers.Count; i++)
        {
            var layer = topology.Layers[i];
            var id = LayerId(i);
            graph.AddNode(id, LayerNode(topology, i, withValues));
            foreach (var bottom in topology.Bottoms[i])
            {
                graph.AddEdge(bottom.Id, id);
            }

            foreach (var top in topology.Tops[i])
            {
                graph.AddEdge(id, top.Id);
            }

            // The lecture draws the weights as inputs of their operation; with values, so do we. A Parameter
            // layer's blob is its top, already drawn.
            if (withValues && layer.Type != "Parameter")
            {
                for (var k = 0; k < layer.Blobs.Count; k++)
                {
                    var parameterId = $"param {i}.{k}";
                    graph.AddNode(parameterId, ParameterNode(topology, i, k));
                    graph.AddEdge(parameterId, id, new DotAttributes().Set("style", "dashed").Set("color", "#888888"));
                }
            }
        }

        return graph;
    }

    /// <summary>The node id of layer <paramref name="index"/>.</summary>
    public static string LayerId(int index) => $"layer {index}";

    // Each line of a label is one font run: Graphviz places the runs of a line by its own estimate of their
    // widths, and an SVG viewer with other fonts would then draw them over each other.
    private static string Title(NetTopology topology, bool withValues)
    {
        var title = new StringBuilder();
        var name = topology.Name.Length > 0 ? topology.Name : "net";
        var heading = $"{name} ({topology.Phase.ToString().ToUpperInvariant()})";
        if (withValues && topology.Loss is { } loss)
        {
            heading += $", loss = {ValueSummary.Format(loss)}";
        }

        title.Append(CultureInfo.InvariantCulture, $"<B>{DotGraph.Html(heading)}</B>");
        if (withValues)
        {
            title.Append(CultureInfo.InvariantCulture, $"<BR/><FONT POINT-SIZE=\"10\" COLOR=\"{ValueColor}\">forward value above the line</FONT>");
            title.Append(CultureInfo.InvariantCulture, $"<BR/><FONT POINT-SIZE=\"10\" COLOR=\"{GradientColor}\">gradient of the loss below it</FONT>");
        }

        return title.ToString();
    }

    private static DotAttributes LayerNode(NetTopology topology, int index, bool withValues)
    {
        var layer = topology.Layers[index];
        var inserted = layer.Inserted;
        var style = LayerStyle.For(layer.Family);
        var rows = new List<string>();
        if (inserted)
        {
            rows.Add($"<I>split</I>");
            rows.Add(Small($"inserted: {DotGraph.Html(topology.Bottoms[index].FirstOrDefault()?.Name ?? string.Empty)} feeds {topology.Tops[index].Length} layers", "#666666"));
        }
        else
        {
            rows.Add($"<B>{DotGraph.Html(layer.Name)}</B>");
            rows.Add(Small(DotGraph.Html(layer.Type), "#333333", 10));
            foreach (var line in LayerDescription.KeyParameters(layer))
            {
                rows.Add(Small(DotGraph.Html(line), "#444444"));
            }

            if (!withValues || layer.Type == "Parameter")
            {
                for (var k = 0; k < layer.Blobs.Count && layer.Type != "Parameter"; k++)
                {
                    rows.Add(Small($"{DotGraph.Html(LayerDescription.ParameterName(layer, k))} {LayerDescription.Shape(layer.Blobs[k])}", "#444444"));
                }
            }

            if (topology.InPlace[index])
            {
                rows.Add(Small("<I>in place</I>", "#666666"));
            }
        }

        var attributes = new DotAttributes()
            .Set("shape", "box")
            .Set("style", inserted ? "rounded,dashed,filled" : "rounded,filled")
            .Set("fillcolor", style.Fill)
            .Set("color", style.Border)
            .Set("penwidth", inserted ? "1" : "1.4")
            .Set("margin", "0.12,0.06");
        attributes.SetHtml("label", Table(rows));
        return attributes;
    }

    private static DotAttributes BlobNode(NetTopology topology, BlobVersion version, bool withValues)
    {
        var fromSplit = version.Producer >= 0 && topology.Layers[version.Producer].Inserted;
        var rows = new List<string> { $"<B>{DotGraph.Html(version.Name)}</B>" };
        if (version.Blob is { } blob)
        {
            rows.Add(Small(LayerDescription.Shape(blob), "#555555"));
        }

        if (version.IsInPlace)
        {
            rows.Add(Small($"<I>in place: {DotGraph.Html(topology.Layers[version.Producer].Name)} overwrites it</I>", "#666666"));
        }

        if (withValues)
        {
            AddValues(rows, version.Data, version.Diff);
        }

        var attributes = new DotAttributes()
            .Set("shape", withValues ? "box" : "ellipse")
            .Set("style", fromSplit ? "rounded,dashed" : "rounded")
            .Set("color", fromSplit ? "#999999" : "#333333")
            .Set("margin", "0.08,0.04");
        attributes.SetHtml("label", Table(rows));
        return attributes;
    }

    private static DotAttributes ParameterNode(NetTopology topology, int layerIndex, int blobIndex)
    {
        var layer = topology.Layers[layerIndex];
        var blob = layer.Blobs[blobIndex];
        var rows = new List<string>
        {
            $"<B>{DotGraph.Html($"{layer.Name} {LayerDescription.ParameterName(layer, blobIndex)}")}</B>",
            Small(LayerDescription.Shape(blob), "#555555"),
        };
        if (topology.ParameterValues.TryGetValue((layerIndex, blobIndex), out var values))
        {
            AddValues(rows, values.Data, values.Diff);
        }

        var attributes = new DotAttributes()
            .Set("shape", "box")
            .Set("style", "filled")
            .Set("fillcolor", "#f7f7f7")
            .Set("color", "#888888")
            .Set("margin", "0.08,0.04");
        attributes.SetHtml("label", Table(rows));
        return attributes;
    }

    private static void AddValues(List<string> rows, ValueSummary? data, ValueSummary? diff)
    {
        if (data is not null)
        {
            foreach (var line in data.Lines())
            {
                rows.Add($"<FONT COLOR=\"{ValueColor}\">{DotGraph.Html(line)}</FONT>");
            }
        }

        if (diff is not null)
        {
            rows.Add(Rule);
            foreach (var line in diff.Lines())
            {
                rows.Add($"<FONT COLOR=\"{GradientColor}\">{DotGraph.Html(line)}</FONT>");
            }
        }
    }

    private const string Rule = "<HR/>";

    private static string Small(string html, string color, int size = 9) =>
        $"<FONT POINT-SIZE=\"{size}\" COLOR=\"{color}\">{html}</FONT>";

    private static string Table(List<string> rows)
    {
        var table = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">");
        foreach (var row in rows)
        {
            table.Append(row == Rule ? "<HR/>" : $"<TR><TD>{row}</TD></TR>");
        }

        return table.Append("</TABLE>").ToString();
    }
}
