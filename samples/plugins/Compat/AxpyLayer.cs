using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Numerics;

namespace LayerNet.Samples.Compat;

/// <summary>
/// SENet's Axpy (hujie-frank/SENet): <c>top = a x + y</c> with one factor a per item and channel. Bottoms: a
/// (N x C, or N x C x 1 x 1: the excitation), x (N x C x ...: the features it scales), y (x's shape: the shortcut).
/// One layer for SE-ResNet's Scale + Eltwise pair. The top may be y (in place), not x.
/// </summary>
/// <remarks>
/// Backward: da[n, c] = sum over the plane of x dtop, dx = a dtop, dy = dtop.
/// </remarks>
public sealed class AxpyLayer : Layer
{
    private int _planes;
    private int _plane;

    /// <summary>Creates the layer from its definition (Axpy has no parameters).</summary>
    public AxpyLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Exactly(3), BlobArity.Exactly(1))
    {
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob a = bottom[0], x = bottom[1], y = bottom[2];
        if (x.AxisCount < 2)
        {
            throw Error($"bottom 1 '{x.Name}' has shape {x.ShapeString}; Axpy needs items and channels (N x C x ...)");
        }

        var factorsFit = a.AxisCount >= 2 && a.Shape[0] == x.Shape[0] && a.Shape[1] == x.Shape[1];
        for (var i = 2; factorsFit && i < a.AxisCount; i++)
        {
            factorsFit = a.Shape[i] == 1;
        }

        if (!factorsFit)
        {
            throw Error($"bottom 0 '{a.Name}' has shape {a.ShapeString}; Axpy needs one factor per item and channel of bottom 1 '{x.Name}' ({x.Shape[0]} x {x.Shape[1]}, or {x.Shape[0]} x {x.Shape[1]} x 1 x 1)");
        }

        if (!x.Shape.SequenceEqual(y.Shape))
        {
            throw Error($"bottoms 1 '{x.Name}' and 2 '{y.Name}' must have one shape, got {x.ShapeString} and {y.ShapeString}");
        }

        RequireOutOfPlace(x, top[0], 0);
        top[0].ReshapeLike(x);
        _planes = x.Shape[0] * x.Shape[1];
        _plane = _planes == 0 ? 0 : x.Count / _planes;
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> a = bottom[0].Data;
        ReadOnlySpan<float> x = bottom[1].Data;
        ReadOnlySpan<float> y = bottom[2].Data;
        var output = top[0].Data;
        for (var p = 0; p < _planes; p++)
        {
            var range = new Range(p * _plane, (p + 1) * _plane);
            TensorPrimitives.MultiplyAdd(x[range], a[p], y[range], output[range]);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dtop = top[0].Diff;
        if (propagateDown[0])
        {
            // Each (item, channel) plane is one "channel" of a 1 x NC x plane array.
            var da = bottom[0].Diff;
            da.Clear();
            Channelwise.AddDots(dtop, bottom[1].Data, _plane, da);
        }

        if (propagateDown[1])
        {
            ReadOnlySpan<float> a = bottom[0].Data;
            var dx = bottom[1].Diff;
            for (var p = 0; p < _planes; p++)
            {
                var range = new Range(p * _plane, (p + 1) * _plane);
                TensorPrimitives.Multiply(dtop[range], a[p], dx[range]);
            }
        }

        // In place over y the top's gradient already is y's.
        if (propagateDown[2] && !ReferenceEquals(bottom[2], top[0]))
        {
            dtop.CopyTo(bottom[2].Diff);
        }
    }
}
