using Caffe;
using LayerNet.Layers;
using LayerNet.Solvers;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// A rule a plugin could write (its own <see cref="SgdSolver.ComputeUpdateValue"/>): step = lr * sign(g). The device
/// has no kernel for it, so its update runs on the host spans even when the solver has a device.
/// </summary>
internal sealed class SignSgdSolver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    : SgdSolver(parameter, options, factory)
{
    /// <inheritdoc/>
    protected override void ComputeUpdateValue(int index, float rate)
    {
        var diff = Net.LearnableParams[index].Diff;
        for (var i = 0; i < diff.Length; i++)
        {
            diff[i] = rate * MathF.Sign(diff[i]);
        }
    }
}
