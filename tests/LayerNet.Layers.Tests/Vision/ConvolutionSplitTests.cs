using Caffe;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Layers.Vision;
using LayerNet.Nets;

namespace LayerNet.Layers.Tests.Vision;

/// <summary>
/// A batch that does not divide over the threads (one image on two cores) splits each image's convolution product
/// into parts, each thread building the im2col columns of its own part. The outputs must be those of the whole
/// product on one thread bit for bit, whatever the number of parts: with a bias, with BatchNorm, Scale and ReLU
/// folded in, for 1x1 and strided, padded, dilated kernels, split by output positions and by output channels, and
/// depthwise convolutions split by channels.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConvolutionSplitTests
{
    private static IEnumerable<TestCaseData> Nets()
    {
        yield return Case("3x3 pad 1 with a bias, by positions", 1, 32, 28, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "out" convolution_param { num_output: 64 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
            """);
        yield return Case("3x3 pad 1 at 14x14 folded: Winograd in one block, by steps", 1, 48, 14, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 40 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "out" }
            """);
        yield return Case("stride 2, dilation 2, 5x3 kernel, three items", 3, 48, 31, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "out" convolution_param { num_output: 96 kernel_h: 5 kernel_w: 3 pad_h: 2 pad_w: 1 stride: 2 dilation: 2 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
            """);
        yield return Case("3x3 on 7x7, by output channels (C^T tiles)", 1, 256, 7, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "out" convolution_param { num_output: 512 kernel_size: 3 pad: 1 bias_term: false weight_filler { type: "gaussian" std: 0.05 } } }
            """);
        yield return Case("3x3 on 7x7 with a bias, then 1x1 on 7x7 folded, by output channels", 2, 128, 7, """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 256 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.05 } bias_filler { type: "gaussian" } } }
            layer { name: "wide" type: "Convolution" bottom: "conv" top: "wide" convolution_param { num_output: 512 kernel_size: 1 weight_filler { type: "gaussian" std: 0.05 } bias_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "wide" top: "out" }
            """);
        yield return Case("1x1 then 3x3, BatchNorm, Scale and ReLU folded in", 1, 64, 30, """
            layer { name: "reduce" type: "Convolution" bottom: "data" top: "reduce" convolution_param { num_output: 96 kernel_size: 1 bias_term: false weight_filler { type: "gaussian" std: 0.1 } } }
            layer { name: "bn" type: "BatchNorm" bottom: "reduce" top: "reduce" batch_norm_param { use_global_stats: true } }
            layer { name: "scale" type: "Scale" bottom: "reduce" top: "reduce" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "reduce" top: "reduce" }
            layer { name: "conv" type: "Convolution" bottom: "reduce" top: "conv" convolution_param { num_output: 48 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
            layer { name: "relu2" type: "ReLU" bottom: "conv" top: "out" relu_param { negative_slope: 0.1 } }
            """);
        yield return Case("depthwise 3x3 stride 1 with a bias, and stride 2 folded, by channels", 1, 40, 29, """
            layer { name: "dw" type: "Convolution" bottom: "data" top: "dw" convolution_param { num_output: 40 group: 40 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "dw2" type: "Convolution" bottom: "dw" top: "dw2" convolution_param { num_output: 40 group: 40 kernel_size: 3 pad: 1 stride: 2 bias_term: false weight_filler { type: "gaussian" } } }
            layer { name: "bn" type: "BatchNorm" bottom: "dw2" top: "dw2" batch_norm_param { use_global_stats: true } }
            layer { name: "scale" type: "Scale" bottom: "dw2" top: "dw2" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "dw2" top: "out" }
            """);
    }

    private static TestCaseData Case(string name, int items, int channels, int size, string layers) =>
        new TestCaseData($$"""
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{items}} dim: {{channels}} dim: {{size}} dim: {{size}} } } }
            {{layers}}
            """).SetArgDisplayNames(name);

    [TearDown]
    public void Restore() => WorkParts.Forced = 0;

    [TestCaseSource(nameof(Nets))]
    public void Any_number_of_parts_gives_the_whole_products_outputs_bit_for_bit(string text) =>
        AssertPartsGiveOnePartsBits(parts => (Outputs(text, parts, out var splits), splits));

    // The values with one part (nothing split) against 2, 3 and 7 parts, bit for bit; every split run splits something.
    private static void AssertPartsGiveOnePartsBits(Func<int, (float[] Values, int Splits)> run)
    {
        var (expected, none) = run(1);
        Assert.That(none, Is.Zero, "one part: nothing split");
        Assert.That(expected, Has.Some.Not.EqualTo(0f).And.Some.Matches<float>(float.IsFinite));
        foreach (var parts in new[] { 2, 3, 7 })
        {
            var (actual, splits) = run(parts);
            Assert.That(splits, Is.GreaterThan(0), $"{parts} parts: some convolution splits its work");
            Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), $"{parts} parts");
        }
    }

    // The net built (weights from its fillers' fixed seed), folded and planned as `layernet test` runs it, with
    // seeded inputs; the output of two passes (the second reuses every buffer).
    private static float[] Outputs(string text, int parts, out int splits)
    {
        WorkParts.Forced = parts;
        var net = TextNets.Build(text, Phase.Test);
        net.PlanMemory();
        splits = net.Layers.OfType<BaseConvolutionLayer>().Count(l => l.SplitsProducts);
        var random = new RandomSource(5);
        float[] output = [];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < net.Inputs[0].Count; i++)
            {
                net.Inputs[0].Data[i] = random.NextGaussian(0f, 1f);
            }

            net.Forward();
            output = [.. output, .. net.Outputs[0].Data.ToArray()];
        }

        return output;
    }
    // Training: the weight gradient split by columns of dW over the parts, each summing every item in order, and the
    // bias and input gradients, are those of one thread bit for bit (LeNet's conv2, padded 3x3s, a 1x1).
    [TestCase(2, 64, 14, 64, 3, 1)]
    [TestCase(8, 20, 12, 50, 5, 0)]
    [TestCase(4, 32, 10, 96, 3, 1)]
    [TestCase(5, 64, 9, 40, 1, 0)]
    public void Weight_gradients_in_parts_are_one_threads_bit_for_bit(int items, int channels, int size, int outputs, int kernel, int pad)
    {
        var text = $$"""
            layer { name: "data" type: "Input" top: "data" top: "target" input_param { shape { dim: {{items}} dim: {{channels}} dim: {{size}} dim: {{size}} } shape { dim: {{items}} dim: {{outputs}} dim: {{size - kernel + 1 + (2 * pad)}} dim: {{size - kernel + 1 + (2 * pad)}} } } }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: {{outputs}} kernel_size: {{kernel}} pad: {{pad}} weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "conv" bottom: "target" top: "loss" }
            """;
        AssertPartsGiveOnePartsBits(parts => (Gradients(text, parts, out var splits), splits));
    }

    // Two forward-backward passes of a training net with seeded inputs: the weight, bias and input gradients.
    private static float[] Gradients(string text, int parts, out int splits)
    {
        WorkParts.Forced = parts;
        var net = TextNets.Build(text, Phase.Train);
        var conv = net.Layers.OfType<BaseConvolutionLayer>().Single();
        splits = conv.SplitsWeightGradient ? 1 : 0;
        var random = new RandomSource(6);
        float[] gradients = [];
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var input in net.Inputs)
            {
                for (var i = 0; i < input.Count; i++)
                {
                    input.Data[i] = random.NextGaussian(0f, 1f);
                }
            }

            net.ForwardBackward();
            gradients = [.. gradients, .. conv.Blobs[0].Diff.ToArray(), .. conv.Blobs[1].Diff.ToArray(), .. net.Blobs.First(b => b.Name == "data").Diff.ToArray()];
        }

        return gradients;
    }
}
