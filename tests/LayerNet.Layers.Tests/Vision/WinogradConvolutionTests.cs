using Caffe;
using LayerNet.Fillers;
using LayerNet.Layers.Vision;
using LayerNet.Nets;

namespace LayerNet.Layers.Tests.Vision;

/// <summary>
/// A 3 x 3 convolution of stride 1 runs Winograd's F(2 x 2, 3 x 3) in a net planned to run forward only with folding
/// (what `layernet test`, `time --phase test`, `forward` and `classify` do), and its own im2col product everywhere
/// else: the outputs are the unplanned net's to float rounding, and weights written between passes are used (the
/// transformed kernels are made again).
/// </summary>
[TestFixture]
public sealed class WinogradConvolutionTests
{
    private const string Net = """
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 24 dim: 15 dim: 18 } } }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 40 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
        layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" batch_norm_param { use_global_stats: true } }
        layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
        layer { name: "conv2" type: "Convolution" bottom: "conv" top: "out" convolution_param { num_output: 17 kernel_size: 3 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
        """;

    [Test]
    public void A_planned_forward_only_net_runs_winograd_and_gives_the_unplanned_outputs_to_float_rounding()
    {
        var plain = Build();
        var planned = Build();
        planned.PlanMemory();
        Assert.That(Convolutions(planned).Select(c => c.RunsWinograd), Is.All.True, "both 3 x 3 convolutions");
        Assert.That(Convolutions(plain).Select(c => c.RunsWinograd), Is.All.False, "a net that trains keeps im2col");

        var (expected, actual) = (Output(plain), Output(planned));
        var scale = expected.Max(MathF.Abs);
        Assert.That(expected.Max() - expected.Min(), Is.GreaterThan(1e-3f));
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5f * scale));
    }

    [Test]
    public void Planning_without_folding_keeps_each_layers_own_arithmetic_bit_for_bit()
    {
        var plain = Build();
        var planned = Build();
        planned.PlanMemory(fold: false);
        Assert.That(Convolutions(planned).Select(c => c.RunsWinograd), Is.All.False);
        Assert.That(Output(planned).Select(BitConverter.SingleToInt32Bits), Is.EqualTo(Output(plain).Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void Weights_written_between_passes_are_the_ones_the_next_pass_uses()
    {
        var planned = Build();
        planned.PlanMemory();
        var before = Output(planned);

        // New weights for the first convolution, written into both nets the way a user or a solver writes them.
        var reference = Build();
        var random = new RandomSource(91);
        var weights = planned.Layers.First(l => l.Name == "conv").Blobs[0];
        var referenceWeights = reference.Layers.First(l => l.Name == "conv").Blobs[0];
        for (var i = 0; i < weights.Count; i++)
        {
            weights.Data[i] = referenceWeights.Data[i] = random.NextGaussian(0f, 0.1f);
        }

        var after = Output(planned);
        var expected = Output(reference);
        Assert.That(after, Is.Not.EqualTo(before), "the new weights change the output");
        Assert.That(after, Is.EqualTo(expected).Within(1e-5f * expected.Max(MathF.Abs)));
    }

    private static Net Build()
    {
        var net = TextNets.Build(Net, Phase.Test);
        var bn = net.Layers.First(l => l.Name == "bn");
        var random = new RandomSource(3);
        for (var c = 0; c < bn.Blobs[0].Count; c++)
        {
            bn.Blobs[0].Data[c] = random.NextGaussian(0f, 0.2f);
            bn.Blobs[1].Data[c] = 0.5f + random.NextUniform(0f, 1f);
        }

        bn.Blobs[2].Data.Fill(1f);
        return net;
    }

    private static IEnumerable<BaseConvolutionLayer> Convolutions(Net net) => net.Layers.OfType<BaseConvolutionLayer>();

    private static float[] Output(Net net)
    {
        var random = new RandomSource(11);
        for (var i = 0; i < net.Inputs[0].Count; i++)
        {
            net.Inputs[0].Data[i] = random.NextGaussian(0f, 1f);
        }

        net.Forward();
        return net.Outputs[0].Data.ToArray();
    }
}
