using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Recurrent;

/// <summary>
/// What Caffe's RNN and LSTM layers share (Caffe's RecurrentLayer): the bottoms and tops, the input transforms and
/// the carried state. Caffe unrolls a sub-net over the T time steps; this class computes the same recurrence directly
/// (one GEMM over the whole sequence for the input transform, then one small GEMM per time step) with the same
/// learnable blobs, in the same order and shapes, so a Caffe model loads and gives Caffe's outputs.
/// </summary>
/// <remarks>
/// <para>
/// Bottoms: x (T x N x ...; T time steps of N independent streams), cont (T x N; 0 where a stream starts a new
/// sequence, 1 where it continues), optionally x_static (N x ...), and with <c>recurrent_param.expose_hidden</c> the
/// initial states h_0 (and c_0 for LSTM), each 1 x N x H. Tops: the output (T x N x H, H = <c>num_output</c>), and
/// with <c>expose_hidden</c> the final states h_T (and c_T), each 1 x N x H.
/// </para>
/// <para>
/// The gate input of step t is G_t = W_h (cont_t h_{t-1}) + W_x x_t + b [+ W_static x_static], G gate rows per
/// output. Learnable blobs, as Caffe's unrolled net owns them: W_x (G x I, I = x's count from axis 2), b (G),
/// [W_static (G x I_static)], then the subclass's (W_h first). Weights are filled with <c>weight_filler</c>, biases
/// with <c>bias_filler</c>, drawing from the generator as Caffe's unrolled net does: the subclass's blobs once more for
/// every step after the first (those draws are discarded, as Caffe discards them when it shares the blobs).
/// </para>
/// <para>
/// Without <c>expose_hidden</c> the state at the end of one forward pass is the initial state of the next (Caffe
/// copies h_T into h_0); cont = 0 at a step discards it. It starts at zero and is zeroed when N changes.
/// </para>
/// <para>
/// Backward: the exact gradients through time within the pass, to x, x_static, the initial states and every
/// learnable blob; the gradients given to the h_T (c_T) tops are included (Caffe drops them). cont gets none.
/// </para>
/// </remarks>
public abstract class RecurrentLayer : Layer
{
    private readonly int _gatesPerOutput;
    private readonly int _stateCount;
    private readonly string[] _blobNames;
    private int _inputs;
    private int _staticInputs;
    private float[] _gates = [];
    private float[] _gateDiffs = [];
    private float[] _hiddenConted = [];
    private float[] _ones = [];
    private float[] _staticGates = [];
    private float[] _staticGateDiffs = [];
    private float[] _zeros = [];
    private float[][] _initial;
    private float[][] _final;
    private float[][] _initialDiffs;

    /// <summary>Creates the layer from its definition (<c>recurrent_param</c>).</summary>
    /// <param name="parameter">The layer's definition.</param>
    /// <param name="gatesPerOutput">Gate rows per output: 1 for RNN, 4 for LSTM.</param>
    /// <param name="stateCount">Recurrent states: 1 for RNN (h), 2 for LSTM (h, c).</param>
    /// <param name="blobNames">Caffe's names of the learnable blobs: W_x, b, W_static, then the subclass's.</param>
    protected RecurrentLayer(LayerParameter parameter, int gatesPerOutput, int stateCount, string[] blobNames)
        : base(parameter, BottomCounts(parameter, stateCount), TopCounts(parameter, stateCount))
    {
        ArgumentNullException.ThrowIfNull(blobNames);
        var p = parameter.RecurrentParam ?? new RecurrentParameter();
        Outputs = PositiveCount(p.NumOutput, "recurrent_param.num_output");
        ExposeHidden = p.ExposeHidden;
        _gatesPerOutput = gatesPerOutput;
        _stateCount = stateCount;
        _blobNames = blobNames;
        _initial = new float[stateCount][];
        _final = new float[stateCount][];
        _initialDiffs = new float[stateCount][];
        for (var k = 0; k < stateCount; k++)
        {
            _initial[k] = [];
            _final[k] = [];
            _initialDiffs[k] = [];
        }
    }

    /// <summary>H, <c>recurrent_param.num_output</c>: the size of the hidden state and of the output.</summary>
    protected int Outputs { get; }

