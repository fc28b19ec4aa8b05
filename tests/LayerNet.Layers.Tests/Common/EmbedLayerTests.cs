using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class EmbedLayerTests
{
    private static LayerParameter Definition(uint outputs = 2, uint inputDimension = 3, bool biasTerm = true)
    {
        return new LayerParameter
        {
            Name = "embed",
            Type = "Embed",
            EmbedParam = new EmbedParameter
            {
                NumOutput = outputs,
                InputDim = inputDimension,
                BiasTerm = biasTerm,
                WeightFiller = new FillerParameter { Type = "uniform", Min = -10f, Max = 10f },
                BiasFiller = new FillerParameter { Type = "uniform", Min = -10f, Max = 10f },
            },
        };
    }

    // W = [[1, 2], [3, 4], [5, 6]] (3 words, 2 outputs), b = [0.5, -0.5].
    private static Blob[] GivenBlobs() => [BlobBuilder.FromValues([3, 2], 1, 2, 3, 4, 5, 6), BlobBuilder.FromValues([2], 0.5f, -0.5f)];

    [Test]
    public void Set_up_creates_a_K_by_N_weight_and_an_N_bias()
    {
        var layer = new EmbedLayer(Definition(outputs: 4, inputDimension: 7));

        layer.SetUp([new Blob(2)], [new Blob()]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(2));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 7, 4 }));
        Assert.That(layer.Blobs[1].Shape, Is.EqualTo(new[] { 4 }));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.All.InRange(-10f, 10f));
        Assert.That(layer.Blobs[0].Data.ToArray(), Has.Some.Not.EqualTo(0f), "the weight is filled");
    }

    [Test]
    public void Forward_looks_up_the_row_of_each_index_and_adds_the_bias()
    {
        var indices = BlobBuilder.FromValues([2, 2], 2, 0, 1, 2);
        var top = new Blob();
        var layer = new EmbedLayer(Definition());
        layer.SetGivenBlobs(GivenBlobs());

        layer.SetUp([indices], [top]);
        layer.Forward([indices], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 5.5f, 5.5f, 1.5f, 1.5f, 3.5f, 3.5f, 5.5f, 5.5f }));
    }

    [Test]
    public void Forward_without_bias_is_the_lookup_alone()
    {
        var indices = BlobBuilder.FromValues([2], 1, 1);
        var top = new Blob();
        var layer = new EmbedLayer(Definition(biasTerm: false));
        layer.SetGivenBlobs([BlobBuilder.FromValues([3, 2], 1, 2, 3, 4, 5, 6)]);

        layer.SetUp([indices], [top]);
        layer.Forward([indices], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 4f, 3f, 4f }));
    }

    [TestCase(3f, "index 3 of item 1 at position 0 is out of range")]
    [TestCase(-1f, "index -1 of item 1 at position 0 is out of range")]
    [TestCase(1.5f, "index 1.5 of item 1 at position 0 is not an integer")]
    [TestCase(float.NaN, "index NaN of item 1 at position 0 is out of range")]
    public void An_index_that_is_not_an_integer_in_range_stops_forward_naming_the_item_and_the_value(float index, string expected)
    {
        var indices = BlobBuilder.FromValues([2, 2], 0, 2, index, 1);
        var top = new Blob();
        var layer = new EmbedLayer(Definition());
        layer.SetGivenBlobs(GivenBlobs());
        layer.SetUp([indices], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([indices], [top]));

        Assert.That(error.Message, Is.EqualTo($"layer 'embed' (Embed): {expected}; expected an integer from 0 to 2 (embed_param.input_dim 3)"));
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void A_bad_index_in_a_net_stops_forward_with_the_model_file_position(Phase phase)
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "words" input_param { shape { dim: 3 } } }
            layer { name: "embed" type: "Embed" bottom: "words" top: "vectors" embed_param { num_output: 2 input_dim: 3 } }
            """;

        var error = TextNets.ForwardError(Text, phase, ("words", [0f, 1f, 3f]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'embed' (Embed): index 3 of item 2 is out of range; expected an integer from 0 to 2 (embed_param.input_dim 3)"));
    }

    [Test]
    public void Backward_adds_each_top_row_to_its_indexs_weight_row_and_sums_them_into_the_bias()
    {
        var indices = BlobBuilder.FromValues([3], 2, 0, 2);
        var top = new Blob();
        var layer = new EmbedLayer(Definition());
        layer.SetGivenBlobs(GivenBlobs());
        layer.SetUp([indices], [top]);
        layer.Forward([indices], [top]);
        float[] topDiff = [1, 2, 10, 20, 100, 200];
        topDiff.CopyTo(top.Diff);
        layer.Blobs[0].Diff.Fill(1f);

        layer.Backward([top], [false], [indices]);

        // Index 2 appears twice: its gradients add up, on top of what was there (parameter gradients accumulate).
        Assert.That(layer.Blobs[0].Diff.ToArray(), Is.EqualTo(new[] { 11f, 21f, 1f, 1f, 102f, 203f }));
        Assert.That(layer.Blobs[1].Diff.ToArray(), Is.EqualTo(new[] { 111f, 222f }));
    }

    [Test]
    public void The_indices_cannot_be_forced_to_backward_and_get_zeros_if_asked()
    {
        var indices = BlobBuilder.FromValues([2], 1, 2);
        indices.Diff.Fill(7f);
        var top = new Blob();
        var layer = new EmbedLayer(Definition());
        layer.SetUp([indices], [top]);
        layer.Forward([indices], [top]);
        top.Diff.Fill(1f);

        layer.Backward([top], [true], [indices]);

        Assert.That(layer.AllowForceBackward(0), Is.False);
        Assert.That(indices.Diff.ToArray(), Is.All.Zero);
    }

    // Caffe's test: 10 outputs over 5 words, weights (and bias) uniform in [-10, 10], indices 4, 2, 2, 3. The indices
    // are integers (anything else is an error), so they cannot be perturbed: as Caffe's test does (check_bottom -2),
    // only the learnable blobs are checked, through a layer that holds the indices fixed and has no bottom.
    [TestCase(false)]
    [TestCase(true)]
    public void Gradient_on_the_weights_matches_finite_differences(bool biasTerm)
    {
        var indices = BlobBuilder.FromValues([4, 1, 1, 1], 4f, 2f, 2f, 3f);
        var layer = new FixedIndices(new EmbedLayer(Definition(outputs: 10, inputDimension: 5, biasTerm: biasTerm)), indices);

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientExhaustive(layer, [], [new Blob()]);
    }

    /// <summary>An Embed layer over fixed indices, as a layer without bottoms whose learnable blobs are the Embed's.</summary>
    private sealed class FixedIndices(EmbedLayer embed, Blob indices)
        : Layer(embed.Parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.Exactly(1))
    {
        private readonly Blob[] _indices = [indices];

        protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
            embed.SetUp(_indices, top);
            SetGivenBlobs(embed.Blobs);
        }

        protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => embed.Reshape(_indices, top);

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => embed.Forward(_indices, top);

        protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
        {
            for (var p = 0; p < Blobs.Count; p++)
            {
                embed.SetParamPropagateDown(p, ParamPropagateDown(p));
            }

            embed.Backward(top, [false], _indices);
        }
    }

    [Test]
    public void A_missing_num_output_is_an_error()
    {
        var parameter = Definition(outputs: 0);

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 12, 3)), () => new EmbedLayer(parameter)));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(12,3): layer 'embed' (Embed): embed_param.num_output 0 is out of range; it must be given and positive"));
    }

    [Test]
    public void A_missing_input_dim_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => new EmbedLayer(Definition(inputDimension: 0)));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'embed' (Embed): embed_param.input_dim 0 is out of range; it must be given and positive (the vocabulary size)"));
    }

    [Test]
    public void A_given_weight_of_the_wrong_shape_is_an_error()
    {
        var layer = new EmbedLayer(Definition());
        layer.SetGivenBlobs([BlobBuilder.FromValues([2, 3], 1, 2, 3, 4, 5, 6), BlobBuilder.FromValues([2], 0, 0)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'embed' (Embed): weight shape mismatch: the layer needs 3 2 (6), the given blob has 2 3 (6)"));
    }

    [Test]
    public void A_negative_filler_std_is_an_error_naming_the_filler_field_and_the_model_file_position()
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "words" input_param { shape { dim: 3 } } }
            layer {
              name: "embed" type: "Embed" bottom: "words" top: "vectors"
              embed_param { num_output: 2 input_dim: 3 weight_filler { type: "gaussian" std: -0.01 } }
            }
            """;

        var error = Assert.Throws<LayerNetException>(() => TextNets.Build(Text, Phase.Train));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'embed' (Embed): embed_param.weight_filler: std -0.01 is negative"));
    }
}
