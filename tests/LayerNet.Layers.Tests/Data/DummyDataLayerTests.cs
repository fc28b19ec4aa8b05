using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class DummyDataLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 5, 1));

    private static LayerParameter Definition(DummyDataParameter p)
    {
        var parameter = new LayerParameter { Name = "dummy", Type = "DummyData", DummyDataParam = p };
        return parameter;
    }

    private static BlobShape Shape(params long[] dims)
    {
        var shape = new BlobShape();
        shape.Dim.Add(dims);
        return shape;
    }

    [Test]
    public void Legacy_shape_once_shapes_every_top_with_zeros_by_default()
    {
        var p = new DummyDataParameter();
        p.Num.Add(5);
        p.Channels.Add(3);
        p.Height.Add(2);
        p.Width.Add(4);
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p)));

        layer.SetUp([], top);
        layer.Forward([], top);

        foreach (var blob in top)
        {
            Assert.That(blob.Shape, Is.EqualTo(new[] { 5, 3, 2, 4 }));
            Assert.That(blob.Data.ToArray(), Has.All.EqualTo(0f));
        }

        Assert.That(layer.HasBackward, Is.False);
    }

    [Test]
    public void Shapes_and_fillers_per_top()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(2, 3));
        p.Shape.Add(Shape(4));
        p.DataFiller.Add(new FillerParameter { Type = "constant", Value = 7f });
        p.DataFiller.Add(new FillerParameter { Type = "uniform", Min = 1f, Max = 2f });
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p)));

        layer.SetUp([], top);
        layer.Forward([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 4 }));
        Assert.That(top[0].Data.ToArray(), Has.All.EqualTo(7f));
        Assert.That(top[1].Data.ToArray(), Has.All.InRange(1f, 2f));
    }

    [Test]
    public void A_constant_top_is_written_once_at_set_up_and_a_random_top_on_every_pass()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(3));
        p.DataFiller.Add(new FillerParameter { Type = "constant", Value = 1f });
        p.DataFiller.Add(new FillerParameter { Type = "gaussian", Std = 1f });
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p)));
        layer.SetUp([], top);

        layer.Forward([], top);
        var first = top[1].Data.ToArray();
        top[0].Data.Fill(5f);
        layer.Forward([], top);

        Assert.That(top[0].Data.ToArray(), Has.All.EqualTo(5f), "the constant top is not rewritten");
        Assert.That(top[1].Data.ToArray(), Is.Not.EqualTo(first), "the gaussian top is drawn again");
    }

    [Test]
    public void The_same_seed_gives_the_same_values()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(4));
        p.DataFiller.Add(new FillerParameter { Type = "gaussian", Std = 1f });
        float[] Draw()
        {
            var top = new Blob();
            var layer = Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p)) { Random = new RandomSource(42) });
            layer.SetUp([], [top]);
            layer.Forward([], [top]);
            return top.Data.ToArray();
        }

        var first = Draw();
        var second = Draw();

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Shape_and_legacy_fields_together_are_an_error()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(2));
        p.Num.Add(1);
        p.Channels.Add(1);
        p.Height.Add(1);
        p.Width.Add(1);

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p))).SetUp([], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(5,1): layer 'dummy' (DummyData): dummy_data_param gives both shape and the legacy num/channels/height/width; use one"));
    }

    [Test]
    public void No_shape_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(new DummyDataParameter()))).SetUp([], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(5,1): layer 'dummy' (DummyData): dummy_data_param.shape must be given once or once per top blob: 0 given for 1 tops"));
    }

    [Test]
    public void A_filler_count_that_is_neither_one_nor_one_per_top_is_an_error()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(2));
        p.DataFiller.Add(new FillerParameter());
        p.DataFiller.Add(new FillerParameter());

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p))).SetUp([], [new Blob(), new Blob(), new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(5,1): layer 'dummy' (DummyData): dummy_data_param.data_filler must be given once, once per top blob, or not at all: 2 given for 3 tops"));
    }

    [Test]
    public void An_unknown_filler_is_an_error_at_the_layer()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(2));
        p.DataFiller.Add(new FillerParameter { Type = "gausian" });

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p))).SetUp([], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(5,1): layer 'dummy' (DummyData): data_filler 0: unknown filler type 'gausian'"));
    }

    [Test]
    public void A_filler_that_does_not_suit_the_shape_is_an_error_at_set_up()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(Shape(2, 3));
        p.DataFiller.Add(new FillerParameter { Type = "bilinear" });

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new DummyDataLayer(Definition(p))).SetUp([], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(5,1): layer 'dummy' (DummyData): data_filler for top 0: "));
    }
}
