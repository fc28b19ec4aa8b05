using Caffe;
using LayerNet.Errors;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>AdaGrad, Caffe's AdaGradSolver: h += g^2; step = lr * g / (sqrt(h) + delta). Momentum must be 0.</summary>
public sealed class AdaGradSolver : SgdSolver
{
    /// <summary>Builds the solver; momentum other than 0 is an error, as in Caffe.</summary>
    public AdaGradSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
        : base(parameter, options, factory)
    {
        if (parameter.Momentum != 0f)
        {
            throw new LayerNetException("momentum cannot be used with AdaGrad; remove it or set momentum: 0");
        }
    }

    /// <inheritdoc/>
    public override string TypeName => "AdaGrad";

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var diff = Net.LearnableParams[index].Diff;
        var history = HistoryOf(index).Data;
        var localRate = rate * Net.ParamLrMults[index];
        var delta = Parameter.Delta;
        for (var i = 0; i < diff.Length; i++)
        {
            var g = diff[i];
            history[i] += g * g;
            diff[i] = localRate * (g / (MathF.Sqrt(history[i]) + delta));
        }
    }
}
