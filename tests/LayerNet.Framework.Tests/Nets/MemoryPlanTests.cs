using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>
/// Net.PlanMemory: blobs never alive at once share a buffer, and forward gives the values of the unplanned net bit for
/// bit, even when every shared buffer starts out holding NaN (a layer reading a top before writing it would show).
/// </summary>
public sealed class MemoryPlanTests
{
    // Convolutions, in-place ReLU/BatchNorm/Scale/Dropout, a blob read by two layers (a Split), views (Flatten,
    // Reshape), a one-piece Concat and Slice, a sum of two branches, pooling, an inner product and a softmax.
    private const string Deploy = """
        name: "planned"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 12 dim: 12 } } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
        layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
        layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "branch_a" type: "Convolution" bottom: "conv1" top: "branch_a" convolution_param { num_output: 8 kernel_size: 1 weight_filler { type: "gaussian" std: 0.3 } } }
        layer { name: "branch_b" type: "Convolution" bottom: "conv1" top: "branch_b" convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
        layer { name: "sum" type: "Eltwise" bottom: "branch_a" bottom: "branch_b" top: "sum" }
        layer { name: "pool" type: "Pooling" bottom: "sum" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "one" type: "Concat" bottom: "pool" top: "one" }
        layer { name: "piece" type: "Slice" bottom: "one" top: "piece" }
        layer { name: "flat" type: "Flatten" bottom: "piece" top: "flat" }
        layer { name: "drop" type: "Dropout" bottom: "flat" top: "flat" }
        layer { name: "back" type: "Reshape" bottom: "flat" top: "back" reshape_param { shape { dim: 0 dim: 8 dim: -1 } } }
        layer { name: "late" type: "Convolution" bottom: "conv1" top: "late" convolution_param { num_output: 2 kernel_size: 1 weight_filler { type: "gaussian" } } }
        layer { name: "late_flat" type: "Flatten" bottom: "late" top: "late_flat" }
        layer { name: "back_flat" type: "Flatten" bottom: "back" top: "back_flat" }
        layer { name: "both" type: "Concat" bottom: "back_flat" bottom: "late_flat" top: "both" }
        layer { name: "ip" type: "InnerProduct" bottom: "both" top: "ip" inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
        """;

    private static Net Build(string text = Deploy, Phase phase = Phase.Test) => TestNets.Build(text, phase, seed: 5);

