using LayerNet.Blobs;

namespace LayerNet.Layers.Tests.Recurrent;

/// <summary>
/// The RNN and LSTM recurrences in float64, written from Caffe's equations independently of the layers: plain loops,
/// one stream and one row at a time, the standard tanh.
/// </summary>
internal static class RecurrentReference
{
    /// <summary>Caffe's LSTM over x (T x N x I) from h0 and c0 (N x H); returns h_1..h_T and the final states.</summary>
    /// <param name="blobs">W_xc, b_c, [W_xc_static], W_hc, as the layer holds them.</param>
    public static double[] Lstm(Inputs s, int hidden, IReadOnlyList<Blob> blobs, double[] h0, double[] c0, out double[] hT, out double[] cT)
    {
        var (steps, streams) = (s.Steps, s.Streams);
        var hasStatic = s.Static is not null;
        var wx = blobs[0].Data.ToArray();
        var b = blobs[1].Data.ToArray();
        var ws = hasStatic ? blobs[2].Data.ToArray() : [];
        var wh = blobs[hasStatic ? 3 : 2].Data.ToArray();
        var h = (double[])h0.Clone();
        var c = (double[])c0.Clone();
        var output = new double[steps * streams * hidden];
        for (var t = 0; t < steps; t++)
        {
            var nextH = new double[streams * hidden];
            var nextC = new double[streams * hidden];
            for (var n = 0; n < streams; n++)
            {
                var cont = (double)s.Cont[(t * streams) + n];
                var gate = new double[4 * hidden];
                for (var r = 0; r < 4 * hidden; r++)
                {
                    gate[r] = Transform(s, t, n, r, hidden, wx, b, ws, wh, h, cont);
                }

                for (var d = 0; d < hidden; d++)
                {
                    var i = Sigmoid(gate[d]);
                    var f = cont * Sigmoid(gate[hidden + d]);
                    var o = Sigmoid(gate[(2 * hidden) + d]);
                    var g = Math.Tanh(gate[(3 * hidden) + d]);
                    nextC[(n * hidden) + d] = (f * c[(n * hidden) + d]) + (i * g);
                    nextH[(n * hidden) + d] = o * Math.Tanh(nextC[(n * hidden) + d]);
                }
            }

            (h, c) = (nextH, nextC);
            Array.Copy(h, 0, output, t * streams * hidden, h.Length);
        }

        (hT, cT) = (h, c);
        return output;
    }

    /// <summary>Caffe's RNN over x (T x N x I) from h0 (N x H); returns o_1..o_T and the final h.</summary>
    /// <param name="blobs">W_xh, b_h, [W_xh_static], W_hh, W_ho, b_o, as the layer holds them.</param>
    public static double[] Rnn(Inputs s, int hidden, IReadOnlyList<Blob> blobs, double[] h0, out double[] hT)
    {
        var (steps, streams) = (s.Steps, s.Streams);
        var hasStatic = s.Static is not null;
        var first = hasStatic ? 3 : 2;
        var wx = blobs[0].Data.ToArray();
        var b = blobs[1].Data.ToArray();
        var ws = hasStatic ? blobs[2].Data.ToArray() : [];
        var wh = blobs[first].Data.ToArray();
        var wo = blobs[first + 1].Data.ToArray();
        var bo = blobs[first + 2].Data.ToArray();
        var h = (double[])h0.Clone();
        var output = new double[steps * streams * hidden];
        for (var t = 0; t < steps; t++)
        {
            var next = new double[streams * hidden];
            for (var n = 0; n < streams; n++)
            {
                var cont = (double)s.Cont[(t * streams) + n];
                for (var r = 0; r < hidden; r++)
                {
                    next[(n * hidden) + r] = Math.Tanh(Transform(s, t, n, r, hidden, wx, b, ws, wh, h, cont));
                }
            }

            h = next;
            for (var n = 0; n < streams; n++)
            {
                for (var r = 0; r < hidden; r++)
                {
                    var sum = (double)bo[r];
                    for (var j = 0; j < hidden; j++)
                    {
                        sum += wo[(r * hidden) + j] * h[(n * hidden) + j];
                    }

                    output[(((t * streams) + n) * hidden) + r] = Math.Tanh(sum);
                }
            }
        }

        hT = h;
        return output;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    // Row r of the gate input of stream n at step t: W_x x_t + b + W_h (cont h_{t-1}) [+ W_static x_static].
    private static double Transform(Inputs s, int t, int n, int r, int hidden, float[] wx, float[] b, float[] ws, float[] wh, double[] h, double cont)
    {
        var sum = (double)b[r];
        for (var i = 0; i < s.InputSize; i++)
        {
            sum += wx[(r * s.InputSize) + i] * (double)s.X[(((t * s.Streams) + n) * s.InputSize) + i];
        }

        for (var j = 0; j < hidden; j++)
        {
            sum += wh[(r * hidden) + j] * cont * h[(n * hidden) + j];
        }

        if (s.Static is { } xs)
        {
            var size = xs.Length / s.Streams;
            for (var k = 0; k < size; k++)
            {
                sum += ws[(r * size) + k] * (double)xs[(n * size) + k];
            }
        }

        return sum;
    }

    /// <summary>A sequence: x as T x N x I values, cont as T x N, and x_static as N x I_static (or none).</summary>
    public sealed record Inputs(int Steps, int Streams, int InputSize, float[] X, float[] Cont, float[]? Static);
}
