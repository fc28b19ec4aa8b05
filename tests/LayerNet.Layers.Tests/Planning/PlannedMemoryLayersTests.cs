using Caffe;
using LayerNet.Fillers;
using LayerNet.Nets;

namespace LayerNet.Layers.Tests.Planning;

/// <summary>
/// Net.PlanMemory hands a layer a top whose buffer holds whatever the blob before it left. A layer that reads its top
/// before writing it, or writes only part of it, would give other values than in the unplanned net: every shared buffer
/// is filled with NaN before the pass, and the outputs must be the unplanned net's bit for bit. The zoo nets cover
/// convolution, pooling, LRN, BatchNorm, Scale, ReLU, Eltwise SUM, Concat, Split, Dropout, InnerProduct and Softmax;
/// these nets cover the rest of the built-in layers that run in a deploy net.
/// </summary>
public sealed class PlannedMemoryLayersTests
{
    private const string Input = """
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 4 dim: 6 dim: 6 } } }
        """;

    private static IEnumerable<TestCaseData> Nets()
    {
        yield return Case("deconvolution, crop, tile, eltwise PROD and MAX", """
            layer { name: "up" type: "Deconvolution" bottom: "data" top: "up" convolution_param { num_output: 3 kernel_size: 4 stride: 2 pad: 1 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "crop" type: "Crop" bottom: "up" bottom: "data" top: "crop" crop_param { axis: 2 offset: 1 } }
            layer { name: "tile" type: "Tile" bottom: "crop" top: "tile" tile_param { axis: 1 tiles: 2 } }
            layer { name: "prod" type: "Eltwise" bottom: "tile" bottom: "tile" top: "prod" eltwise_param { operation: PROD } }
            layer { name: "max" type: "Eltwise" bottom: "prod" bottom: "tile" top: "max" eltwise_param { operation: MAX } }
            layer { name: "sum" type: "Eltwise" bottom: "max" bottom: "tile" top: "out" eltwise_param { operation: SUM coeff: 0.5 coeff: -2 } }
            """);
        yield return Case("neurons out of place", """
            layer { name: "abs" type: "AbsVal" bottom: "data" top: "abs" }
            layer { name: "power" type: "Power" bottom: "abs" top: "power" power_param { power: 1.5 scale: 0.5 shift: 0.1 } }
            layer { name: "exp" type: "Exp" bottom: "power" top: "exp" exp_param { scale: 0.3 } }
            layer { name: "log" type: "Log" bottom: "exp" top: "log" }
            layer { name: "tanh" type: "TanH" bottom: "log" top: "tanh" }
            layer { name: "sigmoid" type: "Sigmoid" bottom: "tanh" top: "sigmoid" }
            layer { name: "elu" type: "ELU" bottom: "data" top: "elu" }
            layer { name: "prelu" type: "PReLU" bottom: "elu" top: "prelu" prelu_param { filler { type: "gaussian" } } }
            layer { name: "bnll" type: "BNLL" bottom: "prelu" top: "bnll" }
            layer { name: "clip" type: "Clip" bottom: "bnll" top: "clip" clip_param { min: 0.2 max: 0.9 } }
            layer { name: "swish" type: "Swish" bottom: "clip" top: "swish" }
            layer { name: "threshold" type: "Threshold" bottom: "data" top: "threshold" threshold_param { threshold: 0.1 } }
            layer { name: "join" type: "Concat" bottom: "sigmoid" bottom: "swish" bottom: "threshold" top: "out" }
            """);
        yield return Case("bias, MVN, SPP, Im2col, reduction, ArgMax", """
            layer { name: "bias" type: "Bias" bottom: "data" top: "bias" bias_param { filler { type: "gaussian" } } }
            layer { name: "mvn" type: "MVN" bottom: "bias" top: "mvn" }
            layer { name: "spp" type: "SPP" bottom: "mvn" top: "spp" spp_param { pyramid_height: 2 } }
            layer { name: "cols" type: "Im2col" bottom: "mvn" top: "cols" convolution_param { kernel_size: 3 pad: 1 } }
            layer { name: "reduce" type: "Reduction" bottom: "cols" top: "reduce" reduction_param { operation: SUMSQ axis: 2 } }
            layer { name: "flat" type: "Flatten" bottom: "spp" top: "flat" }
            layer { name: "ip" type: "InnerProduct" bottom: "flat" top: "ip" inner_product_param { num_output: 7 weight_filler { type: "gaussian" } } }
            layer { name: "argmax" type: "ArgMax" bottom: "ip" top: "argmax" argmax_param { top_k: 2 out_max_val: true } }
            layer { name: "slice" type: "Slice" bottom: "reduce" top: "a" top: "b" slice_param { axis: 1 slice_point: 1 } }
            layer { name: "silence" type: "Silence" bottom: "b" }
            layer { name: "both" type: "Concat" bottom: "a" bottom: "a" top: "out" concat_param { axis: 1 } }
            """);
        yield return Case("pooling AVE and global, softmax over an axis, scale by a blob", """
            layer { name: "ave" type: "Pooling" bottom: "data" top: "ave" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
            layer { name: "global" type: "Pooling" bottom: "data" top: "global" pooling_param { pool: MAX global_pooling: true } }
            layer { name: "soft" type: "Softmax" bottom: "ave" top: "soft" softmax_param { axis: 2 } }
            layer { name: "factors" type: "Reshape" bottom: "global" top: "factors" reshape_param { shape { dim: 0 dim: -1 } } }
            layer { name: "scale" type: "Scale" bottom: "soft" bottom: "factors" top: "scaled" scale_param { axis: 0 } }
            layer { name: "lrn" type: "LRN" bottom: "scaled" top: "out" lrn_param { local_size: 3 norm_region: WITHIN_CHANNEL } }
            """);
        yield return Case("LSTM and RNN over 2 steps, sequences starting at each (cont 0)", """
            layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" top: "lstm" recurrent_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
            layer { name: "rnn" type: "RNN" bottom: "lstm" bottom: "cont" top: "rnn" recurrent_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
            layer { name: "soft" type: "Softmax" bottom: "rnn" top: "out" softmax_param { axis: 2 } }
            """, input: """
            layer { name: "data" type: "Input" top: "data" top: "cont" input_param { shape { dim: 2 dim: 4 dim: 6 dim: 6 } shape { dim: 2 dim: 4 } } }
            """);
    }

