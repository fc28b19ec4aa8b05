using System.CommandLine;
using Caffe;
using LayerNet.Fillers;
using LayerNet.Nets;

namespace LayerNet.Runner.Commands;

/// <summary>
/// The options of the commands that build a net from a model file (<c>test</c>, <c>time</c>, <c>forward</c>,
/// <c>draw</c>, <c>gradcheck</c>): declared once, with one meaning each, and the net built from them one way.
/// </summary>
internal sealed class ModelArguments
{
    private readonly Option<string> _model = new("--model") { Description = "The model file (prototxt NetParameter).", Required = true };
    private readonly Option<string?>? _weights;
    private readonly Option<string>? _phase;
    private readonly Option<string[]>? _inputs;
    private readonly Option<long>? _seed;
    private readonly Option<int>? _iterations;
    private readonly Option<string?>? _gpu;

    /// <summary>Declares <c>--model</c> and, as the command wants them, the other options.</summary>
    /// <param name="defaultPhase">The default of <c>--phase</c> ("train" or "test"); null for a command without the option (it runs TEST).</param>
    /// <param name="weights">Whether the command takes <c>--weights</c>.</param>
    /// <param name="inputs">Whether the command takes <c>--input NAME=v1,v2,...</c> and <c>--seed</c>.</param>
    /// <param name="iterations">What <c>--iterations</c> counts ("batches", "timed iterations"), default 50 as Caffe; null for none.</param>
    public ModelArguments(string? defaultPhase, bool weights, bool inputs, string? iterations = null, bool gpu = false)
    {
        if (gpu)
        {
            _gpu = GpuSelection.CreateOption();
        }

        if (iterations is not null)
        {
            _iterations = new Option<int>("--iterations") { Description = $"Number of {iterations} (default 50, as Caffe).", DefaultValueFactory = _ => 50 };
        }

        if (weights)
        {
            _weights = new Option<string?>("--weights") { Description = "Trained weights (.caffemodel); a comma-separated list is applied in order." };
        }

        if (defaultPhase is not null)
        {
            _phase = new Option<string>("--phase") { Description = $"train or test (default {defaultPhase}): which layers the net has.", DefaultValueFactory = _ => defaultPhase };
            _phase.AcceptOnlyFromAmong("train", "test", "TRAIN", "TEST");
        }

        if (inputs)
        {
            _inputs = new Option<string[]>("--input") { Description = "NAME=v1,v2,... or NAME=FILE (an image, .npy, or raw little-endian float32): fill a blob (a net input); repeatable.", AllowMultipleArgumentsPerToken = false };
            _seed = new Option<long>("--seed") { Description = "Seed for fillers and dropout, as Caffe's random_seed: the same numbers as Caffe draws from it (default 0: the same numbers every run).", DefaultValueFactory = _ => 0 };
        }
    }

    /// <summary>Adds the declared options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        foreach (var option in new Option?[] { _weights, _phase, _inputs, _seed, _iterations, _gpu })
        {
            if (option is not null)
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>The <c>--iterations</c> given, at least 1.</summary>
    /// <exception cref="Errors.LayerNetException">Fewer than 1.</exception>
    public int Iterations(ParseResult result)
    {
        var count = _iterations is null ? 0 : result.GetValue(_iterations);
        return count >= 1 ? count : throw new Errors.LayerNetException($"--iterations must be at least 1, got {count}");
    }

    /// <summary>The <c>--seed</c> given (0 when the command has none).</summary>
    /// <summary>The device <c>--gpu</c> names (the caller disposes it), or null for the CPU (or a command without the option).</summary>
    public Gpu.GpuDevice? OpenDevice(ParseResult result, TextWriter error) => _gpu is null ? null : GpuSelection.Open(result.GetValue(_gpu), solver: null, error);

    /// <summary>The device number <c>--gpu</c> gave, as written (for the log line that names the device).</summary>
    public string GpuNumber(ParseResult result) => _gpu is null ? "" : (result.GetValue(_gpu) ?? "").Trim();

    public long Seed(ParseResult result) => _seed is null ? 0 : result.GetValue(_seed);

    /// <summary>The <c>--model</c> file given.</summary>
    public string Model(ParseResult result) => result.GetValue(_model)!;

    /// <summary>The <c>--phase</c> given (TEST for a command without the option).</summary>
    public Phase Phase(ParseResult result) => _phase is null ? Caffe.Phase.Test : NetLoading.ParsePhase(result.GetValue(_phase));

    /// <summary>
    /// Builds the net the options describe: the model in the phase asked for, drawing from the seed, with the weights
    /// copied in and the inputs filled.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="services">The runner's services (layer factory, schema).</param>
    /// <param name="forceBackward">Whether to build with force_backward.</param>
    /// <param name="images">How <c>--input NAME=IMAGE</c> reads an image (null: as it is, resized to the blob).</param>
    public Net Build(ParseResult result, IServiceProvider services, bool forceBackward = false, ImagePreprocessing? images = null, Devices.IDevice? device = null)
    {
        var net = NetLoading.BuildNet(
            services,
            Model(result),
            Phase(result),
            RandomSource.FromSeed(Seed(result)),
            _weights is null ? null : result.GetValue(_weights),
            forceBackward,
            device);
        if (_inputs is not null)
        {
            NetInputs.Fill(net, result.GetValue(_inputs) ?? [], images);
        }

        return net;
    }
}
