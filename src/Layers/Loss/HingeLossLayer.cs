using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The one-versus-all hinge loss over K classes (Caffe's HingeLoss): bottom 0 holds N x K scores, bottom 1
/// one integer label per item.
/// </summary>
/// <remarks>
/// <para>
/// With t(n, k) = +1 for the item's label and -1 for every other class, and h(n, k) = max(0, 1 - t(n, k) x(n, k)):
/// forward: loss = sum(h) / N (norm L1, the default) or loss = sum(h^2) / N (norm L2).
/// </para>
/// <para>
/// Backward, with w the top's gradient (the loss weight): dx(n, k) = -t(n, k) [h(n, k) &gt; 0] w / N (L1) or
/// dx(n, k) = -2 t(n, k) h(n, k) w / N (L2). The labels get no gradient. A label outside [0, K) stops forward with
/// an error naming the layer, the item and the label (Caffe does not check it).
/// </para>
/// </remarks>
public sealed class HingeLossLayer : LossLayer
{
    private readonly HingeLossParameter.Types.Norm _norm;
    private float[] _hinge = [];

    /// <summary>Creates the layer from its definition (<c>hinge_loss_param</c>).</summary>
    public HingeLossLayer(LayerParameter parameter)
        : base(parameter)
    {
        _norm = (parameter.HingeLossParam ?? new HingeLossParameter()).Norm;
        if (_norm is not (HingeLossParameter.Types.Norm.L1 or HingeLossParameter.Types.Norm.L2))
        {
            throw Error($"hinge_loss_param.norm {(int)_norm} is unknown; expected L1 or L2");
        }
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

        if (_hinge.Length < bottom[0].Count)
        {
            _hinge = new float[bottom[0].Count];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var scores = bottom[0];
        var items = scores.Shape[0];
        var hinge = _hinge.AsSpan(0, scores.Count);

        // h = max(0, 1 - t x): negate the true class's score, then h = max(0, 1 + score).
        scores.Data.CopyTo(hinge);
        ReadOnlySpan<float> labels = bottom[1].Data;
        if (!NegateTrueClass(hinge, labels, items))
        {
            var classes = items == 0 ? 0 : scores.Count / items;
            throw Error(new LabelGrid(items, classes, Inner: 1, HasIgnoreLabel: false, IgnoreLabel: 0).BadLabel(labels)!);
        }

        TensorPrimitives.Add(hinge, 1f, hinge);
        TensorPrimitives.Max(hinge, 0f, hinge);
        var sum = _norm == HingeLossParameter.Types.Norm.L2 ? TensorPrimitives.Dot(hinge, hinge) : TensorPrimitives.Sum(hinge);
        top[0].Data[0] = sum / items;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var scores = bottom[0];
        var items = scores.Shape[0];
        ReadOnlySpan<float> hinge = _hinge.AsSpan(0, scores.Count);
        var diff = scores.Diff;
        var scale = top[0].Diff[0] / items;
        if (_norm == HingeLossParameter.Types.Norm.L2)
        {
            TensorPrimitives.Multiply(hinge, 2f * scale, diff);
        }
        else
        {
            // d|h|/dh for h >= 0: 1 where the hinge is active, 0 where it is flat.
            for (var i = 0; i < diff.Length; i++)
            {
                diff[i] = hinge[i] > 0f ? scale : 0f;
            }
        }

        // dh/dx = -t: +1 for the wrong classes, -1 for the true one (forward has checked the labels).
        _ = NegateTrueClass(diff, bottom[1].Data, items);
    }

    // Negates each item's true-class value; false when some label is outside [0, classes) (it matches no class: the
    // loop only remembers it, forward throws after).
    private static bool NegateTrueClass(Span<float> values, ReadOnlySpan<float> labels, int items)
    {
        var classes = items == 0 ? 0 : values.Length / items;
        var allInRange = true;
        for (var n = 0; n < items; n++)
        {
            var label = LabelGrid.ToLabel(labels[n]);
            if ((uint)label < (uint)classes)
            {
                values[(n * classes) + label] = -values[(n * classes) + label];
            }
            else
            {
                allInRange = false;
            }
        }

        return allInRange;
    }
}
