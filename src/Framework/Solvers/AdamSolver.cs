using Caffe;
using LayerNet.Devices;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>
/// Adam, Caffe's AdamSolver, with beta1 = momentum, beta2 = momentum2, epsilon = delta, t = iteration + 1:
/// m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g^2;
/// step = lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon).
/// </summary>
internal sealed class AdamSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    : SgdSolver(parameter, options, factory)
{
    /// <inheritdoc/>
    public override string TypeName => "Adam";

    /// <inheritdoc/>
    protected override int HistoryCopies => 2;

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var localRate = TwoHistories(index, rate, out var diff, out var m, out var v);
        var beta1 = Parameter.Momentum;
        var beta2 = Parameter.Momentum2;
        var epsilon = Parameter.Delta;
        var correction = Correction();
        for (var i = 0; i < diff.Length; i++)
        {
            var g = diff[i];
            m[i] = (beta1 * m[i]) + ((1f - beta1) * g);
            v[i] = (beta2 * v[i]) + ((1f - beta2) * g * g);
            diff[i] = localRate * correction * (m[i] / (MathF.Sqrt(v[i]) + epsilon));
        }
    }

    /// <inheritdoc/>
    private protected override SolverStep DeviceStep(int index, float rate) => new()
    {
        Rule = SolverRule.Adam,
        Rate = rate * Net.ParamLrMults[index],
        Momentum = Parameter.Momentum,
        Momentum2 = Parameter.Momentum2,
        Delta = Parameter.Delta,
        Correction = Correction(),
    };

    // The bias correction at t = iteration + 1: sqrt(1 - beta2^t) / (1 - beta1^t).
    private float Correction()
    {
        var t = Iteration + 1;
        return (float)(Math.Sqrt(1.0 - Math.Pow(Parameter.Momentum2, t)) / (1.0 - Math.Pow(Parameter.Momentum, t)));
    }
}
