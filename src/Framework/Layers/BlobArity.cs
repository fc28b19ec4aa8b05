namespace LayerNet.Layers;

/// <summary>How many bottom or top blobs a layer takes: a minimum and a maximum (inclusive).</summary>
/// <param name="Minimum">Fewest blobs allowed.</param>
/// <param name="Maximum">Most blobs allowed (<see cref="int.MaxValue"/> for no limit).</param>
public readonly record struct BlobArity(int Minimum, int Maximum)
{
    /// <summary>Any number of blobs, none included.</summary>
    public static BlobArity Any => new(0, int.MaxValue);

    /// <summary>Exactly <paramref name="count"/> blobs.</summary>
    public static BlobArity Exactly(int count) => new(count, count);

    /// <summary>At least <paramref name="count"/> blobs.</summary>
    public static BlobArity AtLeast(int count) => new(count, int.MaxValue);

    /// <summary>Between <paramref name="minimum"/> and <paramref name="maximum"/> blobs, inclusive.</summary>
    public static BlobArity Between(int minimum, int maximum) => new(minimum, maximum);

    /// <summary>True when <paramref name="count"/> blobs are allowed.</summary>
    public bool Allows(int count) => count >= Minimum && count <= Maximum;

    /// <summary>Describes the rule for an error message: "1", "at least 2", "1 or 2", "between 1 and 3".</summary>
    public string Describe()
    {
        if (Minimum == Maximum)
        {
            return Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (Maximum == int.MaxValue)
        {
            return $"at least {Minimum}";
        }

        return Maximum == Minimum + 1 ? $"{Minimum} or {Maximum}" : $"between {Minimum} and {Maximum}";
    }
}
