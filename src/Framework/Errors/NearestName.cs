namespace LayerNet.Errors;

/// <summary>Finds the known name closest to a misspelt one, for "did you mean" suggestions.</summary>
public static class NearestName
{
    // Longer names get no suggestion: far longer than any layer type, field or command name.
    private const int MaxNameLength = 256;

    /// <summary>
    /// The candidate with the smallest edit distance to <paramref name="name"/> (case-insensitive), or null
    /// when none is close enough to be a plausible typo (distance at most a third of the length, minimum 2).
    /// </summary>
    public static string? Find(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Max(2, name.Length / 3);
        if (name.Length > MaxNameLength)
        {
            // No typo of a known name is this long; the distance would cost length x length (gigabytes for megabytes).
            return null;
        }

        var upper = name.ToUpperInvariant();
        foreach (var candidate in candidates)
        {
            if (Math.Abs(candidate.Length - name.Length) > limit)
            {
                // The distance is at least the difference in length: too far to suggest, so not computed.
                continue;
            }

            var distance = Distance(upper, candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= limit ? best : null;
    }

    /// <summary>Levenshtein distance with adjacent transpositions counting as one edit.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
