using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Testing;
using CodeType = LayerNet.Samples.Ssd.PriorBoxParameter.Types.CodeType;

namespace LayerNet.Samples.Ssd.Tests;

[TestFixture]
public sealed class DetectionOutputLayerTests
{
    private static readonly float[] Variance = [0.1f, 0.1f, 0.2f, 0.2f];

    private static Blob Priors(params float[][] boxes)
    {
        var values = new List<float>();
        foreach (var box in boxes)
        {
            values.AddRange(box);
        }

        foreach (var _ in boxes)
        {
            values.AddRange(Variance);
        }

        return BlobBuilder.FromValues([1, 2, boxes.Length * 4], [.. values]);
    }

    private static DetectionOutputParameter Parameter(int classes, float nms = 0.45f, int keepTopK = -1, float? threshold = null, CodeType code = CodeType.Corner, bool varianceInTarget = false)
    {
        var p = new DetectionOutputParameter
        {
            NumClasses = (uint)classes,
            NmsParam = new NonMaximumSuppressionParameter { NmsThreshold = nms },
            KeepTopK = keepTopK,
            CodeType = code,
            VarianceEncodedInTarget = varianceInTarget,
        };
        if (threshold is { } t)
        {
            p.ConfidenceThreshold = t;
        }

        return p;
    }

    private static Blob Run(DetectionOutputParameter p, Blob location, Blob confidence, Blob priors)
    {
        var layer = new DetectionOutputLayer(LayerDefinitions.With("DetectionOutput", SsdExtensions.DetectionOutputParam, p)) { Origin = LayerDefinitions.At };
        var top = new Blob();
        layer.SetUp([location, confidence, priors], [top]);
        layer.Forward([location, confidence, priors], [top]);
        return top;
    }

