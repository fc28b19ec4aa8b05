namespace LayerNet.Devices;

/// <summary>
/// One parameter's update, as <see cref="ISolverDevice.Update"/> applies it to each element in the CPU solver's
/// order: g = diff * <see cref="ClipScale"/>; g = g * <see cref="IterScale"/>; g = decay * w + g (L2) or
/// decay * sign(w) + g (L1) when <see cref="Decay"/> is not 0; the <see cref="Rule"/>'s step from g and the
/// history; diff = step; data = data - step.
/// </summary>
public readonly record struct SolverStep
{
    /// <summary>The update rule.</summary>
    public SolverRule Rule { get; init; }

    /// <summary>The clip_gradients factor (1 when the gradients were not clipped).</summary>
    public float ClipScale { get; init; }

    /// <summary>The iter_size normalisation, 1 / iter_size (1 for iter_size 1).</summary>
    public float IterScale { get; init; }

    /// <summary>weight_decay times the parameter's decay_mult; 0 for none.</summary>
    public float Decay { get; init; }

    /// <summary>True for regularization_type L1, false for L2.</summary>
    public bool L1 { get; init; }

    /// <summary>The iteration's learning rate times the parameter's lr_mult.</summary>
    public float Rate { get; init; }

    /// <summary>momentum (SGD, Nesterov), AdaDelta's decay, Adam's beta1, or the running square's weight of the history.</summary>
    public float Momentum { get; init; }

    /// <summary>Adam's beta2, or the running square's weight of g^2 (AdaGrad 1, RMSProp 1 - rms_decay).</summary>
    public float Momentum2 { get; init; }

    /// <summary>delta (AdaGrad, RMSProp, AdaDelta) or Adam's epsilon.</summary>
    public float Delta { get; init; }

    /// <summary>Adam's bias correction, sqrt(1 - beta2^t) / (1 - beta1^t).</summary>
    public float Correction { get; init; }
}
