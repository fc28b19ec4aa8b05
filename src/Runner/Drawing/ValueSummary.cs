using System.Globalization;
using System.Numerics.Tensors;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// What a drawing shows of a blob's numbers: all of them for a small blob, mean, standard deviation, minimum and
/// maximum for a larger one.
/// </summary>
internal sealed class ValueSummary
{
    /// <summary>The most values shown one by one.</summary>
    public const int ListedLimit = 8;

    private ValueSummary(float[]? values, int count, double mean, double std, float min, float max)
    {
        Values = values;
        Count = count;
        Mean = mean;
        Std = std;
        Min = min;
        Max = max;
    }

    /// <summary>Every value, when there are at most <see cref="ListedLimit"/>; otherwise null.</summary>
    public float[]? Values { get; }

    /// <summary>How many values.</summary>
    public int Count { get; }

    /// <summary>The mean.</summary>
    public double Mean { get; }

    /// <summary>The (population) standard deviation.</summary>
    public double Std { get; }

    /// <summary>The smallest value.</summary>
    public float Min { get; }

    /// <summary>The largest value.</summary>
    public float Max { get; }

    /// <summary>Summarises <paramref name="values"/> (copied when few, so later writes to the blob do not change it).</summary>
    public static ValueSummary Of(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return new ValueSummary([], 0, 0, 0, 0, 0);
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        var variance = 0.0;
        foreach (var v in values)
        {
            variance += (v - mean) * (v - mean);
        }

        return new ValueSummary(
            values.Length <= ListedLimit ? values.ToArray() : null,
            values.Length,
            mean,
            Math.Sqrt(variance / values.Length),
            TensorPrimitives.Min(values),
            TensorPrimitives.Max(values));
    }

    /// <summary>The summary as lines of text: the values (four to a line), or <c>mean … std …</c> and <c>min … max …</c>.</summary>
    public IReadOnlyList<string> Lines()
    {
        if (Values is { } values)
        {
            if (values.Length == 0)
            {
                return ["(empty)"];
            }

            var lines = new List<string>();
            for (var start = 0; start < values.Length; start += 4)
            {
                lines.Add(string.Join("  ", values.Skip(start).Take(4).Select(v => Format(v))));
            }

            return lines;
        }

        return [$"mean {Format(Mean)}  std {Format(Std)}", $"min {Format(Min)}  max {Format(Max)}"];
    }

    /// <summary>
    /// A number as the lecture writes them: two decimals (<c>0.73</c>, <c>-0.20</c>, <c>2.00</c>), more for small
    /// numbers so that two significant digits remain, and an exponent for very small or large ones.
    /// </summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var magnitude = Math.Abs(value);
        return magnitude switch
        {
            0 => "0",
            >= 1e5 or < 1e-3 => value.ToString("0.0#e+0", CultureInfo.InvariantCulture),
            >= 0.1 => value.ToString("0.00", CultureInfo.InvariantCulture),
            >= 0.01 => value.ToString("0.000", CultureInfo.InvariantCulture),
            _ => value.ToString("0.0000", CultureInfo.InvariantCulture),
        };
    }
}
