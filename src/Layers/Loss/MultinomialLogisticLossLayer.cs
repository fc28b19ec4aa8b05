using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The negative log-likelihood of given probabilities (Caffe's MultinomialLogisticLoss): bottom 0 holds N x C
/// probabilities (e.g. a Softmax's top), bottom 1 one integer label per item.
/// </summary>
/// <remarks>
/// <para>
/// With C = the count of bottom 0 over N and l(n) the label of item n, forward:
/// loss = -sum over n of log(max(p(n, l(n)), 1e-20)) / N. The floor (Caffe's kLOG_THRESHOLD) keeps log finite.
/// </para>
/// <para>
/// Backward, with w the top's gradient (the loss weight): dp(n, l(n)) = -w / (N max(p(n, l(n)), 1e-20)), and 0 for
/// every other class. The labels get no gradient.
/// </para>
/// <para>
/// A label outside [0, C) is only seen in forward, which then stops with an error naming the layer, the item and
/// the label: Caffe only DCHECKs it.
/// </para>
/// </remarks>
public sealed class MultinomialLogisticLossLayer : LossLayer
{
    private const float LogThreshold = 1e-20f;

    private LabelGrid _grid;

    /// <summary>Creates the layer from its definition.</summary>
    public MultinomialLogisticLossLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        var items = bottom[0].Shape[0];
        if (bottom[1].Count != items)
        {
            throw Error($"bottom '{bottom[1].Name}' ({bottom[1].ShapeString}) must hold one label per item of '{bottom[0].Name}' ({bottom[0].ShapeString}): {items} labels");
        }

        // Each item is one position whose classes are its C consecutive probabilities; no label is ignored.
        _grid = new LabelGrid(items, items == 0 ? 0 : bottom[0].Count / items, Inner: 1, HasIgnoreLabel: false, IgnoreLabel: 0);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> probability = bottom[0].Data;
        ReadOnlySpan<float> labels = bottom[1].Data;
        var loss = 0f;
        var walk = _grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            loss -= MathF.Log(MathF.Max(probability[walk.Truth], LogThreshold));
        }

        if (walk.SawBadLabel)
        {
            throw Error(_grid.BadLabel(labels)!);
        }

        top[0].Data[0] = loss / _grid.Outer;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> probability = bottom[0].Data;
        ReadOnlySpan<float> labels = bottom[1].Data;
        var diff = bottom[0].Diff;
        diff.Clear();
        var scale = -top[0].Diff[0] / _grid.Outer;
        var walk = _grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            diff[walk.Truth] = scale / MathF.Max(probability[walk.Truth], LogThreshold);
        }
    }
}