    private static void FillInput(Net net, int seed = 3)
    {
        var random = new LayerNet.Fillers.RandomSource((ulong)seed);
        var input = net.Inputs[0].Data;
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextGaussian(0f, 1f);
        }
    }

    // NaN in every blob the plan lets share a buffer (the kept ones are left as they are).
    private static void Poison(Net net, params string[] kept)
    {
        foreach (var blob in net.Blobs)
        {
            if (!net.Inputs.Contains(blob) && !net.Outputs.Contains(blob) && !kept.Contains(blob.Name))
            {
                blob.Data.Fill(float.NaN);
            }
        }
    }

    [Test]
    public void Forward_gives_the_unplanned_values_bit_for_bit_from_buffers_full_of_NaN()
    {
        var plain = Build();
        var planned = Build();
        planned.PlanMemory(fold: false);
        Poison(planned);
        FillInput(plain);
        FillInput(planned);

        plain.Forward();
        planned.Forward();
        Assert.That(planned.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()));
        Assert.That(plain.Blob("prob").Data.ToArray(), Has.All.Matches<float>(float.IsFinite));

        // Again, with other input: nothing depends on what the last pass left behind.
        FillInput(plain, 4);
        FillInput(planned, 4);
        plain.Forward();
        planned.Forward();
        Assert.That(planned.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()));
    }

    [Test]
    public void Blobs_never_alive_at_once_share_a_buffer_and_the_plan_says_how_much_it_saved()
    {
        var net = Build();
        var plan = net.PlanMemory();

        Assert.That(plan.PlannedBlobs, Is.GreaterThan(plan.Buffers));
        Assert.That(plan.BytesAfter, Is.LessThan(plan.BytesBefore));

        // "pool" is written after "branch_a" was last read (by sum): they may share; "conv1" is read by "late", so
        // nothing written between conv1 and late shares conv1's buffer.
        var conv1 = net.Blob("conv1");
        foreach (var name in new[] { "branch_a", "branch_b", "sum", "pool", "one", "piece", "flat", "back" })
        {
            Assert.That(net.Blob(name).SharesDataWith(conv1), Is.False, name);
        }

        Assert.That(net.Blob("branch_a").SharesDataWith(net.Blob("branch_b")), Is.False, "sum reads both");

        // The only other blobs on conv1's buffer: the Split's tops (views of it), and blobs written after "late" read it.
        var sharers = net.Blobs.Where(b => b != conv1 && b.SharesDataWith(conv1)).Select(b => b.Name).ToArray();
        Assert.That(sharers.Where(name => !name.StartsWith("conv1_", StringComparison.Ordinal)), Is.SubsetOf(new[] { "both", "ip" }));
        Assert.That(net.Blobs.Count(b => b.SharesDataWith(net.Blob("branch_a"))), Is.GreaterThan(1));
    }

    [Test]
    public void A_kept_blob_holds_its_values_after_the_pass()
    {
        var plain = Build();
        var planned = Build();
        planned.PlanMemory(["branch_b", "pool"], fold: false);
        FillInput(plain);
        FillInput(planned);

        plain.Forward();
        planned.Forward();

        Assert.That(planned.Blob("branch_b").Data.ToArray(), Is.EqualTo(plain.Blob("branch_b").Data.ToArray()));
        Assert.That(planned.Blob("pool").Data.ToArray(), Is.EqualTo(plain.Blob("pool").Data.ToArray()));
    }

    [Test]
    public void Reshaping_to_a_larger_input_lays_the_net_out_again()
    {
        // Without the inner product, whose input size is fixed at set-up, the net takes any image size.
        var text = Deploy
            .Replace("""layer { name: "ip" type: "InnerProduct" bottom: "both" top: "ip" inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }""", string.Empty, StringComparison.Ordinal)
            .Replace("""bottom: "ip" top: "prob" """, """bottom: "both" top: "prob" """, StringComparison.Ordinal);
        var plain = Build(text);
        var planned = Build(text);
        var small = planned.PlanMemory(fold: false);
        foreach (var net in new[] { plain, planned })
        {
            net.Inputs[0].Reshape([3, 3, 16, 16]);
            net.Reshape();
            FillInput(net);
            net.Forward();
        }

        Assert.That(planned.Blob("prob").Shape, Is.EqualTo(new[] { 3, (8 * 8 * 8) + (2 * 16 * 16) }));
        Assert.That(planned.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()));

        // Laid out again for the larger shapes: the shared buffers hold the new sizes.
        Assert.That(planned.Blob("branch_b").Capacity, Is.EqualTo(plain.Blob("branch_b").Count).Or.GreaterThan(plain.Blob("branch_b").Count));
        Assert.That(small.Buffers, Is.GreaterThan(0));
    }

    [Test]
    public void A_planned_test_net_with_a_loss_refuses_backward_and_keeps_its_loss()
    {
        const string withLoss = """
            layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 6 } shape { dim: 4 } } }
            layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "h" inner_product_param { num_output: 5 weight_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
            layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "score" inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }
            """;
        var plain = Build(withLoss);
        var planned = Build(withLoss);
        planned.PlanMemory();
        foreach (var net in new[] { plain, planned })
        {
            FillInput(net);
            net.Blob("label").Data.Fill(1f);
        }

        Assert.That(planned.Forward(), Is.EqualTo(plain.Forward()));
        var error = Assert.Throws<LayerNetException>(() => planned.Backward());
        Assert.That(error!.Message, Does.Contain("runs forward only").And.Contain("'loss'"));
        Assert.That(planned.Layers.All(layer => !layer.RunsBackward), Is.True);
    }

    // BatchNorm statistics that make a difference: means around 0.3, variances 0.5 to 2.5, a moving-average factor 2.
    private static void SetStatistics(Net net)
    {
        var batchNorm = net.FindLayer("bn1")!;
        var random = new LayerNet.Fillers.RandomSource(9);
        for (var c = 0; c < batchNorm.Blobs[0].Count; c++)
        {
            batchNorm.Blobs[0].Data[c] = 2f * random.NextGaussian(0.3f, 1f);
            batchNorm.Blobs[1].Data[c] = 2f * (0.5f + (2f * c / batchNorm.Blobs[0].Count));
        }

        batchNorm.Blobs[2].Data[0] = 2f;
    }

    private sealed class Seen : NetObserver
    {
        public List<string> Forwarded { get; } = [];

        public override void BeforeForward(NetStep layer) => Forwarded.Add(layer.Layer.Name);
    }

    // The net built twice from one seed (with SetStatistics where it has "bn1"), the second laid out by plan, both
    // given the same input and run forward once; Seen holds the layers the planned net ran.
    private static (Net Plain, Net Planned, Seen Seen) RunBoth(string text, Action<Net> plan)
    {
        var plain = Build(text);
        var planned = Build(text);
        foreach (var net in new[] { plain, planned }.Where(net => net.FindLayer("bn1") is not null))
        {
            SetStatistics(net);
        }

        plan(planned);
        FillInput(plain);
        FillInput(planned);
        var seen = new Seen();
        plain.Forward();
        planned.Forward(seen);
        return (plain, planned, seen);
    }

    [Test]
    public void A_convolution_takes_its_BatchNorm_Scale_and_ReLU_into_one_pass_to_float_rounding()
    {
        var (plain, folded, seen) = RunBoth(Deploy, net => net.PlanMemory());

        Assert.That(seen.Forwarded, Does.Not.Contain("bn1").And.Not.Contain("scale1").And.Not.Contain("relu1").And.Contain("conv1"));
        Assert.That(folded.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()).Within(1e-6f));
        Assert.That(folded.Blob("prob").Data.ToArray(), Is.Not.EqualTo(Build().Blob("prob").Data.ToArray()), "a real pass ran");

        // The folded layers' parameters are read at every pass: a change after planning is seen.
        folded.FindLayer("scale1")!.Blobs[1].Data.Fill(-0.5f);
        plain.FindLayer("scale1")!.Blobs[1].Data.Fill(-0.5f);
        plain.Forward();
        folded.Forward();
        Assert.That(folded.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()).Within(1e-6f));
    }

    [Test]
    public void Planning_twice_folds_each_layer_once()
    {
        // Without the ReLU, which ends what a convolution may take, the BatchNorm and Scale are offered again.
        var text = Deploy.Replace("""layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }""", string.Empty, StringComparison.Ordinal);
        var (plain, folded, _) = RunBoth(text, net =>
        {
            net.PlanMemory();
            net.PlanMemory();
        });

        Assert.That(folded.Blob("prob").Data.ToArray(), Is.EqualTo(plain.Blob("prob").Data.ToArray()).Within(1e-6f));
    }

    [Test]
    public void A_leaky_ReLU_folds_with_its_slope_and_nothing_after_it_folds()
    {
        const string leaky = """
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 9 dim: 9 } } }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "leaky" type: "ReLU" bottom: "conv" top: "conv" relu_param { negative_slope: 0.1 } }
            layer { name: "after" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            """;
        var (plain, folded, seen) = RunBoth(leaky, net => net.PlanMemory());

        Assert.That(seen.Forwarded, Is.EqualTo(new[] { "data", "conv", "after" }));
        Assert.That(plain.Blob("conv").Data.ToArray(), Has.Some.LessThan(0f));
        Assert.That(folded.Blob("conv").Data.ToArray(), Is.EqualTo(plain.Blob("conv").Data.ToArray()).Within(1e-5f));
    }

    private const string SeparateTops = """
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 9 dim: 9 } } }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
        layer { name: "bn1" type: "BatchNorm" bottom: "conv" top: "conv/bn" }
        layer { name: "scale" type: "Scale" bottom: "conv/bn" top: "conv/scale" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
        layer { name: "relu" type: "ReLU" bottom: "conv/scale" top: "conv/scale" }
        layer { name: "pool" type: "Pooling" bottom: "conv/scale" top: "pool" pooling_param { pool: AVE global_pooling: true } }
        {{OTHER}}
        """;

    [Test]
    public void BatchNorm_and_Scale_with_tops_of_their_own_fold_when_nothing_else_reads_what_they_take()
    {
        var (plain, folded, seen) = RunBoth(SeparateTops.Replace("{{OTHER}}", string.Empty, StringComparison.Ordinal), net => net.PlanMemory());

        Assert.That(seen.Forwarded, Is.EqualTo(new[] { "data", "conv", "pool" }));
        Assert.That(folded.Blob("pool").Data.ToArray(), Is.EqualTo(plain.Blob("pool").Data.ToArray()).Within(1e-5f));
    }

    [TestCase("layer { name: \"other\" type: \"AbsVal\" bottom: \"conv\" top: \"other\" }", "")]
    [TestCase("", "conv")]
    public void A_convolution_output_read_by_another_layer_or_kept_keeps_its_BatchNorm(string other, string keep)
    {
        var text = SeparateTops.Replace("{{OTHER}}", other, StringComparison.Ordinal);
        var (plain, planned, seen) = RunBoth(text, net => net.PlanMemory(keep.Length > 0 ? [keep] : []));

        Assert.That(seen.Forwarded, Does.Contain("bn1"));
        Assert.That(planned.Blob("pool").Data.ToArray(), Is.EqualTo(plain.Blob("pool").Data.ToArray()));
        if (keep.Length > 0)
        {
            Assert.That(planned.Blob("conv").Data.ToArray(), Is.EqualTo(plain.Blob("conv").Data.ToArray()));
        }
    }

    [Test]
    public void Keeping_a_blob_the_net_lacks_is_refused_with_the_nearest_name()
    {
        var error = Assert.Throws<LayerNetException>(() => Build().PlanMemory(["branch_c"]));
        Assert.That(error!.Message, Does.Contain("no blob 'branch_c'").And.Contain("did you mean"));
    }
}
