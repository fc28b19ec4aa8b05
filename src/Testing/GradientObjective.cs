namespace LayerNet.Testing;

/// <summary>The objective E a <see cref="GradientChecker"/> puts on top of the layer, whose gradient it checks.</summary>
public enum GradientObjective
{
    /// <summary>
    /// Caffe's E = sum over the tops of top^2 / 2, so dE/dtop = top: what Caffe's layer tests use, and the thresholds
    /// they were written for.
    /// </summary>
    SumOfSquares,

    /// <summary>
    /// E = sum over the tops of r * top with a fixed r ~ U(-1, 1) per element (seeded by <see cref="GradientChecker.Seed"/>),
    /// so dE/dtop = r: scale-free, for layers whose outputs are large or near zero, as in a trained net.
    /// </summary>
    RandomProjection,
}
