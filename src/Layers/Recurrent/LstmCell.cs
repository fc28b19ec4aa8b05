namespace LayerNet.Layers.Recurrent;

/// <summary>
/// One step of Caffe's LSTM cell (its LSTMUnit) for every stream, shared by <see cref="LSTMUnitLayer"/> and
/// <see cref="LSTMLayer"/>, with Caffe's arithmetic: the sigmoid in double, tanh(x) = 2 sigmoid(2x) - 1.
/// </summary>
/// <remarks>
/// Each stream's 4H gate inputs are laid out i', f', o', g' (Caffe's order). i = sigmoid(i'), f = cont * sigmoid(f')
/// (0 where cont is 0), o = sigmoid(o'), g = tanh(g'); c = f c_prev + i g; h = o tanh(c).
/// </remarks>
internal static class LstmCell
{
    /// <summary>c and h of one step, from the gate inputs (N x 4H), the previous cell state (N x H) and cont (N).</summary>
    public static void Forward(
        int hidden, ReadOnlySpan<float> gates, ReadOnlySpan<float> cellPrevious, ReadOnlySpan<float> cont, Span<float> cell, Span<float> output)
    {
        for (var n = 0; n < cont.Length; n++)
        {
            var x = gates.Slice(n * 4 * hidden, 4 * hidden);
            var row = n * hidden;
            for (var d = 0; d < hidden; d++)
            {
                var (i, f, o, g) = Activate(x, hidden, d, cont[n]);
                var c = (f * cellPrevious[row + d]) + (i * g);
                cell[row + d] = c;
                output[row + d] = o * Tanh(c);
            }
        }
    }

    /// <summary>
    /// Caffe's backward of one step: from dc and dh (N x H each) to dc_prev (N x H) and the gate inputs' gradient
    /// (N x 4H). dc_prev may be the same storage as dc: each element is read before it is written.
    /// </summary>
    /// <remarks>
    /// dc' = dc + dh o (1 - tanh(c)^2); dc_prev = dc' f; di' = dc' g i (1 - i); df' = dc' c_prev f (1 - f);
    /// do' = dh tanh(c) o (1 - o); dg' = dc' i (1 - g^2). With a cont other than 0 or 1, df' is Caffe's (it takes
    /// f (1 - f) of the scaled f), not the exact derivative.
    /// </remarks>
    public static void Backward(
        int hidden,
        ReadOnlySpan<float> gates,
        ReadOnlySpan<float> cellPrevious,
        ReadOnlySpan<float> cont,
        ReadOnlySpan<float> cell,
        ReadOnlySpan<float> cellDiff,
        ReadOnlySpan<float> outputDiff,
        Span<float> cellPreviousDiff,
        Span<float> gatesDiff)
    {
        for (var n = 0; n < cont.Length; n++)
        {
            var x = gates.Slice(n * 4 * hidden, 4 * hidden);
            var dx = gatesDiff.Slice(n * 4 * hidden, 4 * hidden);
            var row = n * hidden;
            for (var d = 0; d < hidden; d++)
            {
                var (i, f, o, g) = Activate(x, hidden, d, cont[n]);
                var tanhC = Tanh(cell[row + d]);
                var dh = outputDiff[row + d];
                var dc = cellDiff[row + d] + (dh * o * (1f - (tanhC * tanhC)));
                var previous = cellPrevious[row + d];
                cellPreviousDiff[row + d] = dc * f;
                dx[d] = dc * g * i * (1f - i);
                dx[hidden + d] = dc * previous * f * (1f - f);
                dx[(2 * hidden) + d] = dh * tanhC * o * (1f - o);
                dx[(3 * hidden) + d] = dc * i * (1f - (g * g));
            }
        }
    }

    /// <summary>1 / (1 + exp(-x)), computed in double and rounded once, as Caffe's LSTM unit computes it.</summary>
    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-x)));

    /// <summary>tanh(x) as Caffe's LSTM unit computes it: 2 sigmoid(2x) - 1.</summary>
    public static float Tanh(float x) => (float)((2.0 * Sigmoid(2f * x)) - 1.0);

    // The gates of cell d from one stream's 4H inputs; f is scaled by cont (0 where cont is 0, as Caffe has it).
    private static (float I, float F, float O, float G) Activate(ReadOnlySpan<float> x, int hidden, int d, float cont) =>
        (Sigmoid(x[d]), cont == 0f ? 0f : cont * Sigmoid(x[hidden + d]), Sigmoid(x[(2 * hidden) + d]), Tanh(x[(3 * hidden) + d]));
}
