using System.Globalization;
using System.Text;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// A directed graph in Graphviz's DOT language: graph, node and edge attributes, nodes, edges, written with
/// every identifier and label quoted and escaped, so any name a model file allows (quotes, backslashes, braces,
/// non-ASCII) reaches Graphviz intact.
/// </summary>
/// <remarks>
/// An attribute value is either plain text (written as a DOT quoted string) or an HTML-like label (written
/// between <c>&lt;</c> and <c>&gt;</c>; build its text with <see cref="Html"/> so that user text is escaped).
/// </remarks>
internal sealed class DotGraph
{
    private readonly List<string> _statements = [];

    /// <summary>Graph-wide attributes (rankdir, fontname, label, ...).</summary>
    public DotAttributes GraphAttributes { get; } = new();

    /// <summary>Defaults for every node.</summary>
    public DotAttributes NodeDefaults { get; } = new();

    /// <summary>Defaults for every edge.</summary>
    public DotAttributes EdgeDefaults { get; } = new();

    /// <summary>The number of nodes added.</summary>
    public int NodeCount { get; private set; }

    /// <summary>The number of edges added.</summary>
    public int EdgeCount { get; private set; }

    /// <summary>Adds a node.</summary>
    public void AddNode(string id, DotAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(attributes);
        _statements.Add($"{Quote(id)}{attributes.Format()};");
        NodeCount++;
    }

    /// <summary>Adds an edge from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void AddEdge(string from, string to, DotAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        _statements.Add($"{Quote(from)} -> {Quote(to)}{attributes?.Format()};");
        EdgeCount++;
    }

    /// <summary>Writes the graph as DOT text.</summary>
    public void Write(TextWriter writer, string name)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"digraph {Quote(name)} {{");
        WriteDefaults(writer, "graph", GraphAttributes);
        WriteDefaults(writer, "node", NodeDefaults);
        WriteDefaults(writer, "edge", EdgeDefaults);
        foreach (var statement in _statements)
        {
            writer.Write("  ");
            writer.WriteLine(statement);
        }

        writer.WriteLine("}");
    }

    /// <summary>The graph as DOT text.</summary>
    public string ToDot(string name)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(writer, name);
        return writer.ToString();
    }

    /// <summary>
    /// A DOT quoted string: <c>"</c> and <c>\</c> escaped (a backslash would otherwise start one of DOT's label
    /// escapes such as <c>\N</c>), line breaks as <c>\n</c> (centered lines in a label).
    /// </summary>
    public static string Quote(string text) =>
        "\"" + Escape(text, c => c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => string.Empty,
            _ when char.IsControl(c) => " ",
            _ => null,
        }) + "\"";

    /// <summary>Text for an HTML-like label: <c>&amp; &lt; &gt; "</c> as entities, control characters dropped.</summary>
    public static string Html(string text) =>
        Escape(text, c => c switch
        {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            _ when char.IsControl(c) => string.Empty,
            _ => null,
        });

    // Each character as itself, or as what the replacement gives for it (null: keep it).
    private static string Escape(string text, Func<char, string?> replacement)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (replacement(c) is { } replaced)
            {
                builder.Append(replaced);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static void WriteDefaults(TextWriter writer, string kind, DotAttributes attributes)
    {
        if (attributes.Count > 0)
        {
            writer.WriteLine($"  {kind}{attributes.Format()};");
        }
    }
}
