using System.Globalization;
using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary><c>--input NAME=SHAPE</c> of <c>export</c> and <c>import</c>: a blob's or graph input's shape, as <c>1,3,224,224</c> or <c>1x3x224x224</c>.</summary>
internal static class InputShapes
{
    /// <summary>The shapes given, by name; each a list of positive dimensions.</summary>
    /// <exception cref="LayerNetException">An entry is not NAME=D1,D2,..., a dimension is not a positive integer, or a name is given twice.</exception>
    public static Dictionary<string, int[]> Parse(IEnumerable<string>? entries)
    {
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == entry.Length - 1)
            {
                throw new LayerNetException($"--input '{entry}': expected NAME=SHAPE, e.g. data=1,3,224,224");
            }

            var name = entry[..equals];
            var dims = entry[(equals + 1)..].Split([',', 'x', 'X'], StringSplitOptions.TrimEntries);
            var shape = new int[dims.Length];
            for (var i = 0; i < dims.Length; i++)
            {
                if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
                {
                    throw new LayerNetException($"--input '{entry}': dimension '{dims[i]}' is not a positive integer");
                }
            }

            if (!shapes.TryAdd(name, shape))
            {
                throw new LayerNetException($"--input: '{name}' is given twice");
            }
        }

        return shapes;
    }
}
