using LayerNet.Blobs;

namespace LayerNet.Devices;

/// <summary>
/// The solver's work on a device's memory, which an <see cref="IDevice"/> may also implement (a solver finds it with
/// <c>is</c>): clearing and accumulating the parameters' gradients, their sum of squares for clip_gradients, and each
/// built-in rule's update. With it, a solver given the device (<see cref="Solvers.SolverOptions.Device"/>) keeps the
/// parameters, their gradients and its history on the device between iterations; without it, the update runs on the
/// host spans as always. Every operation computes what the CPU solver computes, in the same order, each element by
/// itself, so the results differ from the CPU's by float rounding at most and do not vary from run to run.
/// </summary>
public interface ISolverDevice
{
    /// <summary>Sets <paramref name="blob"/>'s gradient to 0 on the device.</summary>
    void ClearDiff(Blob blob);

    /// <summary>Copies <paramref name="source"/>'s gradient into <paramref name="target"/>'s gradient (same count) on the device.</summary>
    void CopyDiff(Blob source, Blob target);

    /// <summary>Adds <paramref name="source"/>'s gradient to <paramref name="target"/>'s gradient (same count) on the device.</summary>
    void AddDiff(Blob source, Blob target);

    /// <summary>
    /// The sum of the squares of every element of the <paramref name="blobs"/>' gradients, computed on the device in
    /// an order that depends only on the blobs' sizes (the same value every run).
    /// </summary>
    double SumOfSquaredDiffs(IReadOnlyList<Blob> blobs);

    /// <summary>
    /// Applies <paramref name="update"/> to <paramref name="param"/> on the device: its gradient becomes the step and its
    /// data moves by it; <paramref name="history"/> (and <paramref name="history2"/> for AdaDelta and Adam, which
    /// keep two) hold the rule's state, updated in place.
    /// </summary>
    void Update(Blob param, SolverStep update, Blob history, Blob? history2);
}
