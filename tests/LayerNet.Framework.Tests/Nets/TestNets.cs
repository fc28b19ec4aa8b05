using Caffe;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>Builds nets from prototxt text for the tests, with the standard layers registered.</summary>
internal static class TestNets
{
    /// <summary>The file name the tests give their model text; errors are prefixed with it.</summary>
    public const string FileName = "net.prototxt";

    private static readonly Lazy<LayerFactory> SharedFactory = new(() =>
        new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider().GetRequiredService<LayerFactory>());

    /// <summary>A factory over the standard layers.</summary>
    public static LayerFactory Factory => SharedFactory.Value;

    /// <summary>Reads model text as if it were the file net.prototxt, with where its layers are.</summary>
    public static TextDocument<NetParameter> Parse(string text) => ParameterExtensions.None.Reader.ParseDocument<NetParameter>(text, FileName);

    /// <summary>Builds a net from model text.</summary>
    public static Net Build(string text, Phase phase = Phase.Train, ulong seed = 0) =>
        Build(Parse(text), new NetState { Phase = phase }, seed);

    /// <summary>Builds a net from model text read with its positions, in the given state; errors point into the text.</summary>
    public static Net Build(TextDocument<NetParameter> document, NetState state, ulong seed = 0) =>
        new(document.Message, Factory, new NetOptions { State = state, Random = new LayerNet.Fillers.RandomSource(seed), Source = document.Source });

    /// <summary>Builds a net from a parsed definition in the given state.</summary>
    public static Net Build(NetParameter parameter, NetState state, ulong seed = 0) =>
        new(parameter, Factory, new NetOptions { State = state, Random = new LayerNet.Fillers.RandomSource(seed) });

    /// <summary>The 1-based line of the first line of <paramref name="text"/> holding <paramref name="marker"/>.</summary>
    public static int LineOf(string text, string marker)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(marker, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new ArgumentException($"'{marker}' is not in the text", nameof(marker));
    }

    /// <summary>The 1-based column where <paramref name="marker"/> starts on 1-based line <paramref name="line"/>.</summary>
    public static int ColumnOf(string text, string marker, int line)
    {
        var content = text.Split('\n')[line - 1];
        var index = content.IndexOf(marker, StringComparison.Ordinal);
        return index < 0 ? throw new ArgumentException($"'{marker}' is not on line {line}", nameof(marker)) : index + 1;
    }

    /// <summary>The index of the layer of this name in the net.</summary>
    public static int IndexOf(Net net, string layerName)
    {
        for (var i = 0; i < net.Layers.Count; i++)
        {
            if (net.Layers[i].Name == layerName)
            {
                return i;
            }
        }

        throw new ArgumentException($"the net has no layer '{layerName}'", nameof(layerName));
    }
}
