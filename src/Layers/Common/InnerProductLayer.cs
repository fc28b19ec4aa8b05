using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// The fully connected layer (Caffe's InnerProduct): every output is a weighted sum of all the inputs
/// from <c>axis</c> on, plus a bias.
/// </summary>
/// <remarks>
/// <para>
/// The bottom x is read as an M x K matrix: M = product of the axes before <c>axis</c> (the items),
/// K = product of the axes from <c>axis</c> on. The weight W is N x K (K x N with <c>transpose</c>), the
/// bias b has N entries (only with <c>bias_term</c>), N = <c>num_output</c>. The top has the bottom's
/// axes before <c>axis</c>, then N.
/// </para>
/// <para>Forward: y = x W^T + 1 b^T (y = x W with <c>transpose</c>).</para>
/// <para>
/// Backward: dW += dy^T x (dW += x^T dy with <c>transpose</c>); db += dy^T 1 (the column sums of dy);
/// dx = dy W (dx = dy W^T with <c>transpose</c>). Parameter gradients accumulate, the bottom's is overwritten.
/// </para>
/// </remarks>
public sealed class InnerProductLayer : Layer
{
    private readonly int _outputs;
    private readonly bool _biasTerm;
    private readonly bool _transpose;
    private readonly int _axis;
    private int _inputs;
    private int _items;
    private float[] _biasMultiplier = [];

    /// <summary>Creates the layer from its definition (<c>inner_product_param</c>).</summary>
    public InnerProductLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.InnerProductParam ?? new InnerProductParameter();
        if (p.NumOutput == 0)
        {
            throw Error("inner_product_param.num_output must be given and positive");
        }

        if (p.NumOutput > int.MaxValue)
        {
            throw Error($"inner_product_param.num_output {p.NumOutput} is too large");
        }

        _outputs = (int)p.NumOutput;
        _biasTerm = p.BiasTerm;
        _transpose = p.Transpose;
        _axis = p.Axis;
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var axis = CanonicalAxis(_axis, bottom[0], "inner_product_param.axis");
        _inputs = bottom[0].CountFrom(axis);
        int[] weightShape = _transpose ? [_inputs, _outputs] : [_outputs, _inputs];
        RequireLearnableBlobCount(_biasTerm ? ["weight", "bias"] : ["weight"]);

        var p = Parameter.InnerProductParam ?? new InnerProductParameter();
        LearnableBlob(0, "weight", weightShape, p.WeightFiller, "inner_product_param.weight_filler");
        if (_biasTerm)
        {
            LearnableBlob(1, "bias", [_outputs], p.BiasFiller, "inner_product_param.bias_filler");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var axis = CanonicalAxis(_axis, input, "inner_product_param.axis");
        var inputs = input.CountFrom(axis);
        if (inputs != _inputs)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}, giving {inputs} inputs per item from axis {axis}; the layer was set up for {_inputs}");
        }

        _items = input.CountRange(0, axis);
        var shape = new int[axis + 1];
        for (var i = 0; i < axis; i++)
        {
            shape[i] = input.Shape[i];
        }

        shape[axis] = _outputs;
        top[0].Reshape(shape);
        if (_biasTerm && _biasMultiplier.Length < _items)
        {
            _biasMultiplier = new float[_items];
            Array.Fill(_biasMultiplier, 1f);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var output = top[0].Data;
        Blas.Gemm(false, !_transpose, _items, _outputs, _inputs, 1f, bottom[0].Data, Blobs[0].Data, 0f, output);
        if (_biasTerm)
        {
            // y += 1 b^T: a rank-one update adding the bias to every item.
            Blas.Gemm(false, false, _items, _outputs, 1, 1f, _biasMultiplier.AsSpan(0, _items), Blobs[1].Data, 1f, output);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var topDiff = top[0].Diff;
        var input = bottom[0];
        if (ParamPropagateDown(0))
        {
            if (_transpose)
            {
                Blas.Gemm(true, false, _inputs, _outputs, _items, 1f, input.Data, topDiff, 1f, Blobs[0].Diff);
            }
            else
            {
                Blas.Gemm(true, false, _outputs, _inputs, _items, 1f, topDiff, input.Data, 1f, Blobs[0].Diff);
            }
        }

        if (_biasTerm && ParamPropagateDown(1))
        {
            Blas.Gemv(true, _items, _outputs, 1f, topDiff, _biasMultiplier.AsSpan(0, _items), 1f, Blobs[1].Diff);
        }

        if (propagateDown[0])
        {
            Blas.Gemm(false, _transpose, _items, _inputs, _outputs, 1f, topDiff, Blobs[0].Data, 0f, input.Diff);
        }
    }
}
