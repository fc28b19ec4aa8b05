using Caffe;
using LayerNet.Fillers;
using LayerNet.Solvers;
using LayerNet.Text;

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

    /// <summary>
    /// Where the definition was read from text (<see cref="TextDocument{T}.Source"/>, or the part of a solver file's
    /// source that holds the net): the net hands each layer its block's place, so errors point into the file, and the
    /// file's folder, against which the paths the layers name resolve. Null for a definition read from binary or
    /// built in code.
    /// </summary>
    public MessageSource? Source { get; init; }

    /// <summary>The file a definition without <see cref="Source"/> was read from (a binary one): its folder resolves the layers' paths.</summary>
    public string? File { get; init; }

    /// <summary>
    /// This worker's share of the batches its data layers read (<see cref="DataShard"/>); the whole sequence by
    /// default. The solver gives its train net the run's shard and its test nets the whole.
    /// </summary>
    public DataShard Shard { get; init; } = DataShard.Whole;

    /// <summary>
    /// The device (a GPU) the net offers every layer's passes to; a layer it has no kernels for runs on the CPU. Null
    /// (the default) runs everything on the CPU.
    /// </summary>
    public Devices.IDevice? Device { get; init; }

    /// <summary>Where the net's warnings go (e.g. a repeated layer name), as glog <c>W</c> lines; null writes them to standard error.</summary>
    public TrainingLog? Log { get; init; }
}