    [Test]
    public void Nms_suppresses_the_overlapping_box_of_a_class()
    {
        // Zero offsets in CORNER code: the boxes are the priors. B overlaps A by 0.905 > 0.45: suppressed.
        var priors = Priors([0.1f, 0.1f, 0.5f, 0.5f], [0.12f, 0.1f, 0.52f, 0.5f], [0.6f, 0.6f, 0.9f, 0.9f]);
        var location = new Blob(1, 12);
        var confidence = BlobBuilder.FromValues([1, 6], 0.1f, 0.9f, 0.2f, 0.8f, 0.3f, 0.7f);

        var top = Run(Parameter(2), location, confidence, priors);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 2, 7 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 0.9f, 0.1f, 0.1f, 0.5f, 0.5f, 0f, 1f, 0.7f, 0.6f, 0.6f, 0.9f, 0.9f }).Within(1e-6f));
    }

    [Test]
    public void Keep_top_k_keeps_the_best_over_all_classes_grouped_by_label()
    {
        // Class 1 scores 0.9 and 0.3, class 2 0.5 and 0.8 on two disjoint boxes: all four survive NMS, the best two stay.
        var priors = Priors([0f, 0f, 0.2f, 0.2f], [0.5f, 0.5f, 0.9f, 0.9f]);
        var location = new Blob(1, 8);
        var confidence = BlobBuilder.FromValues([1, 6], 0f, 0.9f, 0.5f, 0f, 0.3f, 0.8f);

        var all = Run(Parameter(3), location, confidence, priors);
        var top = Run(Parameter(3, keepTopK: 2), location, confidence, priors);

        Assert.That(all.Shape[2], Is.EqualTo(4));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 0.9f, 0f, 0f, 0.2f, 0.2f, 0f, 2f, 0.8f, 0.5f, 0.5f, 0.9f, 0.9f }).Within(1e-6f));
    }

    [Test]
    public void Keep_top_k_on_equal_scores_keeps_the_earlier_label()
    {
        // Both classes score 0.6 on the same box; the stable sort keeps class 1's, which comes first.
        var priors = Priors([0f, 0f, 0.2f, 0.2f]);
        var top = Run(Parameter(3, keepTopK: 1), new Blob(1, 4), BlobBuilder.FromValues([1, 3], 0f, 0.6f, 0.6f), priors);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 1, 7 }));
        Assert.That(top.Data[1], Is.EqualTo(1f));
    }

    [Test]
    public void Only_scores_above_the_threshold_are_kept()
    {
        var priors = Priors([0f, 0f, 0.2f, 0.2f], [0.5f, 0.5f, 0.9f, 0.9f]);
        var confidence = BlobBuilder.FromValues([1, 4], 0.5f, 0.5f, 0.49f, 0.51f);

        var top = Run(Parameter(2, threshold: 0.5f), new Blob(1, 8), confidence, priors);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 0.51f, 0.5f, 0.5f, 0.9f, 0.9f }).Within(1e-6f));
    }

    [Test]
    public void Without_a_background_class_every_class_is_detected_on_the_shared_boxes()
    {
        // background_label_id -1: class 0 is an object too (the fork's GPU build; its CPU build aborts).
        var priors = Priors([0f, 0f, 0.2f, 0.2f], [0.5f, 0.5f, 0.9f, 0.9f]);
        var confidence = BlobBuilder.FromValues([1, 4], 0.7f, 0.3f, 0.2f, 0.8f);
        var p = Parameter(2, threshold: 0.5f);
        p.BackgroundLabelId = -1;

        var top = Run(p, new Blob(1, 8), confidence, priors);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0.7f, 0f, 0f, 0.2f, 0.2f, 0f, 1f, 0.8f, 0.5f, 0.5f, 0.9f, 0.9f }).Within(1e-6f));
    }

    [Test]
    public void Nothing_kept_gives_one_row_of_minus_ones_per_image()
    {
        var priors = Priors([0f, 0f, 0.2f, 0.2f]);
        var confidence = BlobBuilder.FromValues([2, 2], 0.9f, 0.1f, 0.8f, 0.2f);

        var top = Run(Parameter(2, threshold: 0.5f), new Blob(2, 4), confidence, priors);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 2, 7 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, -1f, -1f, -1f, -1f, -1f, -1f, 1f, -1f, -1f, -1f, -1f, -1f, -1f }));
    }

    [Test]
    public void Without_shared_locations_each_class_decodes_its_own_offsets()
    {
        // One prior, offsets per class (background's, 9s, are never decoded); class 1's (1, 1, 1, 1) in CORNER code
        // with variances 0.1, 0.1, 0.2, 0.2 move the corners by 0.1, 0.1, 0.2, 0.2.
        var p = Parameter(2);
        p.ShareLocation = false;
        var location = BlobBuilder.FromValues([1, 8], 9f, 9f, 9f, 9f, 1f, 1f, 1f, 1f);

        var top = Run(p, location, BlobBuilder.FromValues([1, 2], 0.3f, 0.7f), Priors([0.2f, 0.2f, 0.6f, 0.6f]));

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 0.7f, 0.3f, 0.3f, 0.8f, 0.8f }).Within(1e-6f));
    }

    [TestCase(false, new[] { 0.04f, 0.16f, 0.84f, 0.56f })]
    [TestCase(true, new[] { -5.6f, -0.2f, 7.2f, 0.2f })]
    public void Center_size_decoding_with_and_without_the_variance_in_the_target(bool varianceInTarget, float[] expected)
    {
        // Prior (0.2, 0.2, 0.6, 0.6): centre (0.4, 0.4), 0.4 x 0.4. Offsets (1, -1, 5 ln 2, 0).
        // Variances 0.1, 0.1, 0.2, 0.2: centre (0.44, 0.36), width 0.4 e^(ln 2) = 0.8, height 0.4.
        // In the target: centre (0.8, 0), width 0.4 e^(5 ln 2) = 12.8, height 0.4.
        var priors = Priors([0.2f, 0.2f, 0.6f, 0.6f]);
        var location = BlobBuilder.FromValues([1, 4], 1f, -1f, 5f * MathF.Log(2f), 0f);

        var top = Run(Parameter(2, code: CodeType.CenterSize, varianceInTarget: varianceInTarget), location, BlobBuilder.FromValues([1, 2], 0f, 0.7f), priors);

        Assert.That(top.Data.Slice(3, 4).ToArray(), Is.EqualTo(expected).Within(2e-6f));
    }

    [TestCase(CodeType.CenterSize, false, 1f)]
    [TestCase(CodeType.CenterSize, true, 1f)]
    [TestCase(CodeType.Corner, false, 1f)]
    [TestCase(CodeType.Corner, true, 0.8f)]
    public void Random_batches_give_the_reference_detections(CodeType code, bool varianceInTarget, float eta)
    {
        // 40 random priors, two images, four classes: thresholds, NMS (adaptive when eta < 1), top_k and keep_top_k
        // against the float64 reference.
        var random = new RandomSource(7);
        var boxes = new float[40][];
        for (var j = 0; j < boxes.Length; j++)
        {
            float x = random.NextUniform(0f, 0.7f), y = random.NextUniform(0f, 0.7f);
            boxes[j] = [x, y, x + random.NextUniform(0.1f, 0.3f), y + random.NextUniform(0.1f, 0.3f)];
        }

        var priors = Priors(boxes);
        var location = BlobBuilder.Gaussian(random, 0f, varianceInTarget ? 0.05f : 0.5f, 2, 160);
        var confidence = BlobBuilder.Uniform(random, 0f, 1f, 2, 160);
        var p = Parameter(4, nms: 0.6f, keepTopK: 25, threshold: 0.3f, code: code, varianceInTarget: varianceInTarget);
        p.NmsParam.TopK = 15;
        p.NmsParam.Eta = eta;

        var top = Run(p, location, confidence, priors);

        var expected = SsdReference.Detect(
            location.Data.ToArray(), confidence.Data.ToArray(), priors.Data.ToArray(), 2, 4, 0, (int)code, varianceInTarget, 0.3, 0.6, eta, 15, 25);
        Assert.That(expected, Has.Count.GreaterThan(20), "a case with many detections");
        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, expected.Count, 7 }));
        Assert.That(top.Data.ToArray().Select(v => (double)v), Is.EqualTo(expected.SelectMany(r => r)).Within(1e-5));
    }

    [Test]
    public void Without_num_classes_it_is_an_error_naming_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Run(new DetectionOutputParameter(), new Blob(1, 4), new Blob(1, 2), Priors([0f, 0f, 1f, 1f])));
        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'l' (DetectionOutput): detection_output_param.num_classes is required"));
    }

    [Test]
    public void Saving_result_files_is_refused_naming_the_layer()
    {
        var p = Parameter(2);
        p.SaveOutputParam = new SaveOutputParameter { OutputDirectory = "results", OutputFormat = "VOC" };
        var error = Assert.Throws<LayerNetException>(() => Run(p, new Blob(1, 4), new Blob(1, 2), Priors([0f, 0f, 1f, 1f])));
        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'l' (DetectionOutput): detection_output_param.save_output_param.output_directory 'results': LayerNet does not write"));
    }
}
