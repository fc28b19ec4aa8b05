using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// The top-k classification accuracy (Caffe's Accuracy): bottom 0 holds scores, bottom 1 one integer label per
/// (outer, inner) position; an optional second top receives the accuracy of each class.
/// </summary>
/// <remarks>
/// <para>
/// The scores are read as outer x C x inner around <c>accuracy_param.axis</c> (default 1); the labels must number
/// outer x inner. A position with label l is a hit when fewer than k = <c>top_k</c> other classes score at least
/// x(l): ties count against it. Positions whose label is <c>accuracy_param.ignore_label</c> (when given) are
/// skipped.
/// </para>
/// <para>
/// Forward: accuracy = hits / positions counted (0 when none). Per class c (second top, shape [C]): the hits among the
/// positions labelled c over those positions (0 for a class no position has).
/// </para>
/// <para>
/// No backward: the accuracy is not differentiable, and neither bottom may be forced to backward. A label outside
/// [0, C) (a negative one included) that is not the ignore label is only seen in forward, which then stops with an
/// error naming the layer, the item and the label: Caffe only DCHECKs it.
/// </para>
/// </remarks>
public sealed class AccuracyLayer : Layer
{
    private readonly int _topK;
    private readonly int _axis;
    private readonly bool _hasIgnoreLabel;
    private readonly int _ignoreLabel;
    private LabelGrid _grid;
    private float[] _classCounts = [];

    /// <summary>Creates the layer from its definition (<c>accuracy_param</c>).</summary>
    public AccuracyLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(2), tops: BlobArity.Between(1, 2))
    {
        var p = parameter.AccuracyParam ?? new AccuracyParameter();
        _topK = PositiveCount(p.TopK, "accuracy_param.top_k");
        _axis = p.Axis;
        _hasIgnoreLabel = p.HasIgnoreLabel;
        _ignoreLabel = p.IgnoreLabel;
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var scores = bottom[0];
        var axis = CanonicalAxis(_axis, scores, "accuracy_param.axis");
        var grid = LabelGrid.Around(scores, axis, _hasIgnoreLabel, _ignoreLabel);
        _grid = grid;
        if (bottom[1].Count != grid.Positions)
        {
            throw Error($"bottom '{bottom[1].Name}' ({bottom[1].ShapeString}) must hold one label per position of '{scores.Name}' ({scores.ShapeString}) around axis {axis}: {grid.Outer} x {grid.Inner} = {grid.Positions} labels, each in [0, {grid.Classes})");
        }

        if (_topK > grid.Classes)
        {
            throw Error($"accuracy_param.top_k {_topK} exceeds the {grid.Classes} classes of bottom '{scores.Name}' ({scores.ShapeString}) on axis {axis}");
        }

        top[0].Reshape([]);
        if (top.Count > 1)
        {
            top[1].Reshape([grid.Classes]);
            if (_classCounts.Length < grid.Classes)
            {
                _classCounts = new float[grid.Classes];
            }
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> scores = bottom[0].Data;
        ReadOnlySpan<float> labels = bottom[1].Data;
        var perClass = top.Count > 1;
        var classHits = perClass ? top[1].Data : [];
        var classCounts = perClass ? _classCounts.AsSpan(0, _grid.Classes) : [];
        classHits.Clear();
        classCounts.Clear();
        var classes = _grid.Classes;
        var inner = _grid.Inner;
        var hits = 0;
        var counted = 0;
        var walk = _grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            var label = walk.Label;
            var at = walk.At;
            var truth = scores[walk.Truth];

            // Count the classes scoring at least the true one (itself included), stopping once k are found.
            var atLeast = 0;
            for (var c = 0; c < classes && atLeast <= _topK; c++)
            {
                if (scores[at + (c * inner)] >= truth)
                {
                    atLeast++;
                }
            }

            if (atLeast <= _topK)
            {
                hits++;
                if (perClass)
                {
                    classHits[label]++;
                }
            }

            if (perClass)
            {
                classCounts[label]++;
            }

            counted++;
        }

        if (walk.SawBadLabel)
        {
            throw Error(_grid.BadLabel(labels)!);
        }

        top[0].Data[0] = counted == 0 ? 0f : (float)hits / counted;
        for (var c = 0; c < classCounts.Length; c++)
        {
            classHits[c] = classCounts[c] == 0f ? 0f : classHits[c] / classCounts[c];
        }
    }
}
