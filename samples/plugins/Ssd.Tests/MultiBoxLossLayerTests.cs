using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Testing;
using CodeType = LayerNet.Samples.Ssd.PriorBoxParameter.Types.CodeType;
using ConfLossType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.ConfLossType;
using LocLossType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.LocLossType;
using MatchType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.MatchType;
using MiningType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.MiningType;
using NormalizationMode = Caffe.LossParameter.Types.NormalizationMode;

namespace LayerNet.Samples.Ssd.Tests;

[TestFixture]
public sealed class MultiBoxLossLayerTests
{
    // Four quadrant priors, variances 0.1 0.1 0.2 0.2; three images, three classes. Image 0 has two objects:
    // g1 (0.04, 0.05, 0.55, 0.5) of class 1 overlaps p0 by 0.7596 and p1 by 0.049; g2 is p3 exactly, class 2.
    // Images 1 and 2 have none (a padding row, item -1).
    private static readonly double[][] PriorBoxes = [[0, 0, 0.5, 0.5], [0.5, 0, 1, 0.5], [0, 0.5, 0.5, 1], [0.5, 0.5, 1, 1]];
    private static readonly double[] Variance = [0.1, 0.1, 0.2, 0.2];
    private static readonly double[] G1 = [0.04, 0.05, 0.55, 0.5];
    private static readonly double[] G2 = [0.5, 0.5, 1, 1];

    // Location offsets: p0 and p3 (the matches) keep every |prediction - target| away from SMOOTH_L1's kink at 1.
    private static readonly float[] Location =
    [
        0.2f, -0.3f, 0.4f, 0.1f, 0.3f, 0.1f, -0.2f, 0.05f, -0.1f, 0.2f, 0.3f, -0.4f, 0.5f, -1.6f, 0.3f, 2.2f,
        0.1f, 0.2f, 0.3f, 0.4f, -0.1f, -0.2f, -0.3f, -0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0f, 0.1f, 0f, 0.1f,
        0.3f, 0.3f, -0.3f, -0.3f, 0.2f, 0.1f, 0f, -0.1f, 0.4f, -0.5f, 0.6f, -0.7f, 0.1f, 0.1f, 0.2f, 0.2f,
    ];

    // Confidence logits, prior by prior (classes 0, 1, 2): p2 of image 0 is the least background-like negative.
    private static readonly float[] Confidence =
    [
        0.5f, 1.2f, -0.3f, 1.5f, 0.2f, 0.1f, -0.2f, 0.9f, 0.6f, 0.1f, -0.4f, 1.1f,
        0.3f, 0.2f, 0.1f, 1.0f, -1.0f, 0.5f, 0.0f, 0.7f, -0.6f, 2.0f, 0.1f, 0.2f,
        -0.5f, 0.5f, 0.9f, 0.4f, 0.4f, -0.3f, 1.3f, 0.0f, -0.2f, 0.2f, 0.8f, 0.6f,
    ];

    private static Blob[] Bottoms(int images = 3)
    {
        var priors = new List<float>();
        foreach (var box in PriorBoxes)
        {
            priors.AddRange(box.Select(v => (float)v));
        }

        foreach (var _ in PriorBoxes)
        {
            priors.AddRange(Variance.Select(v => (float)v));
        }

        float[] truth =
        [
            0, 1, 0, (float)G1[0], (float)G1[1], (float)G1[2], (float)G1[3], 0,
            -1, 0, 0, 0, 0, 0, 0, 0,
            0, 2, 1, (float)G2[0], (float)G2[1], (float)G2[2], (float)G2[3], 0,
        ];
        return
        [
            BlobBuilder.FromValues([images, 16], Location[..(images * 16)]),
            BlobBuilder.FromValues([images, 12], Confidence[..(images * 12)]),
            BlobBuilder.FromValues([1, 2, 16], [.. priors]),
            BlobBuilder.FromValues([1, 1, 3, 8], truth),
        ];
    }

    private static MultiBoxLossParameter Parameter(MiningType mining = MiningType.MaxNegative, float negPosRatio = 3f) => new()
    {
        NumClasses = 3,
        CodeType = CodeType.CenterSize,
        MiningType = mining,
        NegPosRatio = negPosRatio,
    };

    private static MultiBoxLossLayer Layer(MultiBoxLossParameter p, NormalizationMode? normalization = null)
    {
        var definition = LayerDefinitions.With("MultiBoxLoss", SsdExtensions.MultiboxLossParam, p);
        if (normalization is { } mode)
        {
            definition.LossParam = new LossParameter { Normalization = mode };
        }

        return new MultiBoxLossLayer(definition) { Origin = LayerDefinitions.At };
    }

