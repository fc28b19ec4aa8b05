using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// A learned lookup table (Caffe's Embed): every bottom value is an integer index into K = <c>input_dim</c> rows of
/// N = <c>num_output</c> values; the layer is an inner product with the index's one-hot vector.
/// </summary>
/// <remarks>
/// <para>
/// The weight W is K x N, the bias b has N entries (only with <c>bias_term</c>, the default). The top has the
/// bottom's shape with N appended: one row per bottom value.
/// </para>
/// <para>Forward: y(m) = W(i(m)) + b, with i(m) = the bottom value m cast to an integer (Caffe truncates).</para>
/// <para>
/// Backward: dW(i(m)) += dy(m) for every m (repeated indices add up); db += sum over m of dy(m). The indices are
/// piecewise constant, so their gradient is zero: a bottom asked to backward gets zeros (Caffe refuses instead), and
/// it may not be forced to backward.
/// </para>
/// <para>
/// An index that is not an integer in [0, K) is only seen in forward, which then stops with an error naming the
/// layer, the item and the value: Caffe only DCHECKs it.
/// </para>
/// </remarks>
public sealed class EmbedLayer : Layer
{
    private readonly int _outputs;
    private readonly int _inputDimension;
    private readonly bool _biasTerm;
    private int _items;
    private float[] _biasMultiplier = [];

    /// <summary>Creates the layer from its definition (<c>embed_param</c>).</summary>
    public EmbedLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.EmbedParam ?? new EmbedParameter();
        if (p.NumOutput == 0 || p.NumOutput > int.MaxValue)
        {
            throw Error($"embed_param.num_output {p.NumOutput} is out of range; it must be given and positive");
        }

        if (p.InputDim == 0 || p.InputDim > int.MaxValue)
        {
            throw Error($"embed_param.input_dim {p.InputDim} is out of range; it must be given and positive (the vocabulary size)");
        }

        _outputs = (int)p.NumOutput;
        _inputDimension = (int)p.InputDim;
        _biasTerm = p.BiasTerm;
    }

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => false;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int[] weightShape = [_inputDimension, _outputs];
        RequireLearnableBlobCount(_biasTerm ? ["weight", "bias"] : ["weight"]);

        var p = Parameter.EmbedParam ?? new EmbedParameter();
        LearnableBlob(0, "weight", weightShape, p.WeightFiller, "embed_param.weight_filler");
        if (_biasTerm)
        {
            LearnableBlob(1, "bias", [_outputs], p.BiasFiller, "embed_param.bias_filler");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        if (input.AxisCount >= Blob.MaxAxes)
        {
            throw Error($"bottom '{input.Name}' has {input.AxisCount} axes; the top would need one more than the {Blob.MaxAxes} allowed");
        }

        _items = input.Count;
        var shape = new int[input.AxisCount + 1];
        for (var i = 0; i < input.AxisCount; i++)
        {
            shape[i] = input.Shape[i];
        }

        shape[^1] = _outputs;
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
        ReadOnlySpan<float> indices = bottom[0].Data;
        ReadOnlySpan<float> weight = Blobs[0].Data;
        var output = top[0].Data;
        var allValid = true;
        for (var m = 0; m < _items; m++)
        {
            var row = output.Slice(m * _outputs, _outputs);
            var index = (int)indices[m];
            if ((uint)index < (uint)_inputDimension && index == indices[m])
            {
                weight.Slice(index * _outputs, _outputs).CopyTo(row);
            }
            else
            {
                allValid = false;
            }
        }

        if (!allValid)
        {
            throw Error(BadIndex(bottom[0]));
        }

        if (_biasTerm)
        {
            // y += 1 b^T: a rank-one update adding the bias to every row.
            Blas.Gemm(false, false, _items, _outputs, 1, 1f, _biasMultiplier.AsSpan(0, _items), Blobs[1].Data, 1f, output);
        }
    }

    // The error for the first index that is not an integer in [0, input_dim), looked for after forward's loop.
    private string BadIndex(Blob input)
    {
        ReadOnlySpan<float> indices = input.Data;
        var perItem = input.AxisCount == 0 || input.Shape[0] == 0 ? 1 : _items / input.Shape[0];
        for (var m = 0; m < _items; m++)
        {
            var value = indices[m];
            var index = (int)value;
            if ((uint)index < (uint)_inputDimension && index == value)
            {
                continue;
            }

            var problem = float.IsFinite(value) && MathF.Truncate(value) != value ? "is not an integer" : "is out of range";
            return string.Create(
                CultureInfo.InvariantCulture,
                $"index {value} of {LabelGrid.Item(m, perItem)} {problem}; expected an integer from 0 to {_inputDimension - 1} (embed_param.input_dim {_inputDimension})");
        }

        return string.Empty;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> topDiff = top[0].Diff;
        if (ParamPropagateDown(0))
        {
            ReadOnlySpan<float> indices = bottom[0].Data;
            var weightDiff = Blobs[0].Diff;
            for (var m = 0; m < _items; m++)
            {
                var index = (int)indices[m];
                if ((uint)index < (uint)_inputDimension)
                {
                    Blas.Axpy(1f, topDiff.Slice(m * _outputs, _outputs), weightDiff.Slice(index * _outputs, _outputs));
                }
            }
        }

        if (_biasTerm && ParamPropagateDown(1))
        {
            Blas.Gemv(true, _items, _outputs, 1f, topDiff, _biasMultiplier.AsSpan(0, _items), 1f, Blobs[1].Diff);
        }

        if (propagateDown[0])
        {
            bottom[0].Diff.Clear();
        }
    }
}
