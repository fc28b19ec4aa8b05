using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Images;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves the images a list file names, with their labels, as batches: Caffe's <c>ImageData</c> layer.
/// </summary>
/// <remarks>
/// <para>
/// List (<c>image_data_param.source</c>): one <c>path label</c> per line, split at the line's last space, so a
/// path may hold spaces; the label is an integer. Blank lines are skipped. An image's file is
/// <c>root_folder</c> followed by its path; relative ones resolve against the working folder, or, when the first
/// image is not found there, the model file's folder.
/// </para>
/// <para>
/// Each image is read as Caffe's <c>ReadImageToCVMat</c> reads it (<see cref="ImageFileReader"/>): in colour
/// (B, G, R; a gray file's value repeated in each, as OpenCV's imread does) or, with <c>is_color: false</c>, in
/// gray (a colour file converted with OpenCV's weights); <c>transform_param.force_color</c> or
/// <c>force_gray</c> overrides <c>is_color</c> (Caffe applies them to encoded datums only). With
/// <c>new_height</c> and <c>new_width</c> (both or neither) it is resized with OpenCV's bilinear resize. Then
/// <c>transform_param</c> as for Data (<see cref="DataTransformer"/>): <c>(pixel - mean) * scale</c>, crop
/// (random at TRAIN, centred at TEST), mirror. Every image must have the first one's shape after resizing.
/// </para>
/// <para>
/// Order: the list's, from line <c>k</c>, <c>k</c> drawn in [0, rand_skip) at set-up; after the last image the
/// first follows. With <c>shuffle</c> the list is shuffled at set-up and again at each epoch's end, as Caffe's
/// <c>ShuffleImages</c> (for i from the last down to 1, swap item i with a uniform draw in [0, i]) with a
/// generator of its own seeded from the layer's. Tops: data <c>[batch_size, C, H, W]</c> (H, W the crop
/// size when given), label <c>[batch_size]</c>; prefetched on a background thread
/// (<see cref="PrefetchingDataLayer"/>, <c>data_param.prefetch</c> batches ahead, 4 by default).
/// </para>
/// <para>
/// One worker of several (<see cref="Layer.Shard"/>): the other workers' lines are passed over from the same
/// rand_skip start, with the same reshuffles and transform draws, without reading their images.
/// </para>
/// </remarks>
public sealed class ImageDataLayer : PrefetchingDataLayer
{
    private readonly ImageFileReader _reader = new();
    private ImageListLine[] _lines = [];
    private ItemOrder _order = new(0, null);
    private DataTransformer? _transformer;
    private string _source = string.Empty;
    private string _rootFolder = string.Empty;
    private string? _baseFolder;
    private bool _color;
    private int _newHeight;
    private int _newWidth;
    private int _batchSize;
    private int _first;
    private int _channels;
    private int _height;
    private int _width;

    /// <summary>Creates the layer from its definition (<c>image_data_param</c>, <c>transform_param</c>).</summary>
    public ImageDataLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
    {
        var parameter = Parameter.ImageDataParam ?? throw Error("image_data_param is required (source, batch_size)");
        _batchSize = PositiveCount(parameter.BatchSize, "image_data_param.batch_size");
        if ((parameter.NewHeight == 0) != (parameter.NewWidth == 0))
        {
            throw Error($"image_data_param: give new_height and new_width together (got {parameter.NewHeight} and {parameter.NewWidth})");
        }

        _newHeight = parameter.NewHeight == 0 ? 0 : PositiveCount(parameter.NewHeight, "image_data_param.new_height");
        _newWidth = parameter.NewWidth == 0 ? 0 : PositiveCount(parameter.NewWidth, "image_data_param.new_width");
        if (Parameter.DataParam is { HasPrefetch: true } data)
        {
            Prefetch = data.Prefetch > 64 ? throw Error($"data_param.prefetch {data.Prefetch} is too large (at most 64)") : (int)data.Prefetch;
        }

        var transform = TransformParameterOf(parameter);
        if (transform.ForceColor && transform.ForceGray)
        {
            throw Error("transform_param: give force_color or force_gray, not both");
        }

        _color = transform.ForceColor || (!transform.ForceGray && parameter.IsColor);
        transform.ClearForceColor();
        transform.ClearForceGray();
        _transformer = new DataTransformer(this, transform);
        ReadList(parameter);

        // Only a shuffling layer draws its seed, as Caffe's: the layers after it draw as they would behind Data.
        _order = new ItemOrder(_lines.Length, parameter.Shuffle ? new RandomSource(Random.NextUInt32()) : null);
        if (parameter.RandSkip > 0)
        {
            // As Caffe: caffe_rng_rand() % rand_skip, from the net's generator at set-up.
            _order.Position = Random.NextInt((int)Math.Min(parameter.RandSkip, int.MaxValue));
            if (_order.Position >= _lines.Length)
            {
                throw Error($"image_data_param.rand_skip {parameter.RandSkip}: skipping {_order.Position} images needs more than the {_lines.Length} the list '{_source}' holds");
            }
        }

        // As Caffe: the first image served gives every image's shape.
        _first = _order.Current;
        var firstLine = _lines[_first];
        var firstPath = _rootFolder + firstLine.Path;
        var resolved = ResolvePath(firstPath, $"image '{firstPath}' (image list '{_source}', line {firstLine.Number})");
        _baseFolder = resolved == Path.GetFullPath(firstPath) ? Directory.GetCurrentDirectory() : Origin.Folder;
        ReadImage(_first);
        (_channels, _height, _width) = (_reader.Channels, _reader.Height, _reader.Width);
        int[] itemShape = _transformer.Initialize(_channels, _height, _width);
        top[0].Reshape([_batchSize, .. itemShape]);
        if (OutputLabels)
        {
            top[1].Reshape([_batchSize]);
        }
    }

