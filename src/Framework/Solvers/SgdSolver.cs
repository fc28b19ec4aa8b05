using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Devices;
using LayerNet.Layers;
using LayerNet.Numerics;

namespace LayerNet.Solvers;

/// <summary>
/// Stochastic gradient descent with momentum, Caffe's SGDSolver, and the base of the adaptive rules. Each
/// update, in Caffe's order: the learning rate for the iteration; clip the gradients to clip_gradients
/// (global L2 norm); divide by iter_size; add weight decay (L2: decay * w, L1: decay * sign(w), decay =
/// weight_decay * decay_mult); compute the step (<see cref="ComputeUpdateValue"/>); apply data -= diff.
/// </summary>
/// <remarks>
/// SGD's step: v = momentum * v + lr * lr_mult * g; diff = v. Given a device that runs the solver's work
/// (<see cref="ISolverDevice"/>), the built-in rules update the parameters there, with their history blobs, in the
/// same order; a rule derived elsewhere (its own <see cref="ComputeUpdateValue"/>) runs on the host spans.
/// </remarks>
public class SgdSolver : Solver
{
    private readonly List<Blob> _history = [];
    private readonly List<Blob> _scratch = [];

    // True unless a derived rule overrides ComputeUpdateValue: SGD's step can then be fused with the update.
    private readonly bool _plainStep;

    // The device that runs the update, when the solver has one that can and the rule is a built-in one (its step
    // described by DeviceStep); null updates on the host.
    private readonly ISolverDevice? _device;

