using Caffe;
using LayerNet.Fillers;

namespace LayerNet.Nets;

/// <summary>How to build a <see cref="Net"/>: the state that filters layers and the random source for fillers.</summary>
public sealed class NetOptions
{
    /// <summary>
    /// The state (phase, level, stages) the net runs in; merged over the model file's own <c>state</c>, as
    /// Caffe's solver does. Null keeps the model file's state (phase TEST when it has none).
    /// </summary>
    public NetState? State { get; init; }

    /// <summary>The generator for fillers and other random draws; null gives a seed of 0.</summary>
    public RandomSource? Random { get; init; }
}
