using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Recurrent;

/// <summary>
/// Caffe's RNN layer: a simple (Elman) recurrent net over T time steps of N streams (see <see cref="RecurrentLayer"/>
/// for the bottoms, tops and the carried state).
/// </summary>
/// <remarks>
/// <para>
/// Forward, for t = 1..T: h_t = tanh(W_hh (cont_t h_{t-1}) + W_xh x_t + b_h [+ W_xh_static x_static]);
/// o_t = tanh(W_ho h_t + b_o). The top is o_1..o_T.
/// </para>
/// <para>
/// Learnable blobs, in Caffe's order: W_xh (H x I), b_h (H), [W_xh_static (H x I_static)], W_hh (H x H),
/// W_ho (H x H), b_o (H).
/// </para>
/// <para>
/// Backward: do'_t = dtop_t (1 - o_t^2); dW_ho += do'^T h; db_o += sums of do'; for t = T..1:
/// dh_t = W_ho^T do'_t + cont_{t+1} W_hh^T da_{t+1}, da_t = dh_t (1 - h_t^2); dW_hh += da_t^T (cont_t h_{t-1});
/// then dW_xh, db_h, dx, dW_xh_static and dx_static from da.
/// </para>
/// </remarks>
public sealed class RNNLayer : RecurrentLayer
{
    private float[] _hidden = [];
    private float[] _outputDiffs = [];
    private float[] _hiddenDiffs = [];
    private float[] _runningDiff = [];

    /// <summary>Creates the layer from its definition (<c>recurrent_param</c>).</summary>
    public RNNLayer(LayerParameter parameter)
        : base(parameter, gatesPerOutput: 1, stateCount: 1, ["W_xh", "b_h", "W_xh_static", "W_hh", "W_ho", "b_o"])
    {
    }

    /// <inheritdoc/>
    protected override void DeclareRecurrentBlobs(RecurrentParameter parameter)
    {
        DeclareBlob(parameter, FirstRecurrentBlob, [Outputs, Outputs], isBias: false);
        DeclareBlob(parameter, FirstRecurrentBlob + 1, [Outputs, Outputs], isBias: false);
        DeclareBlob(parameter, FirstRecurrentBlob + 2, [Outputs], isBias: true);
    }

    /// <inheritdoc/>
    protected override void ReshapeSteps()
    {
        var rows = Steps * Streams;
        Grow(ref _hidden, rows * Outputs);
        Grow(ref _outputDiffs, rows * Outputs);
        Grow(ref _hiddenDiffs, rows * Outputs);
        Grow(ref _runningDiff, Streams * Outputs);
    }

    /// <inheritdoc/>
    protected override void ForwardSteps(ReadOnlySpan<float> cont, Span<float> output)
    {
        int rows = Steps * Streams, hidden = Outputs, state = Streams * hidden;
        var recurrentWeight = Blobs[FirstRecurrentBlob];
        var states = _hidden.AsSpan(0, rows * hidden);
        for (var t = 0; t < Steps; t++)
        {
            ReadOnlySpan<float> previous = t == 0 ? InitialState(0) : states.Slice((t - 1) * state, state);
            AddRecurrentInput(t, cont, previous, recurrentWeight);
            TensorPrimitives.Tanh(Gates.Slice(t * state, state), states.Slice(t * state, state));
        }

        if (Steps > 0)
        {
            states.Slice((Steps - 1) * state, state).CopyTo(FinalState(0));
        }

        // The output transform does not feed back: one GEMM over the whole sequence.
        Blas.Gemm(false, true, rows, hidden, hidden, 1f, states, Blobs[FirstRecurrentBlob + 1].Data, 0f, output);
        Blas.Gemm(false, false, rows, hidden, 1, 1f, Ones, Blobs[FirstRecurrentBlob + 2].Data, 1f, output);
        TensorPrimitives.Tanh(output, output);
    }

    /// <inheritdoc/>
    protected override void BackwardSteps(ReadOnlySpan<float> cont, IReadOnlyList<Blob> top)
    {
        int rows = Steps * Streams, hidden = Outputs, state = Streams * hidden;
        var outputWeight = Blobs[FirstRecurrentBlob + 1];
        ReadOnlySpan<float> output = top[0].Data;
        ReadOnlySpan<float> topDiff = top[0].Diff;
        ReadOnlySpan<float> states = _hidden.AsSpan(0, rows * hidden);
        var outputDiffs = _outputDiffs.AsSpan(0, rows * hidden);
        for (var i = 0; i < outputDiffs.Length; i++)
        {
            outputDiffs[i] = topDiff[i] * (1f - (output[i] * output[i]));
        }

        if (ParamPropagateDown(FirstRecurrentBlob + 1))
        {
            Blas.Gemm(true, false, hidden, hidden, rows, 1f, outputDiffs, states, 1f, outputWeight.Diff);
        }

        if (ParamPropagateDown(FirstRecurrentBlob + 2))
        {
            Blas.Gemv(true, rows, hidden, 1f, outputDiffs, Ones, 1f, Blobs[FirstRecurrentBlob + 2].Diff);
        }

        var hiddenDiffs = _hiddenDiffs.AsSpan(0, rows * hidden);
        Blas.Gemm(false, false, rows, hidden, hidden, 1f, outputDiffs, outputWeight.Data, 0f, hiddenDiffs);
        var running = _runningDiff.AsSpan(0, state);
        FinalStateDiff(top, 0).CopyTo(running);
        var recurrentWeight = Blobs[FirstRecurrentBlob];
        for (var t = Steps - 1; t >= 0; t--)
        {
            TensorPrimitives.Add(running, hiddenDiffs.Slice(t * state, state), running);
            var gateDiffs = GateDiffs.Slice(t * state, state);
            var h = states.Slice(t * state, state);
            for (var i = 0; i < state; i++)
            {
                gateDiffs[i] = running[i] * (1f - (h[i] * h[i]));
            }

            PropagateToPrevious(t, cont, recurrentWeight, running);
        }

        running.CopyTo(InitialStateDiff(0));
        AccumulateRecurrentWeightDiff(FirstRecurrentBlob);
    }
}
