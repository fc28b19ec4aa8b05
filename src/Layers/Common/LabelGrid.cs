using System.Globalization;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Where a classifier's labels point into its scores (Accuracy, SoftmaxWithLoss, MultinomialLogisticLoss): the
/// scores are outer x classes x inner, one label per (outer, inner) position; a position whose label is the ignore
/// label (when there is one) does not count, nor one whose label is outside [0, classes).
/// </summary>
/// <param name="Outer">The product of the axes before the class axis.</param>
/// <param name="Classes">The class axis's dimension.</param>
/// <param name="Inner">The product of the axes after the class axis.</param>
/// <param name="HasIgnoreLabel">Whether positions labelled <paramref name="IgnoreLabel"/> are skipped.</param>
/// <param name="IgnoreLabel">The label that marks a position to skip.</param>
internal readonly record struct LabelGrid(int Outer, int Classes, int Inner, bool HasIgnoreLabel, int IgnoreLabel)
{
    /// <summary>The number of labelled positions, outer x inner: how many labels the layer needs.</summary>
    public int Positions => Outer * Inner;

    /// <summary>The grid of <paramref name="scores"/> around its class axis <paramref name="axis"/> (already canonical).</summary>
    public static LabelGrid Around(Blob scores, int axis, bool hasIgnoreLabel, int ignoreLabel) =>
        new(scores.CountRange(0, axis), scores.Shape[axis], scores.CountFrom(axis + 1), hasIgnoreLabel, ignoreLabel);

    /// <summary>
    /// A label value as a class index, truncated toward zero as Caffe's <c>static_cast&lt;int&gt;</c>; NaN becomes
    /// <see cref="int.MinValue"/> (what the x86 conversion Caffe runs on gives), so it is out of range, never class 0.
    /// </summary>
    public static int ToLabel(float value) => float.IsNaN(value) ? int.MinValue : (int)value;

    /// <summary>Starts a walk over <paramref name="labels"/> (<see cref="Positions"/> of them), position by position.</summary>
    public LabelWalk Walk(ReadOnlySpan<float> labels) => new(labels, this);

    /// <summary>
    /// The error text for the first label of <paramref name="labels"/> outside [0, classes) that is not the ignore
    /// label: "label 12 of item 3 is out of range; expected 0 to 9 (or ignore_label 255)". Looked for only after a
    /// walk saw one (<see cref="LabelWalk.SawBadLabel"/>), so the loops stay as they are.
    /// </summary>
    /// <param name="labels">The labels the walk read.</param>
    /// <returns>The text, or null when every label counts or is ignored.</returns>
    public string? BadLabel(ReadOnlySpan<float> labels)
    {
        var walk = Walk(labels);
        var position = -1;
        while (walk.MoveNext())
        {
            position++;
            if (!walk.Counts && !(HasIgnoreLabel && walk.Label == IgnoreLabel))
            {
                var ignore = HasIgnoreLabel ? string.Create(CultureInfo.InvariantCulture, $" (or ignore_label {IgnoreLabel})") : string.Empty;
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"label {labels[position]} of {Item(position, Inner)} is out of range; expected 0 to {Classes - 1}{ignore}");
            }
        }

        return null;
    }

    /// <summary>
    /// Names a value by its item, for a blob holding <paramref name="perItem"/> values per item: "item 3", or
    /// "item 3 at position 5" when an item holds several (a label per pixel, an index per word).
    /// </summary>
    /// <param name="position">The value's index in the blob.</param>
    /// <param name="perItem">How many values each item holds.</param>
    public static string Item(int position, int perItem) =>
        perItem > 1
            ? string.Create(CultureInfo.InvariantCulture, $"item {position / perItem} at position {position % perItem}")
            : string.Create(CultureInfo.InvariantCulture, $"item {position}");
}
