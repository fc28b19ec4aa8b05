using System.Text;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LightningDB;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves the <c>Datum</c> records of a Caffe LMDB database (what Caffe's convert_mnist_data and convert_imageset
/// write) as batches: Caffe's <c>Data</c> layer.
/// </summary>
/// <remarks>
/// <para>
/// Forward: <c>data[i] = transform(datum(k))</c>, <c>label[i] = datum(k).label</c> for the batch's i-th item, k
/// counting the records served in key order, cycling to the first after the last. <c>transform</c> is
/// <c>transform_param</c> (<see cref="DataTransformer"/>). A datum holds C x H x W unsigned bytes
/// (<c>data</c>) or floats (<c>float_data</c>); every record must have the first record's shape. No backward.
/// </para>
/// <para>
/// <c>data_param</c>: <c>source</c> (the database folder; relative paths resolve against the working directory,
/// then the model file's folder), <c>batch_size</c>, <c>backend: LMDB</c> (LevelDB, Caffe's default, is not
/// supported), <c>rand_skip</c> (start after a random number of records in [0, rand_skip)), <c>prefetch</c>
/// (batches read ahead on a background thread, <see cref="PrefetchingDataLayer"/>); the deprecated
/// <c>scale</c>, <c>mean_file</c>, <c>crop_size</c> and <c>mirror</c> count as <c>transform_param</c>'s, as Caffe
/// upgrades them. Encoded datums
/// (compressed images, convert-imageset --encoded) are decoded as Caffe decodes them: as stored (gray files gray,
/// others B, G, R), or in colour or gray with <c>transform_param.force_color</c> / <c>force_gray</c>. The database is opened read-only, without a lock file.
/// </para>
/// <para>Tops: data <c>[batch_size, C, H, W]</c> (or the crop size), label <c>[batch_size]</c> (optional).</para>
/// <para>
/// One worker of several (<see cref="Layer.Shard"/>): the producer's cursor, after rand_skip, moves past the other
/// workers' records without decoding them, and the transformer draws for each what reading it would draw.
/// </para>
/// </remarks>
public sealed class DataLayer : PrefetchingDataLayer
{
    private readonly DatumRecord _datum = new();
    private readonly ImageFileReader _images = new();
    private bool? _decodeInColor;
    private int _itemChannels;
    private int _itemHeight;
    private int _itemWidth;
    private LmdbDatabase? _database;
    private LmdbRecordCursor? _cursor;
    private DataTransformer? _transformer;
    private string _source = string.Empty;
    private int _batchSize;
    private int _randSkip;
    private int _channels;
    private int _height;
    private int _width;

    /// <summary>Creates the layer from its definition (<c>data_param</c>, <c>transform_param</c>).</summary>
    public DataLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
    {
        var parameter = Parameter.DataParam ?? throw Error("data_param is required (source, batch_size, backend: LMDB)");
        if (parameter.Backend != DataParameter.Types.DB.Lmdb)
        {
            var which = parameter.HasBackend ? "LEVELDB" : "LEVELDB (Caffe's default when backend is not given)";
            throw Error($"data_param.backend {which} is not supported: LayerNet reads LMDB databases (backend: LMDB)");
        }

        _batchSize = parameter.BatchSize switch
        {
            0 => throw Error(parameter.HasBatchSize ? "data_param.batch_size must be positive, got 0" : "data_param.batch_size is required"),
            > int.MaxValue => throw Error($"data_param.batch_size {parameter.BatchSize} is too large"),
            _ => (int)parameter.BatchSize,
        };
        Prefetch = parameter.Prefetch > 64 ? throw Error($"data_param.prefetch {parameter.Prefetch} is too large (at most 64)") : (int)parameter.Prefetch;
        if (string.IsNullOrWhiteSpace(parameter.Source))
        {
            throw Error("data_param.source is required: the LMDB database folder");
        }

        _source = ResolvePath(parameter.Source, $"data_param.source '{parameter.Source}'", folderAllowed: true);
        _database = Open(_source);
        try
        {
            SetUpFromFirstRecord(parameter, top);
        }
        catch
        {
            // The layer never comes into use, so nobody will dispose it.
            _database.Dispose();
            _database = null;
            throw;
        }
    }

    private void SetUpFromFirstRecord(DataParameter parameter, IReadOnlyList<Blob> top)
    {
        var transform = TransformParameterOf(parameter);
        if (transform.ForceColor && transform.ForceGray)
        {
            throw Error("transform_param: give force_color or force_gray, not both");
        }

        // As Caffe: force_color and force_gray choose how encoded datums are decoded; without them, as stored.
        _decodeInColor = transform.ForceColor ? true : transform.ForceGray ? false : null;
        transform.ClearForceColor();
        transform.ClearForceGray();
        _transformer = new DataTransformer(this, transform);

        // As Caffe: the first record gives the shape of every item.
        using (var cursor = OpenCursor())
        {
            Decode(cursor);
            (_channels, _height, _width) = (_itemChannels, _itemHeight, _itemWidth);
        }

        int[] itemShape = _transformer.Initialize(_channels, _height, _width);
        top[0].Reshape([_batchSize, .. itemShape]);
        if (OutputLabels)
        {
            top[1].Reshape([_batchSize]);
        }

        // rand_skip (Caffe before 1.0): start after a random number of records, so that several solvers see different
        // batches. Caffe 1.0's Data layer ignores it, so it draws nothing from the net's generator: the producer
        // draws it from its own before its first batch.
        _randSkip = (int)Math.Min(parameter.RandSkip, int.MaxValue);
    }

    /// <inheritdoc/>
    protected override TransformationParameter TransformParameter => TransformParameterOf(Parameter.DataParam ?? new DataParameter());

    // transform_param, with the deprecated data_param scale, mean_file, crop_size and mirror of old model files moved
    // into it, as Caffe's net upgrade (UpgradeNetDataTransformation) does.
    private TransformationParameter TransformParameterOf(DataParameter parameter) => DataTransformer.WithDeprecatedFields(Parameter.TransformParam, parameter);

    /// <inheritdoc/>
    protected override void LoadBatch(DataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var cursor = StartReading();
        var transformer = _transformer!;
        var itemCount = transformer.OutputCount;
        for (var i = 0; i < _batchSize; i++)
        {
            Decode(cursor);
            if (_itemChannels != _channels || _itemHeight != _height || _itemWidth != _width)
            {
                throw Error($"record '{KeyText(cursor)}' in '{_source}' is {_itemChannels} x {_itemHeight} x {_itemWidth}; the first record is {_channels} x {_height} x {_width}");
            }

            var output = batch.Data.Slice(i * itemCount, itemCount);
            var record = cursor.Value;
            if (_datum.Encoded)
            {
                transformer.Transform(_images.Planes, output, TransformRandom);
            }
            else if (_datum.Data.GetOffsetAndLength(record.Length).Length > 0)
            {
                transformer.Transform(record[_datum.Data], output, TransformRandom);
            }
            else
            {
                transformer.Transform(_datum.FloatData, output, TransformRandom);
            }

            if (OutputLabels)
            {
                batch.Label[i] = _datum.Label;
            }

            cursor.Next();
        }
    }

    /// <inheritdoc/>
    protected override bool CanPassOverBatches => true;

    /// <summary>Moves the cursor past the records (not decoded: only their count matters) and draws their transforms' random numbers.</summary>
    /// <inheritdoc/>
    protected override void PassOverBatches(int batches)
    {
        var cursor = StartReading();
        var transformer = _transformer!;
        for (var record = (long)batches * _batchSize; record > 0; record--)
        {
            transformer.PassOver(TransformRandom);
            cursor.Next();
        }
    }

    /// <summary>Opens the producer's cursor before its first batch (or the first batches it passes over), after rand_skip records.</summary>
    private LmdbRecordCursor StartReading()
    {
        if (_cursor is not null)
        {
            return _cursor;
        }

        // LMDB cursors may not cross threads: the producer opens its own, on its first batch.
        _cursor = OpenCursor();
        for (var skip = _randSkip > 0 ? BatchRandom.NextInt(_randSkip) : 0; skip > 0; skip--)
        {
            _cursor.Next();
        }

        return _cursor;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _cursor?.Dispose();
            _cursor = null;
            _database?.Dispose();
            _database = null;
        }
    }

    private LmdbDatabase Open(string path)
    {
        try
        {
            return LmdbDatabase.Open(path);
        }
        catch (Exception e) when (e is LightningException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw Error($"cannot open LMDB database '{path}': {e.Message}", e);
        }
        catch (DllNotFoundException e)
        {
            throw Error("cannot load the LMDB native library (tried the system's liblmdb.so.0, the copy LayerNet bundles for linux-x64, and LightningDB's own): install LMDB 0.9 (Debian: apt-get install liblmdb0)", e);
        }
    }

    private LmdbRecordCursor OpenCursor()
    {
        LmdbRecordCursor cursor;
        try
        {
            cursor = _database!.OpenCursor();
        }
        catch (Exception e) when (e is LightningException or InvalidDataException)
        {
            throw Error($"cannot read LMDB database '{_source}': {e.Message}", e);
        }

        if (cursor.IsEmpty)
        {
            cursor.Dispose();
            throw Error($"LMDB database '{_source}' holds no records");
        }

        return cursor;
    }

    private void Decode(LmdbRecordCursor cursor)
    {
        var record = cursor.Value;
        if (!_datum.Decode(record))
        {
            throw Error($"record '{KeyText(cursor)}' in '{_source}' is not a Caffe Datum");
        }

        if (_datum.Encoded)
        {
            try
            {
                if (_decodeInColor is { } color)
                {
                    _images.Decode(record[_datum.Data], color);
                }
                else
                {
                    _images.DecodeNative(record[_datum.Data]);
                }
            }
            catch (InvalidDataException exception)
            {
                throw Error($"record '{KeyText(cursor)}' in '{_source}' is an encoded (compressed) image, and its image {exception.Message}", exception);
            }

            (_itemChannels, _itemHeight, _itemWidth) = (_images.Channels, _images.Height, _images.Width);
            return;
        }

        var count = (long)_datum.Channels * _datum.Height * _datum.Width;
        var stored = _datum.Data.GetOffsetAndLength(record.Length).Length;
        if (_datum.Channels <= 0 || _datum.Height <= 0 || _datum.Width <= 0 || (stored > 0 ? stored : _datum.FloatCount) != count)
        {
            throw Error($"record '{KeyText(cursor)}' in '{_source}' declares {_datum.Channels} x {_datum.Height} x {_datum.Width} but holds {(stored > 0 ? stored : _datum.FloatCount)} values");
        }

        (_itemChannels, _itemHeight, _itemWidth) = (_datum.Channels, _datum.Height, _datum.Width);
    }

    private static string KeyText(LmdbRecordCursor cursor)
    {
        // Caffe's converters write printable keys ("00000042" or "00000042_path.jpg"); show others in hex.
        var key = cursor.Key;
        foreach (var b in key)
        {
            if (b < 0x20 || b > 0x7E)
            {
                return Convert.ToHexString(key);
            }
        }

        return Encoding.ASCII.GetString(key);
    }
}