    /// <summary>Whether the initial states are bottoms and the final states tops (<c>recurrent_param.expose_hidden</c>).</summary>
    protected bool ExposeHidden { get; }

    /// <summary>T, the time steps of the current bottoms.</summary>
    protected int Steps { get; private set; }

    /// <summary>N, the independent streams of the current bottoms.</summary>
    protected int Streams { get; private set; }

    /// <summary>The gate rows of one stream at one step (G = gates per output x H).</summary>
    protected int GateWidth => _gatesPerOutput * Outputs;

    /// <summary>Whether x_static is given (bottom 2).</summary>
    protected bool HasStaticInput { get; private set; }

    /// <summary>The index of the subclass's first learnable blob (W_h): after W_x, b and W_static when given.</summary>
    protected int FirstRecurrentBlob => HasStaticInput ? 3 : 2;

    /// <summary>The gate inputs of every step, T x N x G: W_x x_t + b after the input transform, the full G_t after <see cref="AddRecurrentInput"/>.</summary>
    protected Span<float> Gates => _gates.AsSpan(0, Steps * Streams * GateWidth);

    /// <summary>The gradient of the gate inputs, T x N x G, which the subclass's backward fills.</summary>
    protected Span<float> GateDiffs => _gateDiffs.AsSpan(0, Steps * Streams * GateWidth);

    /// <summary>T x N ones, for a bias added to every row of a sequence.</summary>
    protected ReadOnlySpan<float> Ones => _ones.AsSpan(0, Steps * Streams);

    /// <summary>Every bottom but cont (bottom 1) can receive a gradient.</summary>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 1;

    /// <summary>The initial state k (0: h_0, 1: c_0) of this forward pass, N x H.</summary>
    protected ReadOnlySpan<float> InitialState(int k) => _initial[k].AsSpan(0, Streams * Outputs);

    /// <summary>Where the subclass's forward leaves the final state k (h_T, c_T), N x H.</summary>
    protected Span<float> FinalState(int k) => _final[k].AsSpan(0, Streams * Outputs);

    /// <summary>Where the subclass's backward leaves the gradient of the initial state k, N x H.</summary>
    protected Span<float> InitialStateDiff(int k) => _initialDiffs[k].AsSpan(0, Streams * Outputs);

    /// <summary>The gradient given to the final state k: the h_T (c_T) top's diff with <c>expose_hidden</c>, else zeros.</summary>
    protected ReadOnlySpan<float> FinalStateDiff(IReadOnlyList<Blob> top, int k)
    {
        ArgumentNullException.ThrowIfNull(top);
        return ExposeHidden ? top[1 + k].Diff : _zeros.AsSpan(0, Streams * Outputs);
    }

    /// <summary>Declares the subclass's learnable blobs, from index <see cref="FirstRecurrentBlob"/> on.</summary>
    /// <param name="parameter">The layer's <c>recurrent_param</c>.</param>
    protected abstract void DeclareRecurrentBlobs(RecurrentParameter parameter);

    /// <summary>Sizes the subclass's buffers for the current <see cref="Steps"/> and <see cref="Streams"/>.</summary>
    protected abstract void ReshapeSteps();

    /// <summary>
    /// Runs the recurrence over <see cref="Gates"/> (which hold W_x x_t + b), from <see cref="InitialState"/>, writing
    /// the output and <see cref="FinalState"/>.
    /// </summary>
    protected abstract void ForwardSteps(ReadOnlySpan<float> cont, Span<float> output);

    /// <summary>
    /// Back through the recurrence: fills <see cref="GateDiffs"/> and <see cref="InitialStateDiff"/>, and accumulates
    /// the gradients of the subclass's learnable blobs.
    /// </summary>
    protected abstract void BackwardSteps(ReadOnlySpan<float> cont, IReadOnlyList<Blob> top);

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        HasStaticInput = bottom.Count > 2 + (ExposeHidden ? _stateCount : 0);
        CheckBottoms(bottom);
        _inputs = bottom[0].CountFrom(2);
        _staticInputs = HasStaticInput ? bottom[2].CountFrom(1) : 0;
        var names = new List<string>(_blobNames.Length);
        for (var i = 0; i < _blobNames.Length; i++)
        {
            if (i != 2 || HasStaticInput)
            {
                names.Add(_blobNames[i]);
            }
        }

