using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// One forward and one backward pass, layer by layer, recording every blob value as it is written and every
/// gradient as it is complete, before an in-place layer overwrites it: what the lecture's figures show on each
/// edge of the graph.
/// </summary>
/// <remarks>
/// Runs the same layer calls as <see cref="Net.Forward"/> and <see cref="Net.Backward"/>, in the same order.
/// After Split insertion every value has at most one reader that is not an in-place successor, so the gradient of
/// a value is the bottom diff its reader leaves; a value nobody reads has the gradient its loss weight sets.
/// </remarks>
internal static class ValuePass
{
    /// <summary>Runs the pass over <paramref name="topology"/>'s net (already built with force_backward, inputs filled) and records values and gradients into it.</summary>
    public static void Run(NetTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var net = topology.Net;
        foreach (var version in topology.Versions)
        {
            if (version.Producer < 0)
            {
                version.Data = ValueSummary.Of(version.Blob.Data);
            }
        }

        var loss = 0f;
        for (var i = 0; i < net.Layers.Count; i++)
        {
            loss += Guard(net, i, "forward", () => net.ForwardRange(i, i + 1));
            foreach (var top in topology.Tops[i])
            {
                top.Data = ValueSummary.Of(top.Blob.Data);
            }
        }

        topology.Loss = loss;
        net.ClearParamDiffs();
        foreach (var version in topology.Versions)
        {
            if (version.Consumers.Count == 0 && version.Producer >= 0 && net.Layers[version.Producer].LossWeight(version.ProducerTop) != 0f)
            {
                version.Diff = ValueSummary.Of(version.Blob.Diff);
            }
        }

        for (var i = net.Layers.Count - 1; i >= 0; i--)
        {
            if (!net.LayerNeedBackward[i])
            {
                continue;
            }

            var layer = net.Layers[i];
            Guard(net, i, "backward", () =>
            {
                layer.Backward(net.Tops[i], net.BottomNeedBackward[i], net.Bottoms[i]);
                return 0f;
            });
            for (var j = 0; j < topology.Bottoms[i].Length; j++)
            {
                if (net.BottomNeedBackward[i][j])
                {
                    topology.Bottoms[i][j].Diff = ValueSummary.Of(topology.Bottoms[i][j].Blob.Diff);
                }
            }
        }

        for (var i = 0; i < net.Layers.Count; i++)
        {
            var layer = net.Layers[i];
            for (var k = 0; k < layer.Blobs.Count; k++)
            {
                var hasGradient = net.LayerNeedBackward[i] && layer.ParamPropagateDown(k);
                topology.ParameterValues[(i, k)] = (ValueSummary.Of(layer.Blobs[k].Data), hasGradient ? ValueSummary.Of(layer.Blobs[k].Diff) : null);
            }
        }
    }

    private static float Guard(Net net, int index, string pass, Func<float> run)
    {
        try
        {
            return run();
        }
        catch (Exception exception) when (exception is not LayerNetException and not OutOfMemoryException)
        {
            // As Net.Forward and Net.Backward say it: which layer, where it is defined, what it threw.
            throw net.Layers[index].Error($"{pass} failed: {exception.GetType().Name}: {exception.Message}", exception);
        }
    }
}
