using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;

namespace LayerNet.Framework.Tests.Layers;

public sealed class LayerKitTests
{
    [TestCase(0, 0)]
    [TestCase(2, 2)]
    [TestCase(-1, 2)]
    [TestCase(-3, 0)]
    public void CanonicalAxis_counts_negative_axes_from_the_end(int axis, int expected)
    {
        var layer = new KitLayer();

        Assert.That(layer.Axis(axis, new Blob(2, 3, 4) { Name = "data" }, "kit_param.axis"), Is.EqualTo(expected));
    }

    [TestCase(3)]
    [TestCase(-4)]
    public void CanonicalAxis_out_of_range_is_the_standard_error(int axis)
    {
        var layer = new KitLayer();

        var error = Assert.Throws<LayerNetException>(() => layer.Axis(axis, new Blob(2, 3, 4) { Name = "data" }, "kit_param.axis"));

        Assert.That(error.Message, Is.EqualTo($"layer 'kit' (Kit): kit_param.axis {axis} is out of range for bottom 'data' of shape 2 3 4 (24); expected -3 <= axis < 3"));
    }

    [Test]
    public void ResolvePath_tries_the_working_folder_then_the_model_files_folder()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-kit-").FullName;
        try
        {
            var name = $"kit-{Guid.NewGuid():N}.txt";
            File.WriteAllText(Path.Combine(folder, name), "x");
            var layer = new KitLayer { Origin = Origin.At(new SourcePosition(Path.Combine(folder, "net.prototxt"), 3, 1)) };

            Assert.That(layer.ResolvePath(name, "kit_param.source"), Is.EqualTo(Path.Combine(folder, name)));
            var error = Assert.Throws<LayerNetException>(() => layer.ResolvePath("missing.txt", "kit_param.source 'missing.txt'"));
            Assert.That(
                error.Message,
                Is.EqualTo($"{Path.Combine(folder, "net.prototxt")}(3,1): layer 'kit' (Kit): kit_param.source 'missing.txt' not found (tried '{Path.GetFullPath("missing.txt")}' and '{Path.Combine(folder, "missing.txt")}')"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void ResolvePath_without_an_origin_tries_the_working_folder_alone()
    {
        var error = Assert.Throws<LayerNetException>(() => new KitLayer().ResolvePath("missing.txt", "kit_param.source 'missing.txt'"));

        Assert.That(error.Message, Is.EqualTo($"layer 'kit' (Kit): kit_param.source 'missing.txt' not found (tried '{Path.GetFullPath("missing.txt")}')"));
    }

    [Test]
    public void CanonicalAxis_for_an_unsigned_field_names_the_bottom_index_and_refuses_negative_axes()
    {
        var layer = new KitLayer();

        var error = Assert.Throws<LayerNetException>(() => layer.Axis(-1, new Blob(2, 3) { Name = "a" }, "kit_param.dim", bottomIndex: 0, countsFromEnd: false));

        Assert.That(error.Message, Is.EqualTo("layer 'kit' (Kit): kit_param.dim -1 is out of range for bottom 0 'a' of shape 2 3 (6); expected 0 <= axis < 2"));
    }

    [Test]
    public void LearnableBlob_creates_and_fills_new_blobs_in_order()
    {
        var layer = new KitLayer();

        layer.Declare([2, 3], new FillerParameter { Type = "constant", Value = 0.5f });

        Assert.That(layer.Blobs, Has.Count.EqualTo(2));
        Assert.That(layer.Blobs[0].ShapeString, Is.EqualTo("2 3 (6)"));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.All.EqualTo(0.5f));
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.EqualTo(new[] { 0f, 0f }), "bias: no filler fills zeros");
    }

    [Test]
    public void LearnableBlob_keeps_given_blobs_and_does_not_fill_them()
    {
        var layer = new KitLayer();
        var weight = new Blob(2, 3);
        weight.Data.Fill(7f);
        layer.SetGivenBlobs([weight, new Blob(2)]);

        layer.Declare([2, 3], new FillerParameter { Type = "constant", Value = 0.5f });

        Assert.That(layer.Blobs[0], Is.SameAs(weight));
        Assert.That(weight.Data.ToArray(), Is.All.EqualTo(7f));
    }

    [Test]
    public void LearnableBlob_given_with_another_shape_is_the_standard_error()
    {
        var layer = new KitLayer();
        layer.SetGivenBlobs([new Blob(3, 2), new Blob(2)]);

        var error = Assert.Throws<LayerNetException>(() => layer.Declare([2, 3], null));

        Assert.That(error.Message, Is.EqualTo("layer 'kit' (Kit): weight shape mismatch: the layer needs 2 3 (6), the given blob has 3 2 (6)"));
    }

    [Test]
    public void RequireLearnableBlobCount_names_the_blobs_the_layer_declares()
    {
        var layer = new KitLayer();
        layer.SetGivenBlobs([new Blob(2, 3)]);

        var error = Assert.Throws<LayerNetException>(() => layer.Declare([2, 3], null));

        Assert.That(error.Message, Is.EqualTo("layer 'kit' (Kit): expected 2 learnable blobs (weight, bias), the model gives 1"));
    }

    [Test]
    public void A_wrong_filler_is_the_layers_error_naming_the_field()
    {
        var layer = new KitLayer();

        var error = Assert.Throws<LayerNetException>(() => layer.Declare([2, 3], new FillerParameter { Type = "constnat" }));

        Assert.That(error.Message, Does.StartWith("layer 'kit' (Kit): kit_param.weight_filler: unknown filler type 'constnat'"));
    }

    [Test]
    public void SavedInput_in_place_keeps_the_input_that_forward_overwrites()
    {
        var blob = new Blob(3);
        blob.Data.Fill(2f);
        var saved = new SavedInput();
        saved.Reshape(blob, blob);

        saved.Save(blob);
        blob.Data.Fill(-1f);

        Assert.That(saved.Values(blob).ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f }));
    }

    [Test]
    public void SavedInput_out_of_place_or_not_needed_reads_the_bottom_itself()
    {
        var bottom = new Blob(2);
        var saved = new SavedInput();
        saved.Reshape(bottom, new Blob(2));
        saved.Save(bottom);
        bottom.Data.Fill(5f);
        Assert.That(saved.Values(bottom).ToArray(), Is.EqualTo(new[] { 5f, 5f }));

        saved.Reshape(bottom, bottom, needed: false);
        saved.Save(bottom);
        bottom.Data.Fill(6f);
        Assert.That(saved.Values(bottom).ToArray(), Is.EqualTo(new[] { 6f, 6f }));
    }

    [Test]
    public void ExtensionParameter_gives_the_set_value_or_the_defaults()
    {
        var set = new LayerParameter { Name = "kit", Type = "Kit" };
        set.SetExtension(LayernetExtensions.IdxDataParam, new IdxDataParameter { BatchSize = 7 });

        Assert.That(new KitLayer(set).Extension().BatchSize, Is.EqualTo(7));
        var defaults = new KitLayer().Extension();
        Assert.That(defaults.HasBatchSize, Is.False);
        Assert.That(defaults.Shuffle, Is.EqualTo(new IdxDataParameter().Shuffle));
    }

    [Test]
    public void RequiredExtensionParameter_missing_is_the_layers_error()
    {
        var error = Assert.Throws<LayerNetException>(() => new KitLayer().RequiredExtension());

        Assert.That(error.Message, Is.EqualTo("layer 'kit' (Kit): idx_data_param is required"));
    }

    [Test]
    public void RequireOutOfPlace_accepts_another_top_and_refuses_the_bottom_with_the_standard_error()
    {
        var layer = new KitLayer();
        var data = new Blob(2) { Name = "data" };

        Assert.That(() => layer.OutOfPlace(data, new Blob(2) { Name = "out" }), Throws.Nothing);
        Assert.That(
            Assert.Throws<LayerNetException>(() => layer.OutOfPlace(data, data))!.Message,
            Is.EqualTo("layer 'kit' (Kit): top 'data' is the bottom; Kit does not work in place"));
        Assert.That(
            Assert.Throws<LayerNetException>(() => layer.OutOfPlace(data, data, 1))!.Message,
            Is.EqualTo("layer 'kit' (Kit): top 1 'data' is the bottom; Kit does not work in place"));
    }

    private sealed class KitLayer(LayerParameter parameter) : Layer(parameter)
    {
        public KitLayer()
            : this(new LayerParameter { Name = "kit", Type = "Kit" })
        {
        }

        public int Axis(int axis, Blob bottom, string field) => CanonicalAxis(axis, bottom, field);

        public int Axis(int axis, Blob bottom, string field, int bottomIndex, bool countsFromEnd) =>
            CanonicalAxis(axis, bottom, field, bottomIndex, countsFromEnd);

        public void Declare(int[] weightShape, FillerParameter? weightFiller)
        {
            RequireLearnableBlobCount("weight", "bias");
            LearnableBlob(0, "weight", weightShape, weightFiller, "kit_param.weight_filler");
            LearnableBlob(1, "bias", [weightShape[0]], null, "kit_param.bias_filler");
        }

        public void OutOfPlace(Blob bottom, Blob top, int topIndex = -1) => RequireOutOfPlace(bottom, top, topIndex);

        public IdxDataParameter Extension() => ExtensionParameter(LayernetExtensions.IdxDataParam);

        public IdxDataParameter RequiredExtension() => RequiredExtensionParameter(LayernetExtensions.IdxDataParam, "idx_data_param is required");

        protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
        }

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
        }
    }
}
