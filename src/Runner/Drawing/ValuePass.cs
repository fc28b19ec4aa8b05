using LayerNet.Nets;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// One forward and one backward pass, layer by layer, recording every blob value as it is written and every
/// gradient as it is complete, before an in-place layer overwrites it: what the lecture's figures show on each
/// edge of the graph.
/// </summary>
/// <remarks>
/// Watches <see cref="Net.Forward"/> and <see cref="Net.Backward"/> run, layer by layer.
/// After Split insertion every value has at most one reader that is not an in-place successor, so the gradient of
/// a value is the bottom diff its reader leaves; a value nobody reads has the gradient its loss weight sets.
/// </remarks>
internal static class ValuePass
{
    /// <summary>Runs the pass over <paramref name="topology"/>'s net (already built with force_backward, inputs filled) and records values and gradients into it.</summary>
    /// <exception cref="InvalidOperationException">The topology was worked out from a definition, without a net.</exception>
    public static void Run(NetTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var net = topology.Net ?? throw new InvalidOperationException("a value pass needs a built net");
        foreach (var version in topology.Versions)
        {
            if (version.Producer < 0)
            {
                version.Data = ValueSummary.Of(version.Blob!.Data);
            }
        }

        var recorder = new Recorder(topology);
        topology.Loss = net.Forward(recorder);
        net.ClearParamDiffs();
        foreach (var version in topology.Versions)
        {
            if (version.Consumers.Count == 0 && version.Producer >= 0 && net.Layers[version.Producer].LossWeight(version.ProducerTop) != 0f)
            {
                version.Diff = ValueSummary.Of(version.Blob!.Diff);
            }
        }

        net.Backward(recorder);
        foreach (var step in net.Steps)
        {
            var layer = step.Layer;
            for (var k = 0; k < layer.Blobs.Count; k++)
            {
                var hasGradient = step.NeedsBackward && layer.ParamPropagateDown(k);
                topology.ParameterValues[(step.Index, k)] = (ValueSummary.Of(layer.Blobs[k].Data), hasGradient ? ValueSummary.Of(layer.Blobs[k].Diff) : null);
            }
        }
    }

    /// <summary>Records each value as its layer writes it, and each gradient as its reader completes it.</summary>
    private sealed class Recorder(NetTopology topology) : NetObserver
    {
        public override void AfterForward(NetStep layer, float loss)
        {
            foreach (var top in topology.Tops[layer.Index])
            {
                top.Data = ValueSummary.Of(top.Blob!.Data);
            }
        }

        public override void AfterBackward(NetStep layer)
        {
            var bottoms = topology.Bottoms[layer.Index];
            for (var j = 0; j < bottoms.Length; j++)
            {
                if (layer.PropagateDown[j])
                {
                    bottoms[j].Diff = ValueSummary.Of(bottoms[j].Blob!.Diff);
                }
            }
        }
    }
}