    private static (MultiBoxLossLayer Layer, float Loss) Run(MultiBoxLossParameter p, NormalizationMode? normalization = null, int images = 3)
    {
        var layer = Layer(p, normalization);
        var bottom = Bottoms(images);
        var top = new Blob();
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        return (layer, top.Data[0]);
    }

    /// <summary>The float64 reference: SMOOTH_L1 over p0 -> g1 and p3 -> g2, softmax loss over the listed rows.</summary>
    private static double ReferenceSum(params (int Image, int Prior, int Label)[] confidenceRows)
    {
        double location = 0;
        foreach (var (prior, box) in new[] { (0, G1), (3, G2) })
        {
            var target = SsdReference.EncodeCenterSize(PriorBoxes[prior], Variance, box);
            for (var k = 0; k < 4; k++)
            {
                location += SsdReference.SmoothL1(Location[(prior * 4) + k] - target[k]);
            }
        }

        double confidence = 0;
        foreach (var (image, prior, label) in confidenceRows)
        {
            var logits = Confidence.Skip(((image * 4) + prior) * 3).Take(3).Select(v => (double)v).ToList();
            confidence += SsdReference.SoftmaxLoss(logits, label);
        }

        return location + confidence;
    }

    [Test]
    public void Bipartite_then_per_prediction_matching()
    {
        // q0 is g exactly; q1 overlaps g by 0.778: matched only by PER_PREDICTION's second pass.
        var priors = BlobBuilder.FromValues([1, 2, 12], 0f, 0f, 0.4f, 0.4f, 0.05f, 0f, 0.45f, 0.4f, 0.6f, 0.6f, 1f, 1f, .1f, .1f, .2f, .2f, .1f, .1f, .2f, .2f, .1f, .1f, .2f, .2f);
        var truth = BlobBuilder.FromValues([1, 1, 1, 8], 0f, 1f, 0f, 0f, 0f, 0.4f, 0.4f, 0f);
        foreach (var (type, expected) in new[] { (MatchType.Bipartite, new[] { 0, -1, -1 }), (MatchType.PerPrediction, new[] { 0, 0, -1 }) })
        {
            var p = Parameter(MiningType.None);
            p.MatchType = type;
            var layer = Layer(p);
            Blob[] bottom = [new Blob(1, 12), new Blob(1, 9), priors, truth];
            var top = new Blob();
            layer.SetUp(bottom, [top]);
            layer.Forward(bottom, [top]);

            Assert.That(Enumerable.Range(0, 3).Select(j => layer.MatchOf(0, j)), Is.EqualTo(expected), type.ToString());
            Assert.That(layer.MatchCount, Is.EqualTo(expected.Count(m => m >= 0)));
        }
    }

