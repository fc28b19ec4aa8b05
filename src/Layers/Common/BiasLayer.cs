using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Adds a bias broadcast over its first bottom (Caffe's Bias). The bias is a learnable blob (one bottom) or the
/// second bottom.
/// </summary>
/// <remarks>
/// <para>
/// The bias b covers the axes of x from <c>axis</c> on: <c>num_axes</c> of them (-1: all the rest) for the
/// learnable blob, or as many as the second bottom has. x is read as O x D x I (O = the axes before, D = the
/// bias's count, I = the axes after); a scalar bias (no axes) is added to everything.
/// </para>
/// <para>Forward: y[o, d, i] = x[o, d, i] + b[d].</para>
/// <para>
/// Backward: dx = dy; db[d] = sum_{o, i} dy[o, d, i], accumulated into a learnable bias, overwriting the gradient
/// of a bias bottom. The learnable bias is filled by <c>filler</c> (default constant 0).
/// </para>
/// </remarks>
public sealed class BiasLayer : Layer
{
    private readonly int _axis;
    private readonly int _numAxes;
    private int _inner;

    /// <summary>Creates the layer from its definition (<c>bias_param</c>).</summary>
    public BiasLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Between(1, 2), tops: BlobArity.Exactly(1))
    {
        var p = parameter.BiasParam ?? new BiasParameter();
        _axis = p.Axis;
        _numAxes = p.NumAxes;
        if (_numAxes < -1)
        {
            throw Error($"bias_param.num_axes {_numAxes} is invalid; expected a count of axes, or -1 for all axes from bias_param.axis on");
        }
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom.Count > 1)
        {
            if (BlobsGiven)
            {
                throw Error($"with two bottoms the bias is bottom 1 and the layer has no learnable blob, but the model gives {Blobs.Count}");
            }

            return;
        }

        var input = bottom[0];
        var axis = CanonicalAxis(_axis, input, "bias_param.axis");
        var shape = AxisShapes.Covered(this, input, axis, _numAxes, "bias");
        RequireLearnableBlobCount("bias");
        LearnableBlob(0, "bias", shape, (Parameter.BiasParam ?? new BiasParameter()).Filler, "bias_param.filler");
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var bias = bottom.Count > 1 ? bottom[1] : Blobs[0];

        // A scalar bias is added to every element whatever the axis: read it at axis 0.
        var axis = bias.AxisCount == 0 ? 0 : CanonicalAxis(_axis, input, "bias_param.axis");
        AxisShapes.RequireCovered(this, input, bias, axis, isBottom: bottom.Count > 1, "bias");
        _inner = input.CountFrom(axis + bias.AxisCount);
        if (!ReferenceEquals(input, top[0]))
        {
            top[0].ReshapeLike(input);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Channelwise.Add(bottom[0].Data, bottom.Count > 1 ? bottom[1].Data : Blobs[0].Data, _inner, top[0].Data);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        var learnedBias = bottom.Count == 1;
        if (learnedBias ? ParamPropagateDown(0) : propagateDown[1])
        {
            var biasDiff = learnedBias ? Blobs[0].Diff : bottom[1].Diff;
            if (!learnedBias)
            {
                biasDiff.Clear();
            }

            Channelwise.AddSums(dy, _inner, biasDiff);
        }

        // In place the bottom's gradient already is the top's.
        if (propagateDown[0] && !ReferenceEquals(bottom[0], top[0]))
        {
            dy.CopyTo(bottom[0].Diff);
        }
    }
}