        RequireLearnableBlobCount(names.ToArray());
        var given = BlobsGiven;
        var p = Parameter.RecurrentParam ?? new RecurrentParameter();
        LearnableBlob(0, _blobNames[0], [GateWidth, _inputs], p.WeightFiller, "recurrent_param.weight_filler");
        LearnableBlob(1, _blobNames[1], [GateWidth], p.BiasFiller, "recurrent_param.bias_filler");
        if (HasStaticInput)
        {
            LearnableBlob(2, _blobNames[2], [GateWidth, _staticInputs], p.WeightFiller, "recurrent_param.weight_filler");
        }

        DeclareRecurrentBlobs(p);
        if (!given)
        {
            DrawLaterStepFills(p);
        }
    }

    /// <summary>
    /// Declares learnable blob <paramref name="index"/> of the subclass, named as Caffe names it, filled with
    /// <c>weight_filler</c> or (<paramref name="isBias"/>) <c>bias_filler</c>.
    /// </summary>
    protected void DeclareBlob(RecurrentParameter parameter, int index, ReadOnlySpan<int> shape, bool isBias)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var name = _blobNames[index + (HasStaticInput ? 0 : 1)];
        if (isBias)
        {
            LearnableBlob(index, name, shape, parameter.BiasFiller, "recurrent_param.bias_filler");
        }
        else
        {
            LearnableBlob(index, name, shape, parameter.WeightFiller, "recurrent_param.weight_filler");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var streams = Streams;
        CheckBottoms(bottom);
        var x = bottom[0];
        if (x.CountFrom(2) != _inputs)
        {
            throw Error($"bottom '{x.Name}' has shape {x.ShapeString}, giving {x.CountFrom(2)} inputs per step and stream from axis 2; the layer was set up for {_inputs}");
        }

        if (HasStaticInput && bottom[2].CountFrom(1) != _staticInputs)
        {
            throw Error($"bottom '{bottom[2].Name}' has shape {bottom[2].ShapeString}, giving {bottom[2].CountFrom(1)} static inputs per stream from axis 1; the layer was set up for {_staticInputs}");
        }

        for (var t = 0; t < top.Count; t++)
        {
            for (var b = 0; b < bottom.Count; b++)
            {
                RequireOutOfPlace(bottom[b], top[t], top.Count == 1 ? -1 : t);
            }
        }

        top[0].Reshape([Steps, Streams, Outputs]);
        for (var k = 0; ExposeHidden && k < _stateCount; k++)
        {
            top[1 + k].Reshape([1, Streams, Outputs]);
        }

        var rows = Steps * Streams;
        Grow(ref _gates, rows * GateWidth);
        Grow(ref _gateDiffs, rows * GateWidth);
        Grow(ref _hiddenConted, rows * Outputs);
        if (_ones.Length < rows)
        {
            _ones = new float[rows];
            Array.Fill(_ones, 1f);
        }

        Grow(ref _staticGates, Streams * GateWidth);
        Grow(ref _staticGateDiffs, Streams * GateWidth);
        Grow(ref _zeros, Streams * Outputs);
        for (var k = 0; k < _stateCount; k++)
        {
            Grow(ref _initial[k], Streams * Outputs);
            Grow(ref _initialDiffs[k], Streams * Outputs);
            Grow(ref _final[k], Streams * Outputs);
            if (streams != Streams)
            {
                Array.Clear(_final[k]);
            }
        }

        ReshapeSteps();
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int rows = Steps * Streams, width = GateWidth;
        var gates = Gates;
        Blas.Gemm(false, true, rows, width, _inputs, 1f, bottom[0].Data, Blobs[0].Data, 0f, gates);
        Blas.Gemm(false, false, rows, width, 1, 1f, Ones, Blobs[1].Data, 1f, gates);
        if (HasStaticInput)
        {
            Blas.Gemm(false, true, Streams, width, _staticInputs, 1f, bottom[2].Data, Blobs[2].Data, 0f, _staticGates.AsSpan(0, Streams * width));
        }

        var hiddenBottom = HiddenBottom;
        for (var k = 0; k < _stateCount; k++)
        {
            ReadOnlySpan<float> initial = ExposeHidden ? bottom[hiddenBottom + k].Data : FinalState(k);
            initial.CopyTo(_initial[k]);
        }

        ForwardSteps(bottom[1].Data, top[0].Data);
        for (var k = 0; ExposeHidden && k < _stateCount; k++)
        {
            FinalState(k).CopyTo(top[1 + k].Data);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        BackwardSteps(bottom[1].Data, top);
        int rows = Steps * Streams, width = GateWidth;
        var gateDiffs = GateDiffs;
        if (ParamPropagateDown(0))
        {
            Blas.Gemm(true, false, width, _inputs, rows, 1f, gateDiffs, bottom[0].Data, 1f, Blobs[0].Diff);
        }

        if (ParamPropagateDown(1))
        {
            Blas.Gemv(true, rows, width, 1f, gateDiffs, Ones, 1f, Blobs[1].Diff);
        }

        if (propagateDown[0])
        {
            Blas.Gemm(false, false, rows, _inputs, width, 1f, gateDiffs, Blobs[0].Data, 0f, bottom[0].Diff);
        }

        if (propagateDown[1])
        {
            bottom[1].Diff.Clear();
        }

        if (HasStaticInput && (ParamPropagateDown(2) || propagateDown[2]))
        {
            // x_static feeds every step: its gate gradient is the sum over the steps.
            var sums = _staticGateDiffs.AsSpan(0, Streams * width);
            sums.Clear();
            for (var t = 0; t < Steps; t++)
            {
                TensorPrimitives.Add(sums, gateDiffs.Slice(t * Streams * width, Streams * width), sums);
            }

            if (ParamPropagateDown(2))
            {
                Blas.Gemm(true, false, width, _staticInputs, Streams, 1f, sums, bottom[2].Data, 1f, Blobs[2].Diff);
            }

            if (propagateDown[2])
            {
                Blas.Gemm(false, false, Streams, _staticInputs, width, 1f, sums, Blobs[2].Data, 0f, bottom[2].Diff);
            }
        }

        var hiddenBottom = HiddenBottom;
        for (var k = 0; ExposeHidden && k < _stateCount; k++)
        {
            if (propagateDown[hiddenBottom + k])
            {
                InitialStateDiff(k).CopyTo(bottom[hiddenBottom + k].Diff);
            }
        }
    }

    /// <summary>
    /// G_t += W_h (cont_t h_{t-1}) [+ W_static x_static]: the recurrent part of step <paramref name="step"/>'s gate
    /// input, added in Caffe's order; cont_t h_{t-1} is kept for the weight's gradient.
    /// </summary>
    /// <param name="step">t.</param>
    /// <param name="cont">The T x N continuation indicators.</param>
    /// <param name="previous">h_{t-1}, N x H.</param>
    /// <param name="recurrentWeight">W_h, G x H.</param>
    protected void AddRecurrentInput(int step, ReadOnlySpan<float> cont, ReadOnlySpan<float> previous, Blob recurrentWeight)
    {
        ArgumentNullException.ThrowIfNull(recurrentWeight);
        int streams = Streams, hidden = Outputs, width = GateWidth;
        var conted = _hiddenConted.AsSpan(step * streams * hidden, streams * hidden);
        for (var n = 0; n < streams; n++)
        {
            TensorPrimitives.Multiply(previous.Slice(n * hidden, hidden), cont[(step * streams) + n], conted.Slice(n * hidden, hidden));
        }

        var gates = Gates.Slice(step * streams * width, streams * width);
        Blas.Gemm(false, true, streams, width, hidden, 1f, conted, recurrentWeight.Data, 1f, gates);
        if (HasStaticInput)
        {
            TensorPrimitives.Add(gates, _staticGates.AsSpan(0, streams * width), gates);
        }
    }

    /// <summary>dh_{t-1} = cont_t (W_h^T dG_t): the gradient step <paramref name="step"/>'s gate input sends back to h_{t-1}.</summary>
    /// <param name="step">t.</param>
    /// <param name="cont">The T x N continuation indicators.</param>
    /// <param name="recurrentWeight">W_h, G x H.</param>
    /// <param name="previousDiff">Receives dh_{t-1}, N x H (overwritten).</param>
    protected void PropagateToPrevious(int step, ReadOnlySpan<float> cont, Blob recurrentWeight, Span<float> previousDiff)
    {
        ArgumentNullException.ThrowIfNull(recurrentWeight);
        int streams = Streams, hidden = Outputs, width = GateWidth;
        var gateDiffs = GateDiffs.Slice(step * streams * width, streams * width);
        Blas.Gemm(false, false, streams, hidden, width, 1f, gateDiffs, recurrentWeight.Data, 0f, previousDiff);
        for (var n = 0; n < streams; n++)
        {
            var row = previousDiff.Slice(n * hidden, hidden);
            TensorPrimitives.Multiply(row, cont[(step * streams) + n], row);
        }
    }

    /// <summary>dW_h += sum over the steps of dG_t^T (cont_t h_{t-1}), when the blob at <paramref name="index"/> wants a gradient.</summary>
    protected void AccumulateRecurrentWeightDiff(int index)
    {
        if (ParamPropagateDown(index))
        {
            var rows = Steps * Streams;
            Blas.Gemm(true, false, GateWidth, Outputs, rows, 1f, GateDiffs, _hiddenConted.AsSpan(0, rows * Outputs), 1f, Blobs[index].Diff);
        }
    }

    /// <summary>Makes <paramref name="buffer"/> hold at least <paramref name="count"/> elements (Reshape only).</summary>
    protected static void Grow(ref float[] buffer, int count)
    {
        if (buffer.Length < count)
        {
            buffer = new float[count];
        }
    }

    private int HiddenBottom => HasStaticInput ? 3 : 2;

    // Caffe's unrolled net holds one copy of the recurrent transforms per step, and each copy fills its blobs before
    // they are shared with the first step's: steps 2..T draw from the generator too (in blob order, step by step), so
    // that the layers set up after this one draw what they draw in Caffe. The values drawn are not kept.
    private void DrawLaterStepFills(RecurrentParameter parameter)
    {
        var scratch = new Blob[Blobs.Count];
        for (var t = 1; t < Steps; t++)
        {
            for (var i = FirstRecurrentBlob; i < Blobs.Count; i++)
            {
                scratch[i] ??= new Blob(Blobs[i].Shape.ToArray());
                var isBias = Blobs[i].AxisCount == 1;
                Fill(scratch[i], isBias ? parameter.BiasFiller : parameter.WeightFiller, isBias ? "recurrent_param.bias_filler" : "recurrent_param.weight_filler");
            }
        }
    }

    private static BlobArity BottomCounts(LayerParameter parameter, int stateCount)
    {
        var minimum = 2 + (parameter?.RecurrentParam?.ExposeHidden == true ? stateCount : 0);
        return BlobArity.Between(minimum, minimum + 1);
    }

    private static BlobArity TopCounts(LayerParameter parameter, int stateCount) =>
        BlobArity.Exactly(1 + (parameter?.RecurrentParam?.ExposeHidden == true ? stateCount : 0));

    private void CheckBottoms(IReadOnlyList<Blob> bottom)
    {
        var x = bottom[0];
        if (x.AxisCount < 2)
        {
            throw Error($"bottom '{x.Name}' has shape {x.ShapeString}; the input needs at least 2 axes (time steps, streams, ...)");
        }

        Steps = x.Shape[0];
        Streams = x.Shape[1];
        var cont = bottom[1];
        if (!cont.HasShape([Steps, Streams]))
        {
            throw Error($"bottom '{cont.Name}' has shape {cont.ShapeString}; the sequence continuation indicators need shape {Steps} {Streams} (the time steps and streams of bottom '{x.Name}')");
        }

        if (HasStaticInput)
        {
            var xStatic = bottom[2];
            if (xStatic.AxisCount < 1 || xStatic.Shape[0] != Streams)
            {
                throw Error($"bottom '{xStatic.Name}' has shape {xStatic.ShapeString}; the static input needs {Streams} streams on its first axis, as bottom '{x.Name}' has");
            }
        }

        for (var k = 0; ExposeHidden && k < _stateCount; k++)
        {
            var state = bottom[HiddenBottom + k];
            if (!state.HasShape([1, Streams, Outputs]))
            {
                var what = k == 0 ? "hidden" : "cell";
                throw Error($"bottom '{state.Name}' has shape {state.ShapeString}; the initial {what} state needs shape 1 {Streams} {Outputs} (one step, streams, recurrent_param.num_output)");
            }
        }
    }
}
