using Caffe;
using LayerNet.Errors;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>
/// RMSProp, Caffe's RMSPropSolver: h = rms_decay * h + (1 - rms_decay) * g^2; step = lr * g / (sqrt(h) + delta).
/// Momentum must be 0.
/// </summary>
public sealed class RmsPropSolver : SgdSolver
{
    /// <summary>Builds the solver; momentum other than 0 is an error, as in Caffe.</summary>
    public RmsPropSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
        : base(parameter, options, factory)
    {
        if (parameter.Momentum != 0f)
        {
            throw new LayerNetException("momentum cannot be used with RMSProp; remove it or set momentum: 0");
        }

        if (parameter.RmsDecay is < 0f or > 1f)
        {
            throw new LayerNetException($"rms_decay must be in [0, 1], got {parameter.RmsDecay}");
        }
    }

    /// <inheritdoc/>
    public override string TypeName => "RMSProp";

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var diff = Net.LearnableParams[index].Diff;
        var history = HistoryOf(index).Data;
        var localRate = rate * Net.ParamLrMults[index];
        var decay = Parameter.RmsDecay;
        var delta = Parameter.Delta;
        for (var i = 0; i < diff.Length; i++)
        {
            var g = diff[i];
            history[i] = (decay * history[i]) + ((1f - decay) * g * g);
            diff[i] = localRate * (g / (MathF.Sqrt(history[i]) + delta));
        }
    }
}
