using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Data;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class PrefetchingDataLayerTests
{
    [Test]
    public void Batches_come_in_order_from_reused_buffers()
    {
        using var layer = new CountingLayer(prefetch: 3, failAt: int.MaxValue);
        var top = SetUp(layer);

        for (var i = 0; i < 10; i++)
        {
            layer.Forward([], top);
            Assert.That(top[0].Data.ToArray(), Is.EqualTo(new float[] { i, i }));
            Assert.That(top[1].Data[0], Is.EqualTo(-i));
        }

        Assert.That(layer.Buffers.Count, Is.EqualTo(3), "three batch buffers, reused");
    }

    [Test]
    public void A_failure_on_the_thread_surfaces_at_the_forward_that_needs_the_batch_naming_the_layer()
    {
        using var layer = new CountingLayer(prefetch: 4, failAt: 2);
        var top = SetUp(layer);

        layer.Forward([], top);
        layer.Forward([], top);
        var error = Assert.Throws<LayerNetException>(() => layer.Forward([], top))!;

        Assert.That(error.Message, Is.EqualTo("layer 'counting' (Counting): reading the next batch failed: disk on fire"));
        Assert.That(error.InnerException, Is.InstanceOf<IOException>());
    }

    [Test]
    public void Dispose_stops_the_thread_and_forward_then_refuses()
    {
        var layer = new CountingLayer(prefetch: 2, failAt: int.MaxValue);
        var top = SetUp(layer);
        layer.Forward([], top);

        layer.Dispose();
        var loadedAfterDispose = layer.Loaded;
        Thread.Sleep(50);

        Assert.That(layer.Loaded, Is.EqualTo(loadedAfterDispose));
        Assert.Throws<ObjectDisposedException>(() => layer.Forward([], top));
        Assert.DoesNotThrow(layer.Dispose);
    }

    private static Blob[] SetUp(Layer layer)
    {
        Blob[] top = [new Blob { Name = "data" }, new Blob { Name = "label" }];
        layer.SetUp([], top);
        return top;
    }

    /// <summary>Batch k holds [k, k] and label -k; loading batch <c>failAt</c> throws.</summary>
    private sealed class CountingLayer(int prefetch, int failAt) : PrefetchingDataLayer(new LayerParameter { Name = "counting", Type = "Counting" })
    {
        private int _loaded;

        public HashSet<DataBatch> Buffers { get; } = [];

        public int Loaded => Volatile.Read(ref _loaded);

        protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
        {
            Prefetch = prefetch;
            top[0].Reshape([1, 2]);
            top[1].Reshape([1]);
        }

        protected override void LoadBatch(DataBatch batch)
        {
            if (_loaded == failAt)
            {
                throw new IOException("disk on fire");
            }

            lock (Buffers)
            {
                Buffers.Add(batch);
            }

            batch.Data.Fill(_loaded);
            batch.Label[0] = -_loaded;
            Interlocked.Increment(ref _loaded);
        }
    }
}
