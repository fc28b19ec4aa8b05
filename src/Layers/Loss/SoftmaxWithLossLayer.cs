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

    private readonly LossParameter.Types.NormalizationMode _normalization;
    private readonly bool _hasIgnoreLabel;
    private readonly int _ignoreLabel;
    private readonly SoftmaxLayer _softmax;
    private readonly Blob _probability = new();
    private readonly Blob[] _softmaxBottom = new Blob[1];
    private readonly Blob[] _softmaxTop;
    private LabelGrid _grid;
    private float _normalizer = 1f;

    /// <summary>Creates the layer from its definition (<c>softmax_param</c>, <c>loss_param</c>).</summary>
    public SoftmaxWithLossLayer(LayerParameter parameter)
        : base(parameter, tops: BlobArity.Between(1, 2))
    {
        _normalization = LossNormalization.Resolve(this, LossParameter.Types.NormalizationMode.Valid);
        var loss = parameter.LossParam;
        _hasIgnoreLabel = loss is { HasIgnoreLabel: true };
        _ignoreLabel = loss?.IgnoreLabel ?? 0;

        // The inner softmax reads the same softmax_param; it keeps this layer's name, type and place so that its
        // errors point here, and carries no loss weight of its own.
        var softmaxParameter = new LayerParameter
        {
            Name = parameter.Name,
            Type = parameter.Type,
            SoftmaxParam = parameter.SoftmaxParam,
        };
        _softmax = new SoftmaxLayer(softmaxParameter);
        _probability.Name = $"{parameter.Name}[probability]";
        _softmaxTop = [_probability];
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _softmaxBottom[0] = bottom[0];
        _softmax.Origin = Origin;
        _softmax.SetUp(_softmaxBottom, _softmaxTop);
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        _softmaxBottom[0] = bottom[0];
        _softmax.Reshape(_softmaxBottom, _softmaxTop);
        var scores = bottom[0];
        var axis = scores.CanonicalAxis((Parameter.SoftmaxParam ?? new SoftmaxParameter()).Axis);
        var grid = LabelGrid.Around(scores, axis, _hasIgnoreLabel, _ignoreLabel);
        _grid = grid;
        if (bottom[1].Count != grid.Positions)
        {
            throw Error($"bottom '{bottom[1].Name}' ({bottom[1].ShapeString}) must hold one label per position of '{scores.Name}' ({scores.ShapeString}) around the softmax axis {axis}: {grid.Outer} x {grid.Inner} = {grid.Positions} labels, each in [0, {grid.Classes})");
        }

        if (top.Count > 1)
        {
            top[1].ReshapeLike(scores);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _softmax.Forward(_softmaxBottom, _softmaxTop);
        ReadOnlySpan<float> probability = _probability.Data;
        ReadOnlySpan<float> labels = bottom[1].Data;
        var loss = 0f;
        var valid = 0;
        var walk = _grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            loss -= MathF.Log(MathF.Max(probability[walk.Truth], SmallestProbability));
            valid++;
        }

        if (walk.SawBadLabel)
        {
            throw Error(_grid.BadLabel(labels)!);
        }

        _normalizer = LossNormalization.Normalizer(_normalization, _grid.Outer, _grid.Inner, valid);
        top[0].Data[0] = loss / _normalizer;
        if (top.Count > 1)
        {
            probability.CopyTo(top[1].Data);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var diff = bottom[0].Diff;
        _probability.Data.CopyTo(diff);
        ReadOnlySpan<float> labels = bottom[1].Data;
        var walk = _grid.Walk(labels);
        while (walk.MoveNext())
        {
            if (walk.Counts)
            {
                diff[walk.Truth] -= 1f;
                continue;
            }

            for (var c = 0; c < _grid.Classes; c++)
            {
                diff[walk.At + (c * _grid.Inner)] = 0f;
            }
        }

        TensorPrimitives.Multiply(diff, top[0].Diff[0] / _normalizer, diff);
    }
}
