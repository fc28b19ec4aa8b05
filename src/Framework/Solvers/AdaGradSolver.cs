using Caffe;
using LayerNet.Devices;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>AdaGrad, Caffe's AdaGradSolver: h += g^2; step = lr * g / (sqrt(h) + delta). Momentum must be 0.</summary>
/// <param name="parameter">The solver file; momentum other than 0 is an error, as in Caffe.</param>
/// <param name="options">Paths, log, signals.</param>
/// <param name="factory">The layer factory the nets are built with.</param>
internal sealed class AdaGradSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    : SgdSolver(parameter, options, factory)
{
    /// <inheritdoc/>
    public override string TypeName => "AdaGrad";

    private protected override bool AcceptsMomentum => false;

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate) => RunningSquareStep(index, rate, keep: 1f, add: 1f);

    /// <inheritdoc/>
    private protected override SolverStep DeviceStep(int index, float rate) => RunningSquareDeviceStep(index, rate, keep: 1f, add: 1f);
}
