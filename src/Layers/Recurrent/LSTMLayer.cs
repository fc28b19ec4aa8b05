using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Recurrent;

/// <summary>
/// Caffe's LSTM layer: a long short-term memory over T time steps of N streams (see <see cref="RecurrentLayer"/> for
/// the bottoms, tops and the carried state).
/// </summary>
/// <remarks>
/// <para>
/// Forward, for t = 1..T: G_t = W_hc (cont_t h_{t-1}) + W_xc x_t + b_c [+ W_xc_static x_static], 4H rows in Caffe's
/// order i', f', o', g'; i = sigmoid(i'), f = cont_t sigmoid(f'), o = sigmoid(o'), g = tanh(g');
/// c_t = f c_{t-1} + i g; h_t = o tanh(c_t). The top is h_1..h_T.
/// </para>
/// <para>
/// Learnable blobs, in Caffe's order: W_xc (4H x I), b_c (4H), [W_xc_static (4H x I_static)], W_hc (4H x H).
/// </para>
/// <para>
/// Backward, for t = T..1: dh_t = dtop_t + cont_{t+1} W_hc^T dG_{t+1}; the cell's backward (<c>LSTMUnit</c>) gives
/// dG_t and dc_{t-1}; dW_hc += dG_t^T (cont_t h_{t-1}); then dW_xc, db_c, dx, dW_xc_static and dx_static from dG.
/// </para>
/// </remarks>
public sealed class LSTMLayer : RecurrentLayer
{
    private float[] _cells = [];
    private float[] _hiddenDiff = [];
    private float[] _cellDiff = [];

    /// <summary>Creates the layer from its definition (<c>recurrent_param</c>).</summary>
    public LSTMLayer(LayerParameter parameter)
        : base(parameter, gatesPerOutput: 4, stateCount: 2, ["W_xc", "b_c", "W_xc_static", "W_hc"])
    {
    }

    /// <inheritdoc/>
    protected override void DeclareRecurrentBlobs(RecurrentParameter parameter) =>
        DeclareBlob(parameter, FirstRecurrentBlob, [4 * Outputs, Outputs], isBias: false);

    /// <inheritdoc/>
    protected override void ReshapeSteps()
    {
        Grow(ref _cells, Steps * Streams * Outputs);
        Grow(ref _hiddenDiff, Streams * Outputs);
        Grow(ref _cellDiff, Streams * Outputs);
    }

    /// <inheritdoc/>
    protected override void ForwardSteps(ReadOnlySpan<float> cont, Span<float> output)
    {
        int streams = Streams, hidden = Outputs, state = streams * hidden, width = GateWidth * streams;
        var weight = Blobs[FirstRecurrentBlob];
        var cells = _cells.AsSpan(0, Steps * state);
        for (var t = 0; t < Steps; t++)
        {
            ReadOnlySpan<float> previousHidden = t == 0 ? InitialState(0) : output.Slice((t - 1) * state, state);
            ReadOnlySpan<float> previousCell = t == 0 ? InitialState(1) : cells.Slice((t - 1) * state, state);
            AddRecurrentInput(t, cont, previousHidden, weight);
            LstmCell.Forward(hidden, Gates.Slice(t * width, width), previousCell, cont.Slice(t * streams, streams), cells.Slice(t * state, state), output.Slice(t * state, state));
        }

        if (Steps > 0)
        {
            output.Slice((Steps - 1) * state, state).CopyTo(FinalState(0));
            cells.Slice((Steps - 1) * state, state).CopyTo(FinalState(1));
        }
    }

    /// <inheritdoc/>
    protected override void BackwardSteps(ReadOnlySpan<float> cont, IReadOnlyList<Blob> top)
    {
        int streams = Streams, hidden = Outputs, state = streams * hidden, width = GateWidth * streams;
        var weight = Blobs[FirstRecurrentBlob];
        ReadOnlySpan<float> cells = _cells.AsSpan(0, Steps * state);
        ReadOnlySpan<float> topDiff = top[0].Diff;
        var hiddenDiff = _hiddenDiff.AsSpan(0, state);
        var cellDiff = _cellDiff.AsSpan(0, state);
        FinalStateDiff(top, 0).CopyTo(hiddenDiff);
        FinalStateDiff(top, 1).CopyTo(cellDiff);
        for (var t = Steps - 1; t >= 0; t--)
        {
            TensorPrimitives.Add(hiddenDiff, topDiff.Slice(t * state, state), hiddenDiff);
            var previousCell = t == 0 ? InitialState(1) : cells.Slice((t - 1) * state, state);
            LstmCell.Backward(
                hidden,
                Gates.Slice(t * width, width),
                previousCell,
                cont.Slice(t * streams, streams),
                cells.Slice(t * state, state),
                cellDiff,
                hiddenDiff,
                cellDiff,
                GateDiffs.Slice(t * width, width));
            PropagateToPrevious(t, cont, weight, hiddenDiff);
        }

        hiddenDiff.CopyTo(InitialStateDiff(0));
        cellDiff.CopyTo(InitialStateDiff(1));
        AccumulateRecurrentWeightDiff(FirstRecurrentBlob);
    }
}
