using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Nets;
using LayerNet.Plugins;

namespace LayerNet.Runner.Commands;

/// <summary>Model and weight loading shared by the commands that build a net.</summary>
internal static class NetLoading
{
    /// <summary>Parses <c>--phase</c>.</summary>
    public static Phase ParsePhase(string? phase) => phase?.ToUpperInvariant() switch
    {
        null or "TEST" => Phase.Test,
        "TRAIN" => Phase.Train,
        _ => throw new LayerNetException($"unknown phase '{phase}'; expected train or test"),
    };

    /// <summary>
    /// Builds the net a model file defines, in <paramref name="phase"/>, drawing from <paramref name="random"/>, its
    /// errors pointing into the file; then copies <paramref name="weights"/> (comma-separated) into it.
    /// </summary>
    public static Net BuildNet(IServiceProvider services, string modelFile, Phase phase, RandomSource random, string? weights = null, bool forceBackward = false)
    {
        var schema = RunnerEnvironment.Schema(services);
        var document = MessageFile.ReadDocument<NetParameter>(modelFile, schema);
        if (forceBackward)
        {
            document.Message.ForceBackward = true;
        }

        var net = new Net(document.Message, RunnerEnvironment.Factory(services), new NetOptions
        {
            State = new NetState { Phase = phase },
            Random = random,
            Source = document.Source,
        });
        CopyWeights(net, weights, schema);
        return net;
    }

    /// <summary>Copies weights from each comma-separated <c>.caffemodel</c> (later files override earlier ones, as Caffe).</summary>
    public static void CopyWeights(Net net, string? weights, ParameterExtensions schema)
    {
        if (string.IsNullOrEmpty(weights))
        {
            return;
        }

        foreach (var path in weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var trained = MessageFile.Read<NetParameter>(path, schema);
            net.CopyTrainedLayersFrom(trained, $"'{path}'");
        }
    }
}
