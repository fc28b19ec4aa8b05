using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The multinomial logistic loss of a softmax (Caffe's SoftmaxWithLoss): bottom 0 holds scores, bottom 1 one
/// integer label per (outer, inner) position; an optional second top receives the probabilities.
/// </summary>
/// <remarks>
/// <para>
/// The scores are read as outer x C x inner around <c>softmax_param.axis</c> (default 1), as by
/// <see cref="SoftmaxLayer"/>; the labels must number outer x inner, each in [0, C). With p = softmax(x) over C
/// and l the label of a position, forward: loss = -sum over positions of log(max(p(l), FLT_MIN)) / Z, skipping
/// positions whose label is <c>loss_param.ignore_label</c> (when given).
/// </para>
/// <para>
/// Z (<c>loss_param.normalization</c>): FULL = outer x inner; VALID (the default) = the positions not ignored;
/// BATCH_SIZE = outer; NONE = 1; never below 1. The legacy <c>normalize: true</c> means VALID and
/// <c>normalize: false</c> BATCH_SIZE, when <c>normalization</c> is not given.
/// </para>
/// <para>
/// Backward, with w the top's gradient (the loss weight): dx(c) = w (p(c) - [c = l]) / Z, and dx = 0 at ignored
/// positions. The labels get no gradient.
/// </para>
/// <para>
/// A label outside [0, C) that is not the ignore label is only seen in forward, which then stops with an error naming
/// the layer, the item and the label (in train and test alike): Caffe only DCHECKs it.
/// </para>
/// </remarks>
public sealed class SoftmaxWithLossLayer : LossLayer
{
    // Caffe's FLT_MIN, the smallest normal float: the floor under a probability before its log.
    private const float SmallestProbability = 1.17549435e-38f;

    private readonly SoftmaxOverLabels _softmax;

    /// <summary>Creates the layer from its definition (<c>softmax_param</c>, <c>loss_param</c>).</summary>
    public SoftmaxWithLossLayer(LayerParameter parameter)
        : base(parameter, tops: BlobArity.Between(1, 2))
    {
        _softmax = new SoftmaxOverLabels(this, (parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis);
    }

    /// <summary>The inner softmax, its probabilities, label grid and normaliser (the device pass fills them as forward does).</summary>
    internal SoftmaxOverLabels Softmax => _softmax;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => _softmax.SetUp(bottom[0]);

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        _softmax.Reshape(bottom[0], bottom[1], (Parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis, "softmax", top);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var probability = _softmax.Forward();
        ReadOnlySpan<float> labels = bottom[1].Data;
        var loss = 0f;
        var valid = 0;
        var walk = _softmax.Grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            loss -= MathF.Log(MathF.Max(probability[walk.Truth], SmallestProbability));
            valid++;
        }

        _softmax.Finish(walk.SawBadLabel, labels, loss, valid, top);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var diff = bottom[0].Diff;
        _softmax.Probability.Data.CopyTo(diff);
        ReadOnlySpan<float> labels = bottom[1].Data;
        var grid = _softmax.Grid;
        var walk = grid.Walk(labels);
        while (walk.MoveNext())
        {
            if (walk.Counts)
            {
                diff[walk.Truth] -= 1f;
                continue;
            }

            for (var c = 0; c < grid.Classes; c++)
            {
                diff[walk.At + (c * grid.Inner)] = 0f;
            }
        }

        TensorPrimitives.Multiply(diff, top[0].Diff[0] / _softmax.Normalizer, diff);
    }
}
