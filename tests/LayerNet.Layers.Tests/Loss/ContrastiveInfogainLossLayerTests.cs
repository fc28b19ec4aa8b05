using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Loss;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Loss;

[TestFixture]
public sealed class ContrastiveLossLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 60, 1));

    private static ContrastiveLossLayer Create(float margin = 3f, bool legacy = false) =>
        Layer.ConstructAt(DefinedAt, () => new ContrastiveLossLayer(new LayerParameter
        {
            Name = "contrastive",
            Type = "ContrastiveLoss",
            ContrastiveLossParam = new ContrastiveLossParameter { Margin = margin, LegacyVersion = legacy },
        }));

    // Pair 0: similar, difference (0, 2). Pair 1: dissimilar, difference (0, -1), d = 1. Pair 2: dissimilar, d = 3.
    private static Blob[] Pairs() =>
    [
        BlobBuilder.FromValues([3, 2], 1f, 2f, 0f, 0f, 3f, 0f),
        BlobBuilder.FromValues([3, 2], 1f, 0f, 0f, 1f, 0f, 0f),
        BlobBuilder.FromValues([3], 1f, 0f, 0f),
    ];

    [TestCase(false, 8f / 6f)]
    [TestCase(true, 6f / 6f)]
    public void Forward_sums_the_squared_distances_and_the_margin_terms_over_2N(bool legacy, float expected)
    {
        // Similar: 4. Dissimilar with margin 3: (3 - 1)^2 = 4 and max(3 - 3, 0)^2 = 0; legacy: 3 - 1 = 2 and max(3 - 9, 0) = 0.
        var bottom = Pairs();
        var top = new Blob();
        var layer = Create(legacy: legacy);

        layer.SetUp(bottom, [top]);
        var loss = layer.Forward(bottom, [top]);

        Assert.That(top.Data[0], Is.EqualTo(expected).Within(1e-6f));
        Assert.That(loss, Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Backward_follows_Caffe_including_its_1e_4_in_the_denominator()
    {
        var bottom = Pairs();
        var top = new Blob();
        var layer = Create();
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        layer.Backward([top], [true, true, false], bottom);

        // Pair 0: (0, 2) / 3. Pair 1: -(1/3) (3 - 1) / (1 + 1e-4) (0, -1). Pair 2: beyond the margin, 0.
        var pair1 = 2f / 3f / 1.0001f;
        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { 0f, 2f / 3f, 0f, pair1, 0f, 0f }).Within(1e-6f));
        Assert.That(bottom[1].Diff.ToArray(), Is.EqualTo(new[] { 0f, -2f / 3f, 0f, -pair1, 0f, 0f }).Within(1e-6f));
    }

    [Test]
    public void Legacy_backward_scales_the_difference_without_the_distance()
    {
        var bottom = Pairs();
        var top = new Blob();
        var layer = Create(legacy: true);
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        layer.Backward([top], [true, false, false], bottom);

        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { 0f, 2f / 3f, 0f, 1f / 3f, 0f, 0f }).Within(1e-6f));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gradient_matches_finite_differences(bool legacy)
    {
        var random = new RandomSource(1701);
        var a = BlobBuilder.Gaussian(random, 0f, 0.5f, 6, 4);
        var b = BlobBuilder.Gaussian(random, 0f, 0.5f, 6, 4);
        var similar = BlobBuilder.FromValues([6], 1f, 0f, 0f, 1f, 0f, 0f);

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(Create(margin: 1f, legacy: legacy), [a, b, similar], [new Blob()], 0);
        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(Create(margin: 1f, legacy: legacy), [a, b, similar], [new Blob()], 1);
    }

    [Test]
    public void The_similarity_is_never_forced_a_gradient()
    {
        var layer = Create();

        Assert.That(layer.AllowForceBackward(2), Is.False);
        Assert.That(layer.AllowForceBackward(1), Is.True);
    }

    [Test]
    public void Features_of_different_widths_are_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(3, 2) { Name = "a" }, new Blob(3, 4) { Name = "b" }, new Blob(3)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(60,1): layer 'contrastive' (ContrastiveLoss): bottoms 0 'a' (3 2 (6)) and 1 'b' (3 4 (12)) must both be N x C features (further axes 1) of the same N and C"));
    }

    [Test]
    public void A_similarity_blob_of_another_count_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(3, 2), new Blob(3, 2), new Blob(3, 2) { Name = "sim" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(60,1): layer 'contrastive' (ContrastiveLoss): bottom 2 'sim' (3 2 (6)) must hold one similarity per pair: 3 values (further axes 1)"));
    }
}

