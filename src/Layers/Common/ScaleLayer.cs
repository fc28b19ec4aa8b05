using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Multiplies its first bottom by a scale broadcast over it, and optionally adds a bias (Caffe's Scale). The scale
/// is a learnable blob (one bottom) or the second bottom.
/// </summary>
/// <remarks>
/// <para>
/// The scale a covers the axes of x from <c>axis</c> on: <c>num_axes</c> of them (-1: all the rest) for the
/// learnable blob, or as many as the second bottom has. x is read as O x D x I (O = the axes before, D = the
/// scale's count, I = the axes after); a scalar scale (no axes) multiplies everything.
/// </para>
/// <para>Forward: y[o, d, i] = a[d] x[o, d, i] (+ b[d] with <c>bias_term</c>).</para>
/// <para>
/// Backward: dx[o, d, i] = a[d] dy[o, d, i]; da[d] = sum_{o, i} dy x; db[d] = sum_{o, i} dy. The gradient of a
/// learnable scale or bias accumulates; that of a scale bottom is overwritten. The blobs are [scale] [bias], the
/// scale only with one bottom; the scale's filler defaults to constant 1, the bias's (<c>bias_filler</c>) to 0.
/// </para>
/// </remarks>
public sealed class ScaleLayer : Layer
{
    private readonly int _axis;
    private readonly int _numAxes;
    private readonly bool _biasTerm;
    private int _biasIndex = -1;
    private int _inner;
    private readonly SavedInput _input = new();

    /// <summary>Creates the layer from its definition (<c>scale_param</c>).</summary>
    public ScaleLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Between(1, 2), tops: BlobArity.Exactly(1))
    {
        var p = parameter.ScaleParam ?? new ScaleParameter();
        _axis = p.Axis;
        _numAxes = p.NumAxes;
        _biasTerm = p.BiasTerm;
        if (_numAxes < -1)
        {
            throw Error($"scale_param.num_axes {_numAxes} is invalid; expected a count of axes, or -1 for all axes from scale_param.axis on");
        }
    }

    /// <summary>True when the layer multiplies each of <paramref name="channels"/> channels (axis 1) by a learned factor, with or without a learned bias.</summary>
    internal bool ScalesChannels(int channels) =>
        Parameter.Bottom.Count == 1 && _axis == 1 && Blobs.Count > 0 && Blobs[0].AxisCount == 1 && Blobs[0].Count == channels;

    /// <summary>Composes y = x g[c] (+ beta[c]) after the per-channel affine map x -> x a + b: on return y = x a + b is the two together.</summary>
    internal void ComposeAffine(Span<float> a, Span<float> b)
    {
        var factors = Blobs[0].Data;
        for (var c = 0; c < a.Length; c++)
        {
            a[c] *= factors[c];
            b[c] *= factors[c];
        }

        if (_biasTerm)
        {
            TensorPrimitives.Add(b, Blobs[_biasIndex].Data, b);
        }
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.ScaleParam ?? new ScaleParameter();
        var input = bottom[0];
        var learnedScale = bottom.Count == 1;

        // The bias covers the same axes as the scale.
        var shape = ParameterShape(input, learnedScale ? _numAxes : bottom[1].AxisCount);
        var expected = (learnedScale ? 1 : 0) + (_biasTerm ? 1 : 0);
        _biasIndex = _biasTerm ? expected - 1 : -1;
        RequireLearnableBlobCount(BlobNames(learnedScale));
        if (learnedScale)
        {
            // The default scale is 1: the identity.
            LearnableBlob(0, "scale", shape, p.Filler ?? new FillerParameter { Type = "constant", Value = 1f }, "scale_param.filler");
        }

        if (_biasTerm)
        {
            LearnableBlob(_biasIndex, "bias", shape, p.BiasFiller, "scale_param.bias_filler");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var scale = bottom.Count > 1 ? bottom[1] : Blobs[0];

        // A scalar scale multiplies every element whatever the axis: read it at axis 0.
        var axis = scale.AxisCount == 0 ? 0 : CanonicalAxis(_axis, input, "scale_param.axis");
        AxisShapes.RequireCovered(this, input, scale, axis, isBottom: bottom.Count > 1, "scale");
        if (_biasTerm && !AxisShapes.SameShape(Blobs[_biasIndex], scale))
        {
            throw Error($"the bias blob has shape {Blobs[_biasIndex].ShapeString}; it must have the scale's shape {scale.ShapeString}");
        }

        _inner = input.CountFrom(axis + scale.AxisCount);
        // In place the input is overwritten, and the scale's gradient needs it.
        _input.Reshape(input, top[0]);
        if (!ReferenceEquals(input, top[0]))
        {
            top[0].ReshapeLike(input);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (RunsBackward)
        {
            _input.Save(bottom[0]);
        }

        var y = top[0].Data;
        var factors = bottom.Count > 1 ? bottom[1].Data : Blobs[0].Data;
        if (_biasTerm)
        {
            // x a + b in one pass: the product rounded, then the sum, as a multiply pass and an add pass would.
            Channelwise.MultiplyAdd(bottom[0].Data, factors, Blobs[_biasIndex].Data, _inner, y);
        }
        else
        {
            Channelwise.Multiply(bottom[0].Data, factors, _inner, y);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        // The parameter gradients read dy before the bottom's gradient (the same storage in place) is written.
        ReadOnlySpan<float> dy = top[0].Diff;
        if (_biasTerm && ParamPropagateDown(_biasIndex))
        {
            Channelwise.AddSums(dy, _inner, Blobs[_biasIndex].Diff);
        }

        var learnedScale = bottom.Count == 1;
        if (learnedScale ? ParamPropagateDown(0) : propagateDown[1])
        {
            var x = _input.Values(bottom[0]);
            var scaleDiff = learnedScale ? Blobs[0].Diff : bottom[1].Diff;
            if (!learnedScale)
            {
                scaleDiff.Clear();
            }

            Channelwise.AddDots(dy, x, _inner, scaleDiff);
        }

        if (propagateDown[0])
        {
            Channelwise.Multiply(dy, learnedScale ? Blobs[0].Data : bottom[1].Data, _inner, bottom[0].Diff);
        }
    }

    // With two bottoms the scale is bottom 1, not a learnable blob.
    private string[] BlobNames(bool learnedScale) =>
        (learnedScale, _biasTerm) switch
        {
            (true, true) => ["scale", "bias"],
            (true, false) => ["scale"],
            (false, true) => ["bias"],
            _ => [],
        };

    private int[] ParameterShape(Blob input, int numAxes)
    {
        var axis = CanonicalAxis(_axis, input, "scale_param.axis");
        return AxisShapes.Covered(this, input, axis, numAxes, "scale");
    }
}
