using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Recurrent;

/// <summary>
/// Caffe's LSTMUnit layer: one step of the LSTM cell, the unit <see cref="LSTMLayer"/> repeats at every step.
/// </summary>
/// <remarks>
/// <para>
/// Bottoms: c_prev (1 x N x H), the gate inputs x (1 x N x 4H, in Caffe's order i', f', o', g'), cont (1 x N).
/// Tops: c and h (1 x N x H each). No learnable blobs.
/// </para>
/// <para>
/// Forward: i = sigmoid(i'), f = cont sigmoid(f') (0 where cont is 0), o = sigmoid(o'), g = tanh(g');
/// c = f c_prev + i g; h = o tanh(c).
/// </para>
/// <para>
/// Backward (Caffe's): dc' = dc + dh o (1 - tanh(c)^2); dc_prev = dc' f; di' = dc' g i (1 - i);
/// df' = dc' c_prev f (1 - f); do' = dh tanh(c) o (1 - o); dg' = dc' i (1 - g^2). cont gets no gradient.
/// </para>
/// </remarks>
public sealed class LSTMUnitLayer : Layer
{
    private float[] _cellPreviousScratch = [];
    private float[] _gatesScratch = [];
    private int _hidden;

    /// <summary>Creates the layer from its definition.</summary>
    public LSTMUnitLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(3), tops: BlobArity.Exactly(2))
    {
    }

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 2;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var cellPrevious = bottom[0];
        if (cellPrevious.AxisCount != 3 || cellPrevious.Shape[0] != 1)
        {
            throw Error($"bottom '{cellPrevious.Name}' has shape {cellPrevious.ShapeString}; the previous cell state needs shape 1 x streams x hidden");
        }

        int streams = cellPrevious.Shape[1], hidden = cellPrevious.Shape[2];
        var gates = bottom[1];
        if (!gates.HasShape([1, streams, 4 * hidden]))
        {
            throw Error($"bottom '{gates.Name}' has shape {gates.ShapeString}; the gate inputs need shape 1 {streams} {4 * hidden} (one step, streams, 4 x the cell state's {hidden})");
        }

        var cont = bottom[2];
        if (!cont.HasShape([1, streams]))
        {
            throw Error($"bottom '{cont.Name}' has shape {cont.ShapeString}; the sequence continuation indicators need shape 1 {streams} (one step, streams)");
        }

        for (var t = 0; t < top.Count; t++)
        {
            for (var b = 0; b < bottom.Count; b++)
            {
                RequireOutOfPlace(bottom[b], top[t], t);
            }
        }

        _hidden = hidden;
        top[0].ReshapeLike(cellPrevious);
        top[1].ReshapeLike(cellPrevious);
        if (_cellPreviousScratch.Length < cellPrevious.Count)
        {
            _cellPreviousScratch = new float[cellPrevious.Count];
        }

        if (_gatesScratch.Length < gates.Count)
        {
            _gatesScratch = new float[gates.Count];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        LstmCell.Forward(_hidden, bottom[1].Data, bottom[0].Data, bottom[2].Data, top[0].Data, top[1].Data);

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0] || propagateDown[1])
        {
            var cellPreviousDiff = propagateDown[0] ? bottom[0].Diff : _cellPreviousScratch.AsSpan(0, bottom[0].Count);
            var gatesDiff = propagateDown[1] ? bottom[1].Diff : _gatesScratch.AsSpan(0, bottom[1].Count);
            LstmCell.Backward(_hidden, bottom[1].Data, bottom[0].Data, bottom[2].Data, top[0].Data, top[0].Diff, top[1].Diff, cellPreviousDiff, gatesDiff);
        }

        if (propagateDown[2])
        {
            bottom[2].Diff.Clear();
        }
    }
}
