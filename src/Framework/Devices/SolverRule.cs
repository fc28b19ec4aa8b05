namespace LayerNet.Devices;

/// <summary>Which update rule a <see cref="SolverStep"/> applies: the built-in solvers' steps, as their CPU code computes them.</summary>
public enum SolverRule
{
    /// <summary>SGD: h = momentum * h + rate * g; step = h.</summary>
    Momentum,

    /// <summary>Nesterov: h' = rate * g + momentum * h; step = (1 + momentum) * h' - momentum * h.</summary>
    Nesterov,

    /// <summary>AdaGrad and RMSProp: h = momentum * h + momentum2 * g * g; step = rate * (g / (sqrt(h) + delta)).</summary>
    RunningSquare,

    /// <summary>
    /// AdaDelta: h = momentum * h + (1 - momentum) * g^2; u = g * sqrt((s + delta) / (h + delta));
    /// s = momentum * s + (1 - momentum) * u^2; step = rate * u.
    /// </summary>
    AdaDelta,

    /// <summary>
    /// Adam: m = momentum * m + (1 - momentum) * g; v = momentum2 * v + (1 - momentum2) * g^2;
    /// step = rate * correction * (m / (sqrt(v) + delta)).
    /// </summary>
    Adam,
}
