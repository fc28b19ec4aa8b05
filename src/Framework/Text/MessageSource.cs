using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>
/// Where a message read from text began, and where each message nested in it began: a tree that follows the
/// message's fields (field number, then index in a repeated field), returned by the reader beside the message.
/// </summary>
/// <remarks>
/// Keyed by the structure of the message, not by object identity, so a clone of the message (or of any part
/// of it) is found in the same tree: <c>source.Child(NetParameter.LayerFieldNumber, 3)</c> is where the fourth
/// <c>layer { }</c> block of a net begins, whichever copy of that layer a caller holds.
/// </remarks>
public sealed class MessageSource
{
    private Dictionary<(int Field, int Index), MessageSource>? _children;

    /// <summary>Creates the source of a message that began at <paramref name="position"/>.</summary>
    public MessageSource(SourcePosition position)
    {
        Position = position;
    }

    /// <summary>
    /// Where the message began: the first token of the text for the top-level message, the field name of a nested
    /// one (<c>layer {</c>), the opening brace of an element of a <c>[ {...}, {...} ]</c> list.
    /// </summary>
    public SourcePosition Position { get; }

    /// <summary>The file the message was read from, as the user named it (empty when the text had no file).</summary>
    public string File => Position.File;

    /// <summary>
    /// The source of the message held by field <paramref name="fieldNumber"/> (element <paramref name="index"/> of a
    /// repeated field), or null when the text did not give it.
    /// </summary>
    public MessageSource? Child(int fieldNumber, int index = 0) =>
        _children is not null && _children.TryGetValue((fieldNumber, index), out var child) ? child : null;

    /// <summary>An error about this message, placed where it began.</summary>
    public LayerNetException Error(string message) => new(Position, message);

    /// <summary>Records (once) where a nested message began; the reader's side of <see cref="Child"/>.</summary>
    internal MessageSource Add(int fieldNumber, int index, SourcePosition position)
    {
        _children ??= [];
        if (!_children.TryGetValue((fieldNumber, index), out var child))
        {
            child = new MessageSource(position);
            _children.Add((fieldNumber, index), child);
        }

        return child;
    }
}
