namespace LayerNet.Text;

/// <summary>The kinds of token in protobuf text format, as protoc's tokenizer distinguishes them.</summary>
internal enum PrototxtTokenKind
{
    /// <summary>No more input.</summary>
    End,

    /// <summary>A name: field name, enum value, <c>true</c>, <c>inf</c>, ...</summary>
    Identifier,

    /// <summary>An integer literal: decimal, hex (<c>0x</c>) or octal (leading 0).</summary>
    Integer,

    /// <summary>A literal with a decimal point, an exponent or an <c>f</c> suffix.</summary>
    Float,

    /// <summary>A quoted string; its unescaped bytes are in <see cref="PrototxtToken.StringBytes"/>.</summary>
    String,

    /// <summary>Any other single character: <c>{ } [ ] &lt; &gt; : , ; - .</c></summary>
    Symbol,
}
