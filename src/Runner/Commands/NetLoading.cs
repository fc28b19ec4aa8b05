using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Solvers;

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
    public static Net BuildNet(IServiceProvider services, string modelFile, Phase phase, RandomSource random, string? weights = null, bool forceBackward = false, Devices.IDevice? device = null)
    {
        var schema = RunnerEnvironment.Schema(services);

        // Notes such as "uses the V1 format; it was upgraded" go to standard error, in glog's form, as the net's warnings.
        var log = new TrainingLog(Console.Error);
        var document = MessageFile.ReadNetDocument(modelFile, schema, log);
        if (forceBackward)
        {
            document.Message.ForceBackward = true;
        }

        var net = new Net(document.Message, RunnerEnvironment.Factory(services), new NetOptions
        {
            State = new NetState { Phase = phase },
            Random = random,
            Source = document.Source,
            Log = log,
            Device = device,
        });
        CopyWeights(net, weights, schema, log);
        return net;
    }

    /// <summary>
    /// Copies weights from each comma-separated <c>.caffemodel</c> (later files override earlier ones, as Caffe),
    /// upgraded from V0 or V1 as Caffe upgrades them, with a note on <paramref name="log"/>. These runs do not train:
    /// weights that match no layer, or a layer with learned blobs that none of the files gives any, are refused
    /// rather than left as the fillers made them.
    /// </summary>
    public static void CopyWeights(Net net, string? weights, ParameterExtensions schema, TrainingLog log)
    {
        if (string.IsNullOrEmpty(weights))
        {
            return;
        }

        TrainedLayersCopy? copy = null;
        foreach (var path in weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var trained = MessageFile.ReadWeights(path, schema, log);
            var file = net.CopyTrainedLayersFrom(trained, $"'{path}'");
            file.RequireMatch();
            copy = copy is null ? file : copy.Then(file);
        }

        copy?.RequireEveryLayer();
    }
}
