using Caffe;
using LayerNet.Devices;
using LayerNet.Layers;
using LayerNet.Numerics;

namespace LayerNet.Solvers;

/// <summary>
/// Nesterov's accelerated gradient, Caffe's NesterovSolver: v' = momentum * v + lr * g;
/// step = (1 + momentum) * v' - momentum * v.
/// </summary>
internal sealed class NesterovSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    : SgdSolver(parameter, options, factory)
{
    /// <inheritdoc/>
    public override string TypeName => "Nesterov";

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var param = Net.LearnableParams[index];
        var history = HistoryOf(index).Data;
        var previous = Scratch[index].Data;
        var momentum = Parameter.Momentum;
        history.CopyTo(previous);
        Blas.Axpby(rate * Net.ParamLrMults[index], param.Diff, momentum, history);
        var diff = param.Diff;
        for (var i = 0; i < diff.Length; i++)
        {
            diff[i] = ((1f + momentum) * history[i]) - (momentum * previous[i]);
        }
    }

    /// <inheritdoc/>
    private protected override SolverStep DeviceStep(int index, float rate) =>
        new() { Rule = SolverRule.Nesterov, Rate = rate * Net.ParamLrMults[index], Momentum = Parameter.Momentum };
}
