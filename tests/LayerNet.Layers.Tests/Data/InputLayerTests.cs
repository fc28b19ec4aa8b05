using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Data;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class InputLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("deploy.prototxt", 2, 1));

    private static LayerParameter Definition(params long[][] shapes)
    {
        var p = new InputParameter();
        foreach (var dims in shapes)
        {
            var shape = new BlobShape();
            shape.Dim.Add(dims);
            p.Shape.Add(shape);
        }

        var parameter = new LayerParameter { Name = "input", Type = "Input", InputParam = p };
        return parameter;
    }

    [Test]
    public void One_shape_shapes_every_top()
    {
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([10, 3, 4, 5])));

        layer.SetUp([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 10, 3, 4, 5 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 10, 3, 4, 5 }));
        Assert.That(layer.HasBackward, Is.False);
    }

    [Test]
    public void One_shape_per_top_shapes_each_top()
    {
        Blob[] top = [new Blob(), new Blob()];
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([10, 3], [10])));

        layer.SetUp([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 10, 3 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 10 }));
    }

    [Test]
    public void Forward_keeps_the_values_the_caller_wrote()
    {
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([2])));
        layer.SetUp([], [top]);
        top.Data[0] = 3f;
        top.Data[1] = 4f;

        layer.Forward([], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 4f }));
    }

    [Test]
    public void A_shape_count_that_is_neither_one_nor_one_per_top_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([1], [2])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([], [new Blob(), new Blob(), new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("deploy.prototxt(2,1): layer 'input' (Input): input_param.shape must be given once, once per top blob, or not at all: 2 shapes for 3 tops"));
    }

    [Test]
    public void A_negative_dimension_is_an_error_at_the_layer()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([2, -1])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("deploy.prototxt(2,1): layer 'input' (Input): input_param.shape: "));
    }

    [Test]
    public void A_bottom_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InputLayer(Definition([2])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("deploy.prototxt(2,1): layer 'input' (Input): expected 0 bottom blobs, got 1"));
    }
}