    /// <summary><c>transform_param</c>, with image_data_param's deprecated scale, mean_file, crop_size and mirror moved into it as Caffe's upgrade does.</summary>
    /// <inheritdoc/>
    protected override TransformationParameter TransformParameter => TransformParameterOf(Parameter.ImageDataParam ?? new ImageDataParameter());

    private TransformationParameter TransformParameterOf(ImageDataParameter parameter) => DataTransformer.WithDeprecatedFields(Parameter.TransformParam, parameter);

    private void ReadList(ImageDataParameter parameter)
    {
        if (string.IsNullOrWhiteSpace(parameter.Source))
        {
            throw Error("image_data_param.source is required: the list of 'path label' lines");
        }

        _source = ResolvePath(parameter.Source, $"image_data_param.source '{parameter.Source}'");
        _rootFolder = parameter.RootFolder;
        try
        {
            _lines = ImageListLine.ReadAll(_source);
        }
        catch (FormatException exception)
        {
            throw Error($"image list '{_source}' {exception.Message}", exception);
        }
        catch (IOException exception)
        {
            throw Error($"cannot read image list '{_source}': {exception.Message}", exception);
        }
        catch (LayerNetException exception)
        {
            // MessageFile's reader: a device without end, or a file that vanished since set-up resolved it.
            throw Error(exception.Message, exception);
        }

        if (_lines.Length == 0)
        {
            throw Error($"image list '{_source}' holds no images");
        }
    }

    /// <inheritdoc/>
    protected override void LoadBatch(DataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var transformer = _transformer!;
        var itemCount = transformer.OutputCount;
        for (var item = 0; item < _batchSize; item++)
        {
            var index = _order.Current;
            ReadImage(index);
            if (_reader.Channels != _channels || _reader.Height != _height || _reader.Width != _width)
            {
                var line = _lines[index];
                throw Error($"image '{_rootFolder + line.Path}' (image list '{_source}', line {line.Number}) is {_reader.Channels} x {_reader.Height} x {_reader.Width} (channels x height x width); the first, '{_rootFolder + _lines[_first].Path}' (line {_lines[_first].Number}), is {_channels} x {_height} x {_width}, and every image must have its shape (new_height and new_width resize them all)");
            }

            transformer.Transform(_reader.Planes, batch.Data.Slice(item * itemCount, itemCount), TransformRandom);
            if (OutputLabels)
            {
                batch.Label[item] = _lines[index].Label;
            }

            _order.Advance();
        }
    }

    /// <inheritdoc/>
    protected override bool CanPassOverBatches => true;

    /// <summary>Passes over the list's next lines without reading their images (their shapes are not checked: the worker reading them checks).</summary>
    /// <inheritdoc/>
    protected override void PassOverBatches(int batches) => _order.PassOver((long)batches * _batchSize, _transformer!, TransformRandom);

    private void ReadImage(int index)
    {
        var line = _lines[index];
        var path = Path.GetFullPath(_rootFolder + line.Path, _baseFolder ?? Directory.GetCurrentDirectory());
        try
        {
            _reader.Read(path, _color, _newHeight, _newWidth);
        }
        catch (InvalidDataException exception)
        {
            throw Error($"image '{path}' {exception.Message} (image list '{_source}', line {line.Number})", exception);
        }
    }
}
