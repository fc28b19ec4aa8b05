using LayerNet.Devices;

namespace LayerNet.Gpu;

/// <summary>A <see cref="SolverStep"/>'s scalars as a kernel takes them (floats and ints only).</summary>
internal readonly struct StepScalars(SolverStep step)
{
    /// <summary>The clip_gradients factor (1 when not clipped).</summary>
    public readonly float ClipScale = step.ClipScale;

    /// <summary>1 / iter_size.</summary>
    public readonly float IterScale = step.IterScale;

    /// <summary>weight_decay * decay_mult; 0 skips the regularisation.</summary>
    public readonly float Decay = step.Decay;

    /// <summary>1 for L1, 0 for L2.</summary>
    public readonly int L1 = step.L1 ? 1 : 0;

    /// <summary>The learning rate times lr_mult.</summary>
    public readonly float Rate = step.Rate;

    /// <summary>The rule's first decay (momentum, beta1, keep).</summary>
    public readonly float Momentum = step.Momentum;

    /// <summary>The rule's second weight (beta2, add).</summary>
    public readonly float Momentum2 = step.Momentum2;

    /// <summary>delta or epsilon.</summary>
    public readonly float Delta = step.Delta;

    /// <summary>Adam's bias correction.</summary>
    public readonly float Correction = step.Correction;
}
