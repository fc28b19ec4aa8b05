using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Combines two or more bottoms of the same shape element by element (Caffe's Eltwise): product, weighted
/// sum, or maximum.
/// </summary>
/// <remarks>
/// <para>
/// SUM: forward y = sum_i c_i x_i, with c_i = <c>coeff</c> (one per bottom, or all 1);
/// backward dx_i = c_i dy.
/// </para>
/// <para>
/// PROD (the default): forward y = prod_i x_i; backward dx_i = dy prod_{j != i} x_j with
/// <c>stable_prod_grad</c> (the default), or dx_i = dy y / x_i without it (faster, but infinite or NaN
/// where x_i = 0). Coefficients are an error.
/// </para>
/// <para>
/// MAX: forward y = max_i x_i, remembering which bottom won (ties: bottom 1 over bottom 0, then the
/// earliest); backward dx_i = dy where bottom i won, 0 elsewhere. Coefficients are ignored, as in Caffe.
/// </para>
/// <para>
/// Not in place, whatever the operation: a top that is one of the bottoms is an error at set-up (Caffe computes
/// wrong values silently: SUM clears the top before reading the bottoms, PROD and MAX get wrong gradients).
/// </para>
/// </remarks>
public sealed class EltwiseLayer : Layer
{
    private readonly EltwiseParameter.Types.EltwiseOp _operation;
    private readonly bool _stableProductGradient;
    private float[] _coefficients = [];
    private int[] _winner = [];

    /// <summary>Creates the layer from its definition (<c>eltwise_param</c>).</summary>
    public EltwiseLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.AtLeast(2), tops: BlobArity.Exactly(1))
    {
        var p = parameter.EltwiseParam ?? new EltwiseParameter();
        _operation = p.Operation;
        _stableProductGradient = p.StableProdGrad;
        if (_operation is not (EltwiseParameter.Types.EltwiseOp.Sum or EltwiseParameter.Types.EltwiseOp.Prod or EltwiseParameter.Types.EltwiseOp.Max))
        {
            throw Error($"eltwise_param.operation {(int)_operation} is unknown; expected PROD, SUM or MAX");
        }

        if (_operation == EltwiseParameter.Types.EltwiseOp.Prod && p.Coeff.Count > 0)
        {
            throw Error("eltwise_param.coeff is only for operation SUM; PROD takes no coefficients");
        }
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var given = (Parameter.EltwiseParam ?? new EltwiseParameter()).Coeff;
        if (given.Count != 0 && given.Count != bottom.Count)
        {
            throw Error($"eltwise_param.coeff must be given once per bottom blob or not at all: {given.Count} given for {bottom.Count} bottoms");
        }

        _coefficients = new float[bottom.Count];
        Array.Fill(_coefficients, 1f);
        given.CopyTo(_coefficients, 0);
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var i = 1; i < bottom.Count; i++)
        {
            if (!AxisShapes.SameShape(bottom[0], bottom[i]))
            {
                throw Error($"all bottoms must have the same shape: bottom 0 '{bottom[0].Name}' is {bottom[0].ShapeString}, bottom {i} '{bottom[i].Name}' is {bottom[i].ShapeString}");
            }
        }

        // No operation works in place: SUM clears the top before reading the bottoms, PROD's gradient needs every
        // input and the output, MAX's backward overwrites the top's gradient while it still reads it. Caffe computes
        // wrong values silently; here a top that is one of the bottoms is an error.
        for (var i = 0; i < bottom.Count; i++)
        {
            RequireOutOfPlace(bottom[i], top[0]);
        }

        top[0].ReshapeLike(bottom[0]);
        if (_operation == EltwiseParameter.Types.EltwiseOp.Max && _winner.Length < bottom[0].Count)
        {
            _winner = new int[bottom[0].Count];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Every value is computed alone: a large blob is split over the threads in ranges (the same values either way).
        (_bottom, _top) = (bottom, top[0]);
        _forwardPart ??= ForwardPart;
        try
        {
            Workers.RunParts(WorkParts.For(top[0].Count >= SplitValues), _forwardPart);
        }
        finally
        {
            (_bottom, _top) = (null, null);
        }
    }

    // Blobs of at least this many values (256 KB) are computed on several threads.
    private const int SplitValues = 1 << 16;

    private IReadOnlyList<Blob>? _bottom;
    private Blob? _top;
    private Action<int, int>? _forwardPart;

    // Range `part` of `parts`, in whole 64-byte lines.
    private void ForwardPart(int part, int parts)
    {
        var lines = (_top!.Count + 15) / 16;
        var first = Math.Min(_top.Count, lines * part / parts * 16);
        var last = Math.Min(_top.Count, lines * (part + 1) / parts * 16);
        ForwardRange(_bottom!, _top, first, last - first);
    }

    private void ForwardRange(IReadOnlyList<Blob> bottom, Blob top, int start, int length)
    {
        var output = top.Data.Slice(start, length);
        switch (_operation)
        {
            case EltwiseParameter.Types.EltwiseOp.Prod:
                TensorPrimitives.Multiply(bottom[0].Data.Slice(start, length), bottom[1].Data.Slice(start, length), output);
                for (var i = 2; i < bottom.Count; i++)
                {
                    TensorPrimitives.Multiply(output, bottom[i].Data.Slice(start, length), output);
                }

                break;
            case EltwiseParameter.Types.EltwiseOp.Sum:
                output.Clear();
                for (var i = 0; i < bottom.Count; i++)
                {
                    Blas.Axpy(_coefficients[i], bottom[i].Data.Slice(start, length), output);
                }

                break;
            default:
                ForwardMax(bottom, output, start);
                break;
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> topDiff = top[0].Diff;
        for (var i = 0; i < bottom.Count; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }

            var diff = bottom[i].Diff;
            switch (_operation)
            {
                case EltwiseParameter.Types.EltwiseOp.Prod:
                    if (_stableProductGradient)
                    {
                        // The product of the other bottoms, without dividing by x_i (which may be 0).
                        var first = true;
                        for (var j = 0; j < bottom.Count; j++)
                        {
                            if (j == i)
                            {
                                continue;
                            }

                            if (first)
                            {
                                bottom[j].Data.CopyTo(diff);
                                first = false;
                            }
                            else
                            {
                                TensorPrimitives.Multiply(diff, bottom[j].Data, diff);
                            }
                        }
                    }
                    else
                    {
                        TensorPrimitives.Divide(top[0].Data, bottom[i].Data, diff);
                    }

                    TensorPrimitives.Multiply(diff, topDiff, diff);
                    break;
                case EltwiseParameter.Types.EltwiseOp.Sum:
                    TensorPrimitives.Multiply(topDiff, _coefficients[i], diff);
                    break;
                default:
                    var winner = _winner.AsSpan(0, diff.Length);
                    for (var k = 0; k < diff.Length; k++)
                    {
                        diff[k] = winner[k] == i ? topDiff[k] : 0f;
                    }

                    break;
            }
        }
    }

    private void ForwardMax(IReadOnlyList<Blob> bottom, Span<float> output, int start)
    {
        // An arg-max across blobs has no vector primitive; Caffe's rule, tie to bottom 1 first, then to the earliest.
        var winner = _winner.AsSpan(start, output.Length);
        ReadOnlySpan<float> a = bottom[0].Data.Slice(start, output.Length);
        ReadOnlySpan<float> b = bottom[1].Data.Slice(start, output.Length);
        for (var k = 0; k < output.Length; k++)
        {
            var firstWins = a[k] > b[k];
            output[k] = firstWins ? a[k] : b[k];
            winner[k] = firstWins ? 0 : 1;
        }

        for (var i = 2; i < bottom.Count; i++)
        {
            ReadOnlySpan<float> x = bottom[i].Data.Slice(start, output.Length);
            for (var k = 0; k < output.Length; k++)
            {
                if (x[k] > output[k])
                {
                    output[k] = x[k];
                    winner[k] = i;
                }
            }
        }
    }
}
