using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Data;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class MemoryDataLayerTests
{
    [Test]
    public void Serves_the_arrays_batch_by_batch_and_wraps()
    {
        var (layer, top) = SetUp(batchSize: 2, channels: 1, height: 1, width: 3);
        float[] data = [.. Enumerable.Range(0, 12).Select(i => (float)i)];
        float[] labels = [10, 11, 12, 13];
        layer.Reset(data, labels, 4);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 1, 1, 3 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 2 }));

        layer.Forward([], top);
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 10, 11 }));

        layer.Forward([], top);
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new float[] { 6, 7, 8, 9, 10, 11 }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 12, 13 }));

        layer.Forward([], top);
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 10, 11 }));
    }

    [Test]
    public void Reset_starts_again_from_the_first_item()
    {
        var (layer, top) = SetUp(batchSize: 1, channels: 1, height: 1, width: 1);
        layer.Reset([1, 2], [0, 1], 2);
        layer.Forward([], top);

        layer.Reset([5, 6], [0, 1], 2);
        layer.Forward([], top);

        Assert.That(top[0].Data[0], Is.EqualTo(5f));
    }

    [Test]
    public void Errors_name_the_layer()
    {
        var (layer, top) = SetUp(batchSize: 2, channels: 1, height: 1, width: 1);

        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<LayerNetException>(() => layer.Forward([], top))!.Message,
                Is.EqualTo("layer 'memory' (MemoryData): no data: call Reset with the arrays to serve before the first forward pass"));
            Assert.That(Assert.Throws<LayerNetException>(() => layer.Reset([1, 2, 3], [1, 2, 3], 3))!.Message,
                Is.EqualTo("layer 'memory' (MemoryData): Reset: the item count must be a positive multiple of batch_size 2, got 3"));
            Assert.That(Assert.Throws<LayerNetException>(() => layer.Reset([1], [1, 2], 2))!.Message,
                Is.EqualTo("layer 'memory' (MemoryData): Reset: 2 items need 2 data values and 2 labels; got 1 and 2"));
            Assert.That(Assert.Throws<LayerNetException>(() => SetUp(batchSize: 2, channels: 0, height: 1, width: 1))!.Message,
                Is.EqualTo("layer 'memory' (MemoryData): memory_data_param.channels must be given and positive"));
            Assert.That(Assert.Throws<LayerNetException>(() => new MemoryDataLayer(Definition(1, 1, 1, 1)).SetUp([], [new Blob()]))!.Message,
                Is.EqualTo("layer 'memory' (MemoryData): expected 2 top blobs, got 1"));
        });
    }

    private static LayerParameter Definition(uint batchSize, uint channels, uint height, uint width) => new()
    {
        Name = "memory",
        Type = "MemoryData",
        MemoryDataParam = new MemoryDataParameter { BatchSize = batchSize, Channels = channels, Height = height, Width = width },
    };

    private static (MemoryDataLayer Layer, Blob[] Top) SetUp(uint batchSize, uint channels, uint height, uint width)
    {
        var layer = new MemoryDataLayer(Definition(batchSize, channels, height, width));
        Blob[] top = [new Blob { Name = "data" }, new Blob { Name = "label" }];
        layer.SetUp([], top);
        return (layer, top);
    }
}
