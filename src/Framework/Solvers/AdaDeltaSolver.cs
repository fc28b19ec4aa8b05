using Caffe;
using LayerNet.Devices;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>
/// AdaDelta, Caffe's AdaDeltaSolver, with momentum as the decay: h = m * h + (1 - m) * g^2;
/// u = g * sqrt((s + delta) / (h + delta)); s = m * s + (1 - m) * u^2; step = lr * u.
/// </summary>
internal sealed class AdaDeltaSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    : SgdSolver(parameter, options, factory)
{
    /// <inheritdoc/>
    public override string TypeName => "AdaDelta";

    /// <inheritdoc/>
    protected override int HistoryCopies => 2;

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var localRate = TwoHistories(index, rate, out var diff, out var gradients, out var updates);
        var momentum = Parameter.Momentum;
        var delta = Parameter.Delta;
        for (var i = 0; i < diff.Length; i++)
        {
            var g = diff[i];
            gradients[i] = (momentum * gradients[i]) + ((1f - momentum) * g * g);
            var u = g * MathF.Sqrt((updates[i] + delta) / (gradients[i] + delta));
            updates[i] = (momentum * updates[i]) + ((1f - momentum) * u * u);
            diff[i] = localRate * u;
        }
    }

    /// <inheritdoc/>
    private protected override SolverStep DeviceStep(int index, float rate) =>
        new() { Rule = SolverRule.AdaDelta, Rate = rate * Net.ParamLrMults[index], Momentum = Parameter.Momentum, Delta = Parameter.Delta };
}