    [Test]
    public void Matches_the_best_overlaps_and_mines_every_eligible_negative()
    {
        var (layer, _) = Run(Parameter());

        Assert.That(Enumerable.Range(0, 4).Select(j => layer.MatchOf(0, j)), Is.EqualTo(new[] { 0, -1, -1, 1 }));
        Assert.That(layer.MatchCount, Is.EqualTo(2));
        Assert.That(layer.NegativesOf(0).ToArray(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(layer.NegativesOf(1).ToArray(), Is.Empty, "an image without ground truth gives no negatives");
    }

    [TestCase(NormalizationMode.Valid, 2f)]
    [TestCase(NormalizationMode.Full, 12f)]
    [TestCase(NormalizationMode.BatchSize, 3f)]
    [TestCase(NormalizationMode.None, 1f)]
    public void Loss_is_the_reference_sum_over_the_normalizer(NormalizationMode mode, float normalizer)
    {
        var (layer, loss) = Run(Parameter(), mode);

        var expected = ReferenceSum((0, 0, 1), (0, 3, 2), (0, 1, 0), (0, 2, 0)) / normalizer;
        Assert.That(layer.Normalizer, Is.EqualTo(normalizer));
        Assert.That(loss, Is.EqualTo(expected).Within(1e-5 * expected));
    }

    [Test]
    public void Max_negative_keeps_the_negatives_with_the_largest_background_loss()
    {
        // floor(2 positives x 0.5) = 1 negative: p2 (logits -0.2, 0.9, 0.6: background loss 1.829) beats p1 (1.5, 0.2, 0.1: 0.418).
        var (layer, loss) = Run(Parameter(negPosRatio: 0.5f));

        Assert.That(layer.NegativesOf(0).ToArray(), Is.EqualTo(new[] { 2 }));
        var expected = ReferenceSum((0, 0, 1), (0, 3, 2), (0, 2, 0)) / 2;
        Assert.That(loss, Is.EqualTo(expected).Within(1e-5 * expected));
    }

    [Test]
    public void Without_mining_every_prior_of_every_image_is_in_the_confidence_loss()
    {
        var (layer, loss) = Run(Parameter(MiningType.None));

        var rows = new List<(int, int, int)> { (0, 0, 1), (0, 3, 2), (0, 1, 0), (0, 2, 0) };
        for (var image = 1; image < 3; image++)
        {
            for (var prior = 0; prior < 4; prior++)
            {
                rows.Add((image, prior, 0));
            }
        }

        var expected = ReferenceSum([.. rows]) / 2;
        Assert.That(layer.NegativeCount, Is.Zero);
        Assert.That(loss, Is.EqualTo(expected).Within(1e-5 * expected));
    }

    [Test]
    public void Propagate_down_false_leaves_the_term_out_of_the_loss()
    {
        var p = Parameter();
        var definition = LayerDefinitions.With("MultiBoxLoss", SsdExtensions.MultiboxLossParam, p);
        definition.PropagateDown.AddRange([false, true, false, false]);
        var layer = new MultiBoxLossLayer(definition);
        var bottom = Bottoms();
        var top = new Blob();
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        var confidenceOnly = ReferenceSum((0, 0, 1), (0, 3, 2), (0, 1, 0), (0, 2, 0)) - ReferenceSum();
        Assert.That(top.Data[0], Is.EqualTo(confidenceOnly / 2).Within(1e-5));
    }

    [TestCase(0, MiningType.MaxNegative, LocLossType.SmoothL1, ConfLossType.Softmax)]
    [TestCase(1, MiningType.MaxNegative, LocLossType.SmoothL1, ConfLossType.Softmax)]
    [TestCase(0, MiningType.None, LocLossType.L2, ConfLossType.Softmax)]
    [TestCase(1, MiningType.None, LocLossType.SmoothL1, ConfLossType.Softmax)]
    [TestCase(1, MiningType.None, LocLossType.SmoothL1, ConfLossType.Logistic)]
    [TestCase(1, MiningType.MaxNegative, LocLossType.SmoothL1, ConfLossType.Logistic)]
    [TestCase(1, MiningType.HardExample, LocLossType.SmoothL1, ConfLossType.Softmax)]
    public void Gradient_matches_finite_differences(int checkBottom, MiningType mining, LocLossType locLoss, ConfLossType confLoss)
    {
        var p = Parameter(mining);
        p.LocLossType = locLoss;
        p.ConfLossType = confLoss;
        p.LocWeight = 0.7f;
        new GradientChecker(1e-2f, 1e-3f).CheckGradient(Layer(p), Bottoms(), [new Blob()], checkBottom);
    }

    [Test]
    public void Without_num_classes_it_is_an_error_naming_the_layer()
    {
        var layer = Layer(new MultiBoxLossParameter());
        var error = Assert.Throws<LayerNetException>(() => layer.SetUp(Bottoms(), [new Blob()]));
        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'l' (MultiBoxLoss): multibox_loss_param.num_classes is required"));
    }

    [Test]
    public void A_legacy_do_neg_mining_that_contradicts_mining_type_is_an_error()
    {
        var p = Parameter();
        p.DoNegMining = false;
        var error = Assert.Throws<LayerNetException>(() => Layer(p).SetUp(Bottoms(), [new Blob()]));
        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'l' (MultiBoxLoss): multibox_loss_param.do_neg_mining false contradicts mining_type MAX_NEGATIVE"));
    }

    [TestCase(ConfLossType.Softmax, MiningType.None, true)]
    [TestCase(ConfLossType.Logistic, MiningType.MaxNegative, true)]
    [TestCase(ConfLossType.Logistic, MiningType.None, false)]
    public void A_background_label_past_the_classes_is_refused_where_the_fork_uses_it_as_a_class(ConfLossType loss, MiningType mining, bool refused)
    {
        var p = Parameter(mining);
        p.ConfLossType = loss;
        p.BackgroundLabelId = 3;
        var layer = Layer(p);

        if (refused)
        {
            var error = Assert.Throws<LayerNetException>(() => layer.SetUp(Bottoms(), [new Blob()]))!;
            Assert.That(error.Message, Does.EndWith("multibox_loss_param.background_label_id 3 is out of range for 3 classes"));
        }
        else
        {
            var top = new Blob();
            layer.SetUp(Bottoms(), [top]);
            layer.Forward(Bottoms(), [top]);
            Assert.That(float.IsFinite(top.Data[0]), Is.True);
        }
    }

    [Test]
    public void Ground_truth_with_the_background_label_is_an_error()
    {
        var layer = Layer(Parameter());
        var bottom = Bottoms();
        bottom[3].Data[1] = 0f;
        var top = new Blob();
        layer.SetUp(bottom, [top]);
        var error = Assert.Throws<LayerNetException>(() => layer.Forward(bottom, [top]));
        Assert.That(error.Message, Does.Contain("(MultiBoxLoss): ground truth row 0 of bottom 3 has the background label 0"));
    }
}
