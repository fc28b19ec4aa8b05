using System.Text;

namespace LayerNet.Runner.Drawing;

/// <summary>An ordered list of DOT attributes; later values replace earlier ones of the same name.</summary>
internal sealed class DotAttributes
{
    private readonly List<(string Name, string Value, bool IsHtml)> _attributes = [];

    /// <summary>The number of attributes.</summary>
    public int Count => _attributes.Count;

    /// <summary>Sets a plain attribute (written quoted and escaped).</summary>
    public DotAttributes Set(string name, string value) => Put(name, value, isHtml: false);

    /// <summary>Sets an HTML-like attribute (a label); <paramref name="html"/> must already be escaped with <see cref="DotGraph.Html"/>.</summary>
    public DotAttributes SetHtml(string name, string html) => Put(name, html, isHtml: true);

    /// <summary>The value of an attribute, or null.</summary>
    public string? Get(string name)
    {
        foreach (var attribute in _attributes)
        {
            if (attribute.Name == name)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    /// <summary>The attributes as a DOT attribute list (<c> [a="x", label=&lt;...&gt;]</c>), or empty.</summary>
    public string Format()
    {
        if (_attributes.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder(" [");
        for (var i = 0; i < _attributes.Count; i++)
        {
            var (name, value, isHtml) = _attributes[i];
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(name).Append('=');
            builder.Append(isHtml ? $"<{value}>" : DotGraph.Quote(value));
        }

        return builder.Append(']').ToString();
    }

    private DotAttributes Put(string name, string value, bool isHtml)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _attributes.RemoveAll(attribute => attribute.Name == name);
        _attributes.Add((name, value, isHtml));
        return this;
    }
}
