using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers;

/// <summary>
/// Base of element-wise layers (Sigmoid, ReLU, ...): one bottom x, one top y of the same shape; the top may be the
/// bottom itself (in place). A neuron layer writes its formula as two span methods, side by side:
/// <see cref="Forward(ReadOnlySpan{float}, Span{float})"/> computes y from x, and
/// <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> computes dx
/// from x, y and dy. The base class does the rest: the shape, keeping x aside when the layer runs in place and its
/// gradient needs x (Caffe's bottom_memory_), and skipping backward when the bottom needs no gradient.
/// </summary>
public abstract class NeuronLayer : Layer
{
    private readonly SavedInput _input = new();

    /// <summary>Creates the layer from its definition.</summary>
    protected NeuronLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Exactly(1), BlobArity.Exactly(1))
    {
    }

    /// <summary>
    /// Whether <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// reads x. True (the safe default) makes an in-place layer copy x aside in forward; a layer whose gradient
    /// needs only y and dy (sigmoid, tanh) says false and runs in place for free. Read at each reshape, so it may
    /// depend on the layer's parameters.
    /// </summary>
    protected virtual bool BackwardReadsInput => true;

    /// <summary>
    /// The forward formula: y from x, element by element. In place, <paramref name="x"/> and <paramref name="y"/>
    /// are the same memory, so read x[i] before writing y[i].
    /// </summary>
    /// <param name="x">The bottom's data.</param>
    /// <param name="y">The top's data, to write.</param>
    protected abstract void Forward(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>
    /// The gradient: dx from x, y and dy, element by element; called only when the bottom needs a gradient. In place,
    /// <paramref name="dy"/> and <paramref name="dx"/> are the same memory, and <paramref name="x"/> is the copy
    /// forward kept (or y, when <see cref="BackwardReadsInput"/> is false).
    /// </summary>
    /// <param name="x">The input of the last forward pass.</param>
    /// <param name="y">The top's data.</param>
    /// <param name="dy">The top's diff.</param>
    /// <param name="dx">The bottom's diff, to overwrite.</param>
    protected abstract void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>The input of the last forward pass, for a layer that also computes parameter gradients (PReLU).</summary>
    /// <param name="bottom">The layer's bottom.</param>
    /// <returns>x, as forward read it.</returns>
    protected ReadOnlySpan<float> ForwardInput(Blob bottom) => _input.Values(bottom);

    /// <summary>Gives the top the bottom's shape; a layer with buffers or checks overrides it and calls the base.</summary>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].ReshapeLike(bottom[0]);
        _input.Reshape(bottom[0], top[0], BackwardReadsInput);
    }

    /// <inheritdoc/>
    protected sealed override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (RunsBackward)
        {
            _input.Save(bottom[0]);
        }

        Forward(bottom[0].Data, top[0].Data);
    }

    /// <summary>
    /// Calls the gradient formula when the bottom needs it; a layer with learnable blobs overrides it, computes their
    /// gradients first (in place, dx overwrites dy) and then calls the base.
    /// </summary>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0])
        {
            Backward(_input.Values(bottom[0]), top[0].Data, top[0].Diff, bottom[0].Diff);
        }
    }
}