[TestFixture]
public sealed class InfogainLossLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 70, 1));

    private static LayerParameter Definition(string? source = null, int? axis = null)
    {
        var parameter = new LayerParameter { Name = "infogain", Type = "InfogainLoss" };
        if (source is not null || axis is not null)
        {
            parameter.InfogainLossParam = new InfogainLossParameter();
            if (source is not null)
            {
                parameter.InfogainLossParam.Source = source;
            }

            if (axis is { } value)
            {
                parameter.InfogainLossParam.Axis = value;
            }
        }

        return parameter;
    }

    private static InfogainLossLayer Create(LayerParameter parameter) => Layer.ConstructAt(DefinedAt, () => new InfogainLossLayer(parameter));

    // Item 0: equal scores, p = 1/3 each, label 0. Item 1: scores (0, ln 2, 0), p = (1/4, 1/2, 1/4), label 2.
    private static Blob Scores() => BlobBuilder.FromValues([2, 3], 0f, 0f, 0f, 0f, 0.6931472f, 0f);

    private static Blob Labels() => BlobBuilder.FromValues([2], 0f, 2f);

    private static Blob Matrix() => BlobBuilder.FromValues([1, 1, 3, 3], 1f, 0.5f, 0f, 0f, 1f, 0f, 0.25f, 0.25f, 1f);

    [Test]
    public void Forward_weights_the_log_probabilities_by_the_label_row_of_H()
    {
        // Item 0: 1.5 ln 3 = 1.6479184. Item 1: 0.25 ln 4 + 0.25 ln 2 + ln 4 = 1.9061548. Over the 2 valid positions.
        var bottom = new[] { Scores(), Labels(), Matrix() };
        var top = new Blob();
        var layer = Create(Definition());

        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        Assert.That(top.Data[0], Is.EqualTo(1.7770366f).Within(1e-5f));
    }

    [Test]
    public void Backward_is_p_times_the_row_sum_minus_the_row()
    {
        var bottom = new[] { Scores(), Labels(), Matrix() };
        var top = new Blob();
        var layer = Create(Definition());
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        layer.Backward([top], [true, false, false], bottom);

        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { -0.25f, 0f, 0.25f, 0.0625f, 0.25f, -0.3125f }).Within(1e-6f));
    }

    [Test]
    public void With_the_identity_it_is_SoftmaxWithLoss_and_the_probabilities_come_out_as_top_1()
    {
        var random = new RandomSource(1701);
        var scores = BlobBuilder.Gaussian(random, 0f, 1f, 2, 4, 3);
        var labels = BlobBuilder.FromValues([2, 3], 0f, 3f, 1f, 2f, 2f, 0f);
        var identity = new Blob(4, 4);
        for (var i = 0; i < 4; i++)
        {
            identity.Data[(i * 4) + i] = 1f;
        }

        var loss = new Blob();
        var probabilities = new Blob();
        var layer = Create(Definition());
        layer.SetUp([scores, labels, identity], [loss, probabilities]);
        layer.Forward([scores, labels, identity], [loss, probabilities]);
        var reference = Layer.ConstructAt(DefinedAt, () => new SoftmaxWithLossLayer(new LayerParameter { Name = "ref", Type = "SoftmaxWithLoss" }));
        var referenceLoss = new Blob();
        var referenceProbabilities = new Blob();
        reference.SetUp([scores, labels], [referenceLoss, referenceProbabilities]);
        reference.Forward([scores, labels], [referenceLoss, referenceProbabilities]);

        Assert.That(loss.Data[0], Is.EqualTo(referenceLoss.Data[0]).Within(1e-5f));
        Assert.That(probabilities.Data.ToArray(), Is.EqualTo(referenceProbabilities.Data.ToArray()).Within(1e-6f));
    }

    [Test]
    public void The_matrix_may_come_from_the_source_file_and_the_class_axis_from_axis()
    {
        // The same two items as scores of shape 2 x 1 x 3: the classes on the last axis (with the default axis 1 there would be 1 class).
        var scores = BlobBuilder.FromValues([2, 1, 3], 0f, 0f, 0f, 0f, 0.6931472f, 0f);
        var proto = new BlobProto { Shape = new BlobShape { Dim = { 1, 1, 3, 3 } } };
        proto.Data.Add(Matrix().Data.ToArray());
        var path = Path.Combine(Path.GetTempPath(), $"layernet-infogain-{Guid.NewGuid():N}.binaryproto");
        File.WriteAllBytes(path, proto.ToByteArray());
        try
        {
            var top = new Blob();
            var layer = Create(Definition(source: path, axis: -1));

            layer.SetUp([scores, Labels()], [top]);
            layer.Forward([scores, Labels()], [top]);

            Assert.That(top.Data[0], Is.EqualTo(1.7770366f).Within(1e-5f));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var random = new RandomSource(1701);
        var scores = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2);
        var labels = BlobBuilder.FromValues([2, 1, 2, 2], 0f, 1f, 2f, 1f, 2f, 2f, 0f, 1f);
        var matrix = BlobBuilder.FromValues([3, 3], 1f, 0.2f, 0.1f, 0.3f, 0.9f, 0f, 0.5f, 0.5f, 2f);

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientExhaustive(Create(Definition()), [scores, labels, matrix], [new Blob()], 0);
    }

    [Test]
    public void An_ignored_label_counts_neither_loss_nor_gradient()
    {
        var parameter = Definition();
        parameter.LossParam = new LossParameter { IgnoreLabel = 2 };
        var bottom = new[] { Scores(), Labels(), Matrix() };
        var top = new Blob();
        var layer = Create(parameter);
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        layer.Backward([top], [true, false, false], bottom);

        Assert.That(top.Data[0], Is.EqualTo(1.6479184f).Within(1e-5f));
        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { -0.5f, 0f, 0.5f, 0f, 0f, 0f }).Within(1e-6f));
    }

    [TestCase(3f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    public void A_label_out_of_range_stops_forward_naming_the_item_and_the_label(float label)
    {
        var layer = Create(Definition());
        var labels = BlobBuilder.FromValues([2], 0f, label);
        Blob[] bottom = [Scores(), labels, Matrix()];
        Blob[] top = [new Blob()];
        layer.SetUp(bottom, top);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward(bottom, top));

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(70,1): layer 'infogain' (InfogainLoss): label {label} of item 1 is out of range; expected 0 to 2"));
    }

    [Test]
    public void No_matrix_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create(Definition()).SetUp([Scores(), Labels()], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'infogain' (InfogainLoss): the infogain matrix must be given: as bottom 2, or as a binary BlobProto file named by infogain_loss_param.source"));
    }

    [Test]
    public void A_matrix_of_the_wrong_size_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create(Definition()).SetUp([Scores(), Labels(), new Blob(2, 2) { Name = "H" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'infogain' (InfogainLoss): the infogain matrix, bottom 2 'H' (2 2 (4)), has 4 values; 3 classes need 3 x 3 = 9"));
    }

    [Test]
    public void The_legacy_normalize_is_refused_as_Caffe_refuses_it()
    {
        var parameter = Definition();
        parameter.LossParam = new LossParameter { Normalize = true };

        var error = Assert.Throws<LayerNetException>(() => Create(parameter));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'infogain' (InfogainLoss): loss_param.normalize is deprecated; InfogainLoss takes loss_param.normalization (FULL, VALID, BATCH_SIZE or NONE)"));
    }

    [Test]
    public void A_gradient_to_the_labels_or_the_matrix_is_an_error()
    {
        var bottom = new[] { Scores(), Labels(), Matrix() };
        bottom[2].Name = "H";
        var top = new Blob();
        var layer = Create(Definition());
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Backward([top], [true, false, true], bottom));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'infogain' (InfogainLoss): cannot backpropagate to the infogain matrix, bottom 2 'H'"));
        Assert.That(layer.AllowForceBackward(1), Is.False);
        Assert.That(layer.AllowForceBackward(2), Is.False);
    }
}
