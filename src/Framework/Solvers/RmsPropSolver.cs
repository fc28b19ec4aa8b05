using Caffe;
using LayerNet.Errors;
using LayerNet.Devices;
using LayerNet.Layers;

namespace LayerNet.Solvers;

/// <summary>
/// RMSProp, Caffe's RMSPropSolver: h = rms_decay * h + (1 - rms_decay) * g^2; step = lr * g / (sqrt(h) + delta).
/// Momentum must be 0.
/// </summary>
internal sealed class RmsPropSolver : SgdSolver
{
    /// <summary>Builds the solver; momentum other than 0, or rms_decay outside [0, 1], is an error, as in Caffe.</summary>
    public RmsPropSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
        : base(parameter, options, factory)
    {
        if (parameter.RmsDecay is < 0f or > 1f)
        {
            throw new LayerNetException($"rms_decay must be in [0, 1], got {parameter.RmsDecay}");
        }
    }

    /// <inheritdoc/>
    public override string TypeName => "RMSProp";

    private protected override bool AcceptsMomentum => false;

    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate) =>
        RunningSquareStep(index, rate, keep: Parameter.RmsDecay, add: 1f - Parameter.RmsDecay);

    /// <inheritdoc/>
    private protected override SolverStep DeviceStep(int index, float rate) =>
        RunningSquareDeviceStep(index, rate, keep: Parameter.RmsDecay, add: 1f - Parameter.RmsDecay);
}
