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

    /// <summary>Starts a walk over <paramref name="labels"/> (<see cref="Positions"/> of them), position by position.</summary>
    public LabelWalk Walk(ReadOnlySpan<float> labels) => new(labels, this);
}
