using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves images (and labels) from IDX files, the format MNIST and Fashion-MNIST ship in, gzip compressed or
/// raw: LayerNet's <c>IdxData</c> layer, with its parameters in <c>idx_data_param</c> (layernet.proto).
/// </summary>
/// <remarks>
/// <para>
/// Forward: <c>data[i] = transform(images[order[k]])</c>, <c>label[i] = labels[order[k]]</c> for the batch's
/// i-th item, k counting the items served and wrapping at the end of the file (an epoch). <c>order</c> is the
/// file's order, or with <c>shuffle: true</c> a random permutation drawn at set-up and anew at each epoch from the
/// layer's seeded generator. <c>transform</c> is Caffe's <c>transform_param</c> (<see cref="DataTransformer"/>:
/// scale 0.00390625 maps pixels to [0, 1]). No backward.
/// </para>
/// <para>
/// Tops: data <c>[batch_size, 1, rows, cols]</c> for N x rows x cols images (<c>[batch_size, C, rows, cols]</c> for
/// N x C x rows x cols), cropped when <c>crop_size</c> is set; label <c>[batch_size]</c>, read from <c>labels</c>
/// (N bytes). Both files are read whole at set-up; batches are prepared ahead on a background thread
/// (<see cref="PrefetchingDataLayer"/>). Relative paths resolve against the working directory, then the model
/// file's folder.
/// </para>
/// <para>
/// One worker of several (<see cref="Layer.Shard"/>): the other workers' items are passed over in the same order,
/// with the same reshuffles at each epoch's end and the same transform draws, without being transformed.
/// </para>
/// </remarks>
public sealed class IdxDataLayer : PrefetchingDataLayer
{
    private IdxFile? _images;
    private float[] _labels = [];
    private ItemOrder _order = new(0, null);
    private DataTransformer? _transformer;
    private int _batchSize;
    private bool _shuffle;

    /// <summary>Creates the layer from its definition (<c>idx_data_param</c>, <c>transform_param</c>).</summary>
    public IdxDataLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <summary>The number of images in the file (one epoch).</summary>
    public int Count => _order.Count;

    /// <inheritdoc/>
    protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
    {
        var parameter = RequiredExtensionParameter(LayernetExtensions.IdxDataParam, "idx_data_param is required (images, batch_size)");
        if (string.IsNullOrWhiteSpace(parameter.Images))
        {
            throw Error("idx_data_param.images is required: an IDX file of images (gzip or raw)");
        }

        _batchSize = parameter.BatchSize switch
        {
            0 => throw Error(parameter.HasBatchSize ? "idx_data_param.batch_size must be positive, got 0" : "idx_data_param.batch_size is required"),
            > int.MaxValue => throw Error($"idx_data_param.batch_size {parameter.BatchSize} is too large"),
            _ => (int)parameter.BatchSize,
        };
        Prefetch = parameter.Prefetch > 64 ? throw Error($"idx_data_param.prefetch {parameter.Prefetch} is too large (at most 64)") : (int)parameter.Prefetch;
        _shuffle = parameter.Shuffle;

        var images = Read(parameter.Images, "idx_data_param.images");
        var dimensions = images.Dimensions;
        var (channels, height, width) = dimensions.Count switch
        {
            3 => (1, dimensions[1], dimensions[2]),
            4 => (dimensions[1], dimensions[2], dimensions[3]),
            _ => throw Error($"IDX file '{images.Path}' has {dimensions.Count} dimensions ({string.Join(" x ", dimensions)}); images are N x rows x cols or N x channels x rows x cols"),
        };

        if (OutputLabels)
        {
            if (string.IsNullOrWhiteSpace(parameter.Labels))
            {
                throw Error("idx_data_param.labels is required for the label top (the second top)");
            }

            var labels = Read(parameter.Labels, "idx_data_param.labels");
            if (labels.Dimensions.Count != 1 || labels.Count != images.Count)
            {
                throw Error($"IDX file '{labels.Path}' holds {string.Join(" x ", labels.Dimensions)} values; expected one label per image, {images.Count}");
            }

            _labels = new float[labels.Count];
            for (var i = 0; i < _labels.Length; i++)
            {
                _labels[i] = labels.Elements[i];
            }
        }

        _images = images;
        _transformer = new DataTransformer(this);
        int[] itemShape = _transformer.Initialize(channels, height, width);
        top[0].Reshape([_batchSize, .. itemShape]);
        if (OutputLabels)
        {
            top[1].Reshape([_batchSize]);
        }

        // As Caffe's ImageData: a shuffling generator of its own, seeded from the net's at set-up.
        _order = new ItemOrder(images.Count, _shuffle ? new RandomSource(Random.NextUInt32()) : null);
    }

    /// <inheritdoc/>
    protected override void LoadBatch(DataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var images = _images!;
        var transformer = _transformer!;
        var itemCount = transformer.OutputCount;
        for (var i = 0; i < _batchSize; i++)
        {
            var index = _order.Current;
            transformer.Transform(images.Item(index), batch.Data.Slice(i * itemCount, itemCount), TransformRandom);
            if (OutputLabels)
            {
                batch.Label[i] = _labels[index];
            }

            _order.Advance();
        }
    }

    /// <inheritdoc/>
    protected override bool CanPassOverBatches => true;

    /// <inheritdoc/>
    protected override void PassOverBatches(int batches) => _order.PassOver((long)batches * _batchSize, _transformer!, TransformRandom);

    private IdxFile Read(string path, string description)
    {
        var resolved = ResolvePath(path, $"{description} '{path}'");
        try
        {
            return IdxFile.Read(resolved);
        }
        catch (LayerNetException exception)
        {
            throw Error(exception.Message, exception);
        }
    }

    // caffe::shuffle, as ImageData shuffles its list at set-up and after each epoch.
}
