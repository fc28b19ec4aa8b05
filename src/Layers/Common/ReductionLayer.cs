using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using ReductionOp = Caffe.ReductionParameter.Types.ReductionOp;

namespace LayerNet.Layers.Common;

/// <summary>
/// Reduces the axes from <c>axis</c> to the end to one number per item (Caffe's Reduction): their sum, sum of
/// absolute values, sum of squares, or mean, times <c>coeff</c>. The top keeps the axes before <c>axis</c>
/// (none, a single number, for the default axis 0).
/// </summary>
/// <remarks>
/// <para>The bottom is read as N x D (N = the axes before <c>axis</c>); c = <c>coeff</c>, or coeff / D for MEAN.</para>
/// <para>SUM, MEAN: y[n] = c sum_d x[n, d]; dx[n, d] = c dy[n].</para>
/// <para>ASUM: y[n] = c sum_d |x[n, d]|; dx[n, d] = c dy[n] sign(x[n, d]) (sign(0) = 0).</para>
/// <para>SUMSQ: y[n] = c sum_d x[n, d]^2; dx[n, d] = 2 c dy[n] x[n, d].</para>
/// </remarks>
public sealed class ReductionLayer : Layer
{
    private readonly ReductionOp _operation;
    private readonly int _axisParameter;
    private readonly float _coeffParameter;
    private float _coeff;
    private int _num;
    private int _dim;

    /// <summary>Creates the layer from its definition (<c>reduction_param</c>).</summary>
    public ReductionLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.ReductionParam ?? new ReductionParameter();
        _operation = p.Operation;
        if (_operation is not (ReductionOp.Sum or ReductionOp.Asum or ReductionOp.Sumsq or ReductionOp.Mean))
        {
            throw Error($"reduction_param.operation {(int)_operation} is unknown; expected SUM, ASUM, SUMSQ or MEAN");
        }

        _axisParameter = p.Axis;
        _coeffParameter = p.Coeff;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var axis = CanonicalAxis(_axisParameter, input, "reduction_param.axis");
        var shape = new int[axis];
        for (var i = 0; i < axis; i++)
        {
            shape[i] = input.Shape[i];
        }

        top[0].Reshape(shape);
        _num = input.CountRange(0, axis);
        _dim = input.CountFrom(axis);
        _coeff = _operation == ReductionOp.Mean ? _coeffParameter / _dim : _coeffParameter;
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        for (var n = 0; n < _num; n++)
        {
            var row = x.Slice(n * _dim, _dim);
            var value = _operation switch
            {
                ReductionOp.Asum => TensorPrimitives.SumOfMagnitudes(row),
                ReductionOp.Sumsq => TensorPrimitives.SumOfSquares(row),
                _ => TensorPrimitives.Sum(row),
            };
            y[n] = _coeff * value;
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> x = bottom[0].Data;
        var dx = bottom[0].Diff;
        for (var n = 0; n < _num; n++)
        {
            var gradient = _coeff * dy[n];
            var row = x.Slice(n * _dim, _dim);
            var target = dx.Slice(n * _dim, _dim);
            switch (_operation)
            {
                case ReductionOp.Asum:
                    for (var d = 0; d < row.Length; d++)
                    {
                        target[d] = row[d] > 0f ? gradient : row[d] < 0f ? -gradient : 0f;
                    }

                    break;
                case ReductionOp.Sumsq:
                    TensorPrimitives.Multiply(row, 2f * gradient, target);
                    break;
                default:
                    target.Fill(gradient);
                    break;
            }
        }
    }
}