    /// <summary>Builds the solver and its nets.</summary>
    public SgdSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
        : base(parameter, options, factory)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.RegularizationType is not ("L1" or "L2"))
        {
            throw new Errors.LayerNetException($"unknown regularization_type '{parameter.RegularizationType}'; expected L1 or L2");
        }

        if (!AcceptsMomentum && parameter.Momentum != 0f)
        {
            throw new Errors.LayerNetException($"momentum cannot be used with {TypeName}; remove it or set momentum: 0");
        }

        for (var copy = 0; copy < HistoryCopies; copy++)
        {
            foreach (var param in Net.LearnableParams)
            {
                _history.Add(new Blob([.. param.Shape]));
            }
        }

        foreach (var param in Net.LearnableParams)
        {
            _scratch.Add(new Blob([.. param.Shape]));
        }

        const System.Reflection.BindingFlags Overridable = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic;
        var stepRule = GetType().GetMethod(nameof(ComputeUpdateValue), Overridable)?.DeclaringType;
        _plainStep = stepRule == typeof(SgdSolver);
        if (options.Device is ISolverDevice device && stepRule == GetType().GetMethod(nameof(DeviceStep), Overridable)?.DeclaringType)
        {
            _device = device;
        }
    }

    /// <inheritdoc/>
    public override string TypeName => "SGD";

    /// <summary>How many history blobs each parameter keeps (2 for AdaDelta and Adam).</summary>
    protected virtual int HistoryCopies => 1;

    /// <inheritdoc/>
    protected override IReadOnlyList<Blob> History => _history;

    /// <summary>False for the rules that refuse a momentum other than 0 (AdaGrad, RMSProp), as Caffe does.</summary>
    private protected virtual bool AcceptsMomentum => true;

    /// <summary>A scratch blob per parameter, the shape of the parameter, for the update rules.</summary>
    protected IReadOnlyList<Blob> Scratch => _scratch;

    /// <summary>The history blob <paramref name="copy"/> of parameter <paramref name="index"/>.</summary>
    protected Blob HistoryOf(int index, int copy = 0) => _history[(copy * Net.LearnableParams.Count) + index];

    /// <inheritdoc/>
    protected override void ApplyUpdate()
    {
        var rate = LearningRate();
        if (Parameter.Display > 0 && Iteration % Parameter.Display == 0)
        {
            Log.Info("sgd_solver", $"Iteration {Iteration}, lr = {TrainingLog.Number(rate)}");
        }

        if (_device is not null)
        {
            ApplyUpdateOnDevice(_device, rate);
            return;
        }

        ClipGradients();
        var parameters = Net.LearnableParams;
        for (var i = 0; i < parameters.Count; i++)
        {
            Normalize(i);
            Regularize(i);
            if (_plainStep)
            {
                // SGD's own step and Net.Update's data -= diff in one pass over the three arrays.
                var param = parameters[i];
                SolverMath.MomentumStepAndUpdate(rate * Net.ParamLrMults[i], Parameter.Momentum, param.Diff, HistoryOf(i).Data, param.Data);
                continue;
            }

            ComputeUpdateValue(i, rate);

            // Net.Update's data -= diff, a parameter at a time while its arrays are still in cache.
            parameters[i].Update();
        }
    }

    /// <summary>Turns parameter <paramref name="index"/>'s gradient into its step (left in the diff).</summary>
    protected virtual void ComputeUpdateValue(int index, float rate)
    {
        SolverMath.MomentumStep(rate * Net.ParamLrMults[index], Parameter.Momentum, Net.LearnableParams[index].Diff, HistoryOf(index).Data);
    }

    /// <summary>
    /// The step <see cref="ComputeUpdateValue"/> takes, as the device applies it (<see cref="SolverStep"/>): the rule
    /// and its scalars; the caller adds the clipping, the normalisation and the decay. A rule that overrides
    /// <see cref="ComputeUpdateValue"/> overrides this too, or its updates run on the host.
    /// </summary>
    private protected virtual SolverStep DeviceStep(int index, float rate) =>
        new() { Rule = SolverRule.Momentum, Rate = rate * Net.ParamLrMults[index], Momentum = Parameter.Momentum };

    /// <summary>
    /// The step of AdaGrad and RMSProp: h = keep * h + add * g^2; step = lr * lr_mult * g / (sqrt(h) + delta)
    /// (AdaGrad keeps 1 and adds 1, which rounds exactly as h += g^2).
    /// </summary>
    private protected void RunningSquareStep(int index, float rate, float keep, float add)
    {
        var diff = Net.LearnableParams[index].Diff;
        var history = HistoryOf(index).Data;
        var localRate = rate * Net.ParamLrMults[index];
        var delta = Parameter.Delta;
        for (var i = 0; i < diff.Length; i++)
        {
            var g = diff[i];
            history[i] = (keep * history[i]) + (add * g * g);
            diff[i] = localRate * (g / (MathF.Sqrt(history[i]) + delta));
        }
    }

    /// <summary>The device's form of <see cref="RunningSquareStep"/>: h = keep * h + add * g^2; step = lr * lr_mult * g / (sqrt(h) + delta).</summary>
    private protected SolverStep RunningSquareDeviceStep(int index, float rate, float keep, float add) =>
        new() { Rule = SolverRule.RunningSquare, Rate = rate * Net.ParamLrMults[index], Momentum = keep, Momentum2 = add, Delta = Parameter.Delta };

    /// <summary>Parameter <paramref name="index"/>'s gradient and its two history blobs (AdaDelta's and Adam's), and its learning rate.</summary>
    private protected float TwoHistories(int index, float rate, out Span<float> diff, out Span<float> first, out Span<float> second)
    {
        diff = Net.LearnableParams[index].Diff;
        first = HistoryOf(index, 0).Data;
        second = HistoryOf(index, 1).Data;
        return rate * Net.ParamLrMults[index];
    }

    /// <summary>
    /// The update with every parameter, gradient and history blob on the device: the clipping factor from the device's
    /// sum of squares, then one pass per parameter doing what <see cref="Normalize"/>, <see cref="Regularize"/>, the
    /// step and <see cref="Blob.Update"/> do on the host, in that order.
    /// </summary>
    private void ApplyUpdateOnDevice(ISolverDevice device, float rate)
    {
        var parameters = Net.LearnableParams;
        var clipScale = 1f;
        if (Parameter.ClipGradients >= 0)
        {
            clipScale = ClipScale(device.SumOfSquaredDiffs(parameters));
        }

        var iterScale = Parameter.IterSize != 1 ? 1f / Parameter.IterSize : 1f;
        var l1 = Parameter.RegularizationType == "L1";
        for (var i = 0; i < parameters.Count; i++)
        {
            var step = DeviceStep(i, rate) with
            {
                ClipScale = clipScale,
                IterScale = iterScale,
                Decay = Parameter.WeightDecay * Net.ParamDecayMults[i],
                L1 = l1,
            };
            device.Update(parameters[i], step, HistoryOf(i), HistoryCopies > 1 ? HistoryOf(i, 1) : null);
        }
    }

    private void ClipGradients()
    {
        if (Parameter.ClipGradients < 0)
        {
            return;
        }

        // Indexed loops: foreach over the IReadOnlyList would box an enumerator every iteration.
        var parameters = Net.LearnableParams;
        var sumOfSquares = 0.0;
        for (var i = 0; i < parameters.Count; i++)
        {
            sumOfSquares += TensorPrimitives.SumOfSquares(parameters[i].Diff);
        }

        var scale = ClipScale(sumOfSquares);
        if (scale != 1f)
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                Blas.Scale(scale, parameters[i].Diff);
            }
        }
    }

    /// <summary>The factor clip_gradients scales the gradients by (logged), given their sum of squares; 1 when their norm is within the threshold.</summary>
    private float ClipScale(double sumOfSquares)
    {
        var threshold = Parameter.ClipGradients;
        var norm = Math.Sqrt(sumOfSquares);
        if (!(norm > threshold))
        {
            return 1f;
        }

        var scale = (float)(threshold / norm);
        Log.Info("sgd_solver", $"Gradient clipping: scaling down gradients (L2 norm {TrainingLog.Number(norm)} > {TrainingLog.Number(threshold)}) by scale factor {TrainingLog.Number(scale)}");
        return scale;
    }

    private void Normalize(int index)
    {
        if (Parameter.IterSize != 1)
        {
            Blas.Scale(1f / Parameter.IterSize, Net.LearnableParams[index].Diff);
        }
    }

    private void Regularize(int index)
    {
        var decay = Parameter.WeightDecay * Net.ParamDecayMults[index];
        if (decay == 0f)
        {
            return;
        }

        var param = Net.LearnableParams[index];
        if (Parameter.RegularizationType == "L2")
        {
            Blas.Axpy(decay, param.Data, param.Diff);
        }
        else
        {
            var sign = Scratch[index].Data;
            for (var i = 0; i < sign.Length; i++)
            {
                var w = param.Data[i];
                sign[i] = w > 0f ? 1f : w < 0f ? -1f : 0f;
            }

            Blas.Axpy(decay, sign, param.Diff);
        }
    }
}