    private static TestCaseData Case(string name, string layers, string input = Input) => new TestCaseData(input + "\n" + layers).SetArgDisplayNames(name);


    [TestCaseSource(nameof(Nets))]
    public void A_planned_net_gives_the_unplanned_outputs_bit_for_bit(string text)
    {
        var plain = TextNets.Build(text, Phase.Test);
        var planned = TextNets.Build(text, Phase.Test);
        var plan = planned.PlanMemory(fold: false);
        foreach (var blob in planned.Blobs.Where(b => !planned.Inputs.Contains(b) && !planned.Outputs.Contains(b)))
        {
            blob.Data.Fill(float.NaN);
        }

        foreach (var pass in new[] { 1, 2 })
        {
            var random = new RandomSource((ulong)pass);
            for (var i = 0; i < plain.Inputs[0].Count; i++)
            {
                plain.Inputs[0].Data[i] = planned.Inputs[0].Data[i] = random.NextGaussian(0f, 1f);
            }

            plain.Forward();
            planned.Forward();
            foreach (var (expected, actual) in plain.Outputs.Zip(planned.Outputs))
            {
                Assert.That(expected.Data.ToArray(), Has.Some.Matches<float>(float.IsFinite), expected.Name);
                Assert.That(actual.Data.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Data.ToArray().Select(BitConverter.SingleToInt32Bits)), $"pass {pass}, output '{expected.Name}'");
            }
        }

        Assert.That(plan.PlannedBlobs, Is.GreaterThan(0));
    }
}
