using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Loss;

/// <summary>The Euclidean (sum of squares) loss between two blobs of the same count, per item.</summary>
/// <remarks>
/// <para>Forward: loss = sum((a - b)^2) / (2N), with a = bottom 0, b = bottom 1, N = the first axis of a.</para>
/// <para>
/// Backward: da = w (a - b) / N, db = -w (a - b) / N, with w the top's gradient (the loss weight).
/// Both bottoms may receive a gradient (b need not be a label).
/// </para>
/// </remarks>
public sealed class EuclideanLossLayer : LossLayer
{
    private float[] _difference = [];

    /// <summary>Creates the layer from its definition.</summary>
    public EuclideanLossLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => true;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        if (bottom[0].Count != bottom[1].Count)
        {
            throw Error($"bottoms '{bottom[0].Name}' ({bottom[0].ShapeString}) and '{bottom[1].Name}' ({bottom[1].ShapeString}) must have the same count");
        }

        if (_difference.Length < bottom[0].Count)
        {
            _difference = new float[bottom[0].Count];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var difference = _difference.AsSpan(0, bottom[0].Count);
        TensorPrimitives.Subtract(bottom[0].Data, bottom[1].Data, difference);
        top[0].Data[0] = TensorPrimitives.Dot(difference, difference) / bottom[0].Shape[0] / 2f;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var difference = _difference.AsSpan(0, bottom[0].Count);
        var scale = top[0].Diff[0] / bottom[0].Shape[0];
        for (var i = 0; i < 2; i++)
        {
            if (propagateDown[i])
            {
                TensorPrimitives.Multiply(difference, i == 0 ? scale : -scale, bottom[i].Diff);
            }
        }
    }
}
