using System.Runtime.CompilerServices;
using Google.Protobuf;
using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>
/// Remembers where each message read from a text file began (the position of its first token for
/// the top-level message, the position of the field name for a nested one, e.g. <c>layer {</c>),
/// so that errors found later (net construction, layer set-up) can point at the model file.
/// </summary>
/// <remarks>Keyed by object identity and held weakly: a message that is garbage collected leaves no entry.</remarks>
public static class SourcePositions
{
    private static readonly ConditionalWeakTable<IMessage, StrongBox<SourcePosition>> Table = new();

    /// <summary>Records where <paramref name="message"/> was read.</summary>
    public static void Set(IMessage message, SourcePosition position)
    {
        ArgumentNullException.ThrowIfNull(message);
        Table.AddOrUpdate(message, new StrongBox<SourcePosition>(position));
    }

    /// <summary>Where <paramref name="message"/> was read, or null for a message built in code or read from binary.</summary>
    public static SourcePosition? Get(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Table.TryGetValue(message, out var box) ? box.Value : null;
    }
}
