using LayerNet.Errors;

namespace LayerNet.Text;

/// <summary>One token of a prototxt text: where it is and what it says.</summary>
/// <param name="Kind">What kind of token it is.</param>
/// <param name="Text">The token as written (a string token keeps its quotes and escapes).</param>
/// <param name="Position">Where the token starts.</param>
/// <param name="StringBytes">For a string token, its content with escapes resolved, as bytes (UTF-8 for plain text).</param>
internal readonly record struct PrototxtToken(PrototxtTokenKind Kind, string Text, SourcePosition Position, byte[]? StringBytes = null)
{
    /// <summary>Whether this is the symbol <paramref name="symbol"/>.</summary>
    public bool IsSymbol(char symbol) => Kind == PrototxtTokenKind.Symbol && Text.Length == 1 && Text[0] == symbol;

    /// <summary>The token as an error message quotes it.</summary>
    public string Describe() => Kind switch
    {
        PrototxtTokenKind.End => "end of file",
        PrototxtTokenKind.String => Text,
        _ => $"'{Text}'",
    };
}
