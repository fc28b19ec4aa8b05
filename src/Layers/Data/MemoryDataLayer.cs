using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves batches from arrays a program hands over with <see cref="Reset"/>: Caffe's <c>MemoryData</c> layer.
/// </summary>
/// <remarks>
/// <para>
/// Forward: <c>data[i] = items[(p + i)]</c>, <c>label[i] = labels[p + i]</c>, where p is the position, which
/// then advances by <c>batch_size</c>, wrapping to 0 after the last item (as Caffe, the item count is a multiple
/// of the batch size). The arrays are not copied at <see cref="Reset"/>: the caller keeps them unchanged while
/// the layer uses them. No backward. A <c>transform_param</c> is accepted and not applied: as Caffe's Reset,
/// the arrays are served as they are.
/// </para>
/// <para>
/// <c>memory_data_param</c>: <c>batch_size</c>, <c>channels</c>, <c>height</c>, <c>width</c>, all positive.
/// Tops (exactly two): data <c>[batch_size, channels, height, width]</c>, label <c>[batch_size]</c>.
/// </para>
/// <para>
/// One worker of several (<see cref="Layer.Shard"/>): the layer serves whatever its caller hands over, so the caller
/// shards, handing worker r of N the items of batches r, r + N, r + 2N, ... of the sequence one worker would get.
/// </para>
/// </remarks>
public sealed class MemoryDataLayer : Layer
{
    private float[]? _data;
    private float[]? _labels;
    private int _count;
    private int _position;
    private int _batchSize;
    private int _channels;
    private int _height;
    private int _width;

    /// <summary>Creates the layer from its definition (<c>memory_data_param</c>).</summary>
    public MemoryDataLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.Exactly(2))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <summary>The number of items in one batch.</summary>
    public int BatchSize => _batchSize;

    /// <summary>The number of values in one item (channels x height x width).</summary>
    public int ItemSize => _channels * _height * _width;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.MemoryDataParam ?? new MemoryDataParameter();
        _batchSize = Positive(p.BatchSize, "batch_size");
        _channels = Positive(p.Channels, "channels");
        _height = Positive(p.Height, "height");
        _width = Positive(p.Width, "width");
        if ((long)_batchSize * _channels * _height * _width > Array.MaxLength)
        {
            throw Error("memory_data_param: a batch of that shape is too large");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].Reshape([_batchSize, _channels, _height, _width]);
        top[1].Reshape([_batchSize]);
    }

    /// <summary>
    /// Hands over <paramref name="count"/> items (<paramref name="data"/>: count x channels x height x width values)
    /// and their <paramref name="labels"/>, and starts from the first. <paramref name="count"/> must be a positive
    /// multiple of the batch size. The arrays are used in place, not copied.
    /// </summary>
    public void Reset(float[] data, float[] labels, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        if (_batchSize == 0)
        {
            throw Error("Reset before set-up: build the net first");
        }

        if (count <= 0 || count % _batchSize != 0)
        {
            throw Error($"Reset: the item count must be a positive multiple of batch_size {_batchSize}, got {count}");
        }

        if (data.Length < (long)count * ItemSize || labels.Length < count)
        {
            throw Error($"Reset: {count} items need {(long)count * ItemSize} data values and {count} labels; got {data.Length} and {labels.Length}");
        }

        (_data, _labels, _count, _position) = (data, labels, count, 0);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (_data is null || _labels is null)
        {
            throw Error("no data: call Reset with the arrays to serve before the first forward pass");
        }

        var itemSize = ItemSize;
        _data.AsSpan(_position * itemSize, _batchSize * itemSize).CopyTo(top[0].Data);
        _labels.AsSpan(_position, _batchSize).CopyTo(top[1].Data);
        _position = (_position + _batchSize) % _count;
    }

    private int Positive(uint value, string name) => value switch
    {
        0 => throw Error($"memory_data_param.{name} must be given and positive"),
        > int.MaxValue => throw Error($"memory_data_param.{name} {value} is too large"),
        _ => (int)value,
    };
}
