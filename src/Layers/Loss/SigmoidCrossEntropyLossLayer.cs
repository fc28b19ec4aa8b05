using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The cross-entropy between targets and the sigmoid of scores (Caffe's SigmoidCrossEntropyLoss): bottom 0 holds
/// scores x, bottom 1 targets t in [0, 1] of the same count.
/// </summary>
/// <remarks>
/// <para>
/// Forward: loss = -sum over i of [t log(s(x)) + (1 - t) log(1 - s(x))] / Z, s the sigmoid, computed in the stable form
/// -[x (t - [x &gt;= 0]) - log(1 + exp(-|x|))] so that exp never overflows. Elements whose target, cast to an
/// integer, is <c>loss_param.ignore_label</c> (when given) are skipped.
/// </para>
/// <para>
/// Z (<c>loss_param.normalization</c>): FULL = the count of bottom 0; VALID = the elements not ignored; BATCH_SIZE =
/// the first axis of bottom 0; NONE = 1; never below 1. Unlike SoftmaxWithLoss the default (neither
/// <c>normalization</c> nor the legacy <c>normalize</c> given) is BATCH_SIZE, as in Caffe.
/// </para>
/// <para>
/// Backward, with w the top's gradient (the loss weight): dx = w (s(x) - t) / Z, and 0 at ignored elements. The
/// targets get no gradient.
/// </para>
/// </remarks>
public sealed class SigmoidCrossEntropyLossLayer : LossLayer
{
    private readonly LossParameter.Types.NormalizationMode _normalization;
    private readonly bool _hasIgnoreLabel;
    private readonly int _ignoreLabel;
    private float _normalizer = 1f;

    /// <summary>Creates the layer from its definition (<c>loss_param</c>).</summary>
    public SigmoidCrossEntropyLossLayer(LayerParameter parameter)
        : base(parameter)
    {
        _normalization = LossNormalization.Resolve(this, LossParameter.Types.NormalizationMode.BatchSize);
        var loss = parameter.LossParam;
        _hasIgnoreLabel = loss is { HasIgnoreLabel: true };
        _ignoreLabel = loss?.IgnoreLabel ?? 0;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        if (bottom[0].Count != bottom[1].Count)
        {
            throw Error($"bottoms '{bottom[0].Name}' ({bottom[0].ShapeString}) and '{bottom[1].Name}' ({bottom[1].ShapeString}) must have the same count: one target per score");
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> scores = bottom[0].Data;
        ReadOnlySpan<float> targets = bottom[1].Data;
        var loss = 0f;
        var valid = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (_hasIgnoreLabel && (int)targets[i] == _ignoreLabel)
            {
                continue;
            }

            // -[t log s(x) + (1 - t) log(1 - s(x))] = -[x (t - [x >= 0]) - log(1 + exp(-|x|))].
            var x = scores[i];
            var positive = x >= 0f ? 1f : 0f;
            loss -= (x * (targets[i] - positive)) - MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
            valid++;
        }

        var items = bottom[0].Shape[0];
        _normalizer = LossNormalization.Normalizer(_normalization, items, items == 0 ? 0 : scores.Length / items, valid);
        top[0].Data[0] = loss / _normalizer;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> targets = bottom[1].Data;
        var diff = bottom[0].Diff;
        Activations.Sigmoid(bottom[0].Data, diff);
        TensorPrimitives.Subtract(diff, targets, diff);
        if (_hasIgnoreLabel)
        {
            for (var i = 0; i < diff.Length; i++)
            {
                if ((int)targets[i] == _ignoreLabel)
                {
                    diff[i] = 0f;
                }
            }
        }

        TensorPrimitives.Multiply(diff, top[0].Diff[0] / _normalizer, diff);
    }
}
