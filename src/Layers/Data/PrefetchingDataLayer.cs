using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Layers.Data;

/// <summary>
/// The base of data layers that read batches ahead on a background thread (Caffe's BasePrefetchingDataLayer), so
/// reading and transforming the next batches overlaps the net's computation. Tops: data, and optionally label.
/// </summary>
/// <remarks>
/// <para>
/// A derived layer shapes its tops in <see cref="DataLayerSetUp"/> and fills one batch in <see cref="LoadBatch"/>.
/// At set-up this base allocates <see cref="Prefetch"/> batches of those shapes and starts one producer thread
/// that loads them in turn; forward takes the oldest ready batch, copies it into the tops and hands it back to
/// the producer. Nothing is allocated per iteration. With a single producer the batches come in the same order,
/// and with the same random draws, however the threads are scheduled; <see cref="Prefetch"/> = 0 loads each
/// batch inside forward instead, giving exactly the same batches.
/// </para>
/// <para>
/// Set-up draws from <see cref="Layer.Random"/> as Caffe's does: when the transform draws (mirror, or a crop at
/// TRAIN) one seed for the transformer before <see cref="DataLayerSetUp"/> and, as Caffe seeds it again, another
/// after it (<see cref="TransformRandom"/>); then one seed for the producer's own generator
/// (<see cref="BatchRandom"/>), as Caffe's prefetch thread takes one <c>caffe_rng_rand()</c> when it starts. The
/// producer draws only from those two (the net's generator is not thread-safe). An exception in the producer stops it;
/// forward still delivers the batches finished before it, then raises it as a <see cref="LayerNetException"/>
/// naming the layer. The thread is a background thread (it never keeps the process alive);
/// <see cref="Dispose()"/> stops it and releases the source.
/// </para>
/// <para>
/// Tops are copied, not swapped in as Caffe swaps its buffers: another layer may share a top's storage
/// (in-place layers, Split), and a copy keeps that sharing intact. A batch is small next to the net's work.
/// </para>
/// <para>
/// Sharding (<see cref="Layer.Shard"/>, one worker of several): the producer passes over
/// <see cref="Nets.DataShard.BatchesBeforeFirst"/> batches before its first and
/// <see cref="Nets.DataShard.BatchesBetween"/> before each later one, through <see cref="PassOverBatches"/>, so worker
/// r serves batches r, r + N, r + 2N, ... of the sequence one worker serves. A layer that does not override
/// <see cref="CanPassOverBatches"/> refuses to be one of several workers at set-up.
/// </para>
/// </remarks>
public abstract class PrefetchingDataLayer : Layer, IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<DataBatch> _free = new();
    private readonly Queue<DataBatch> _full = new();
    private DataBatch[] _batches = [];
    private int[] _dataShape = [];
    private int[] _labelShape = [];
    private RandomSource _batchRandom = new(0);
    private RandomSource _transformRandom = new(0);
    private Thread? _producer;
    private Exception? _failure;
    private bool _stopping;
    private bool _disposed;
    private bool _started;
    private Nets.DataShard _shard = Nets.DataShard.Whole;

    /// <summary>Creates the layer from its definition.</summary>
    protected PrefetchingDataLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.Between(1, 2))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <summary>True when the layer has a label top (its second).</summary>
    protected bool OutputLabels { get; private set; }

    /// <summary>
    /// How many batches the producer prepares ahead (Caffe's <c>data_param.prefetch</c>, default 4); 0 loads each
    /// batch in forward. Set it in <see cref="DataLayerSetUp"/>.
    /// </summary>
    protected int Prefetch { get; set; } = 4;

    /// <summary>The producer's own generator (Caffe's prefetch thread's), seeded after <see cref="DataLayerSetUp"/>; only <see cref="LoadBatch"/> may use it.</summary>
    protected RandomSource BatchRandom => _batchRandom;

    /// <summary>The data transformer's generator (Caffe's <c>DataTransformer</c> rng: crops and mirroring), seeded after <see cref="DataLayerSetUp"/>; only <see cref="LoadBatch"/> may use it.</summary>
    protected RandomSource TransformRandom => _transformRandom;

    /// <summary>The transform the layer applies (its <c>transform_param</c>); it decides whether set-up draws the transformer's seeds.</summary>
    protected virtual TransformationParameter TransformParameter => Parameter.TransformParam ?? new TransformationParameter();

    /// <summary>
    /// Reads the layer's parameters, opens its source and shapes the tops (data; label when
    /// <see cref="OutputLabels"/>). Runs once, on the caller's thread, before any <see cref="LoadBatch"/>.
    /// </summary>
    protected abstract void DataLayerSetUp(IReadOnlyList<Blob> top);

    /// <summary>
    /// Fills <paramref name="batch"/> with the next batch. Runs on the producer thread (or in forward when
    /// <see cref="Prefetch"/> is 0), one call at a time, in order.
    /// </summary>
    protected abstract void LoadBatch(DataBatch batch);

    /// <summary>
    /// True when the layer can pass over batches (<see cref="PassOverBatches"/>), so that several workers can share
    /// its source; false (the default) refuses a <see cref="Layer.Shard"/> of more than one worker at set-up.
    /// </summary>
    protected virtual bool CanPassOverBatches => false;

    /// <summary>
    /// Moves past the next <paramref name="batches"/> batches as <see cref="LoadBatch"/> would read them (another
    /// worker's), leaving everything that depends on the position (the wrap to the first record, reshuffling at an
    /// epoch's end, the transformer's and the producer's random draws) exactly where reading them would; the
    /// records themselves need not be read. Runs where <see cref="LoadBatch"/> runs, between its calls.
    /// </summary>
    protected virtual void PassOverBatches(int batches) =>
        throw new NotSupportedException($"{GetType().Name} cannot pass over batches");

    /// <inheritdoc/>
    protected sealed override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(top);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_batches.Length > 0)
        {
            throw Error("a prefetching data layer is set up once");
        }

        // Refused before the source is opened: nobody disposes a layer whose set-up failed.
        _shard = Shard;
        if (!_shard.IsWhole && !CanPassOverBatches)
        {
            throw Error($"cannot be shared among {_shard.Count} workers: it has no defined order of batches to divide between them");
        }

        OutputLabels = top.Count > 1;

        // Caffe's InitRand seeds the transformer before DataLayerSetUp and again before the thread starts: the
        // first seed is never used, but it is drawn.
        var transform = TransformParameter;
        var transformDraws = transform.Mirror || (Phase == Phase.Train && transform.CropSize > 0);
        if (transformDraws)
        {
            Random.NextUInt32();
        }

        DataLayerSetUp(top);
        if (Prefetch < 0)
        {
            throw Error($"prefetch must not be negative, got {Prefetch}");
        }

        _dataShape = [.. top[0].Shape];
        _labelShape = OutputLabels ? [.. top[1].Shape] : [];
        _batches = new DataBatch[Math.Max(Prefetch, 1)];
        for (var i = 0; i < _batches.Length; i++)
        {
            _batches[i] = new DataBatch(top[0].Count, OutputLabels ? top[1].Count : 0);
            _free.Enqueue(_batches[i]);
        }

        if (transformDraws)
        {
            _transformRandom = new RandomSource(Random.NextUInt32());
        }

        _batchRandom = new RandomSource(Random.NextUInt32());
        if (Prefetch > 0)
        {
            // A background thread: a net nobody disposes must not keep the process from exiting.
            _producer = new Thread(Produce) { IsBackground = true, Name = $"LayerNet prefetch '{Name}'" };
            _producer.Start();
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].Reshape(_dataShape);
        if (OutputLabels)
        {
            top[1].Reshape(_labelShape);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_producer is null)
        {
            var only = _batches[0];
            LoadOwnBatch(only);
            CopyToTops(only, top);
            return;
        }

        DataBatch batch;
        lock (_gate)
        {
            while (_full.Count == 0 && _failure is null)
            {
                Monitor.Wait(_gate);
            }

            if (_full.Count == 0)
            {
                throw Failure(_failure!);
            }

            batch = _full.Dequeue();
        }

        CopyToTops(batch, top);
        lock (_gate)
        {
            _free.Enqueue(batch);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Stops the producer thread (after the batch it is loading) and releases the source.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Stops the producer thread; a derived layer overrides this to release its source, calling the base first
    /// so that the producer no longer reads it.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            lock (_gate)
            {
                _stopping = true;
                Monitor.PulseAll(_gate);
            }

            _producer?.Join();
        }
    }

    /// <summary>
    /// Loads this worker's next batch, first passing over the other workers' batches since its last (before its
    /// first, those of the workers before it): a failure there comes with the batch it would have preceded.
    /// </summary>
    private void LoadOwnBatch(DataBatch batch)
    {
        var passOver = _started ? _shard.BatchesBetween : _shard.BatchesBeforeFirst;
        _started = true;
        if (passOver > 0)
        {
            PassOverBatches(passOver);
        }

        LoadBatch(batch);
    }

    private void CopyToTops(DataBatch batch, IReadOnlyList<Blob> top)
    {
        batch.Data.CopyTo(top[0].Data);
        if (OutputLabels)
        {
            batch.Label.CopyTo(top[1].Data);
        }
    }

    private void Produce()
    {
        while (true)
        {
            DataBatch batch;
            lock (_gate)
            {
                while (_free.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopping)
                {
                    return;
                }

                batch = _free.Dequeue();
            }

            try
            {
                LoadOwnBatch(batch);
            }
#pragma warning disable CA1031 // Any failure of the source is handed to the consumer thread, which raises it.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                lock (_gate)
                {
                    _failure = exception;
                    Monitor.PulseAll(_gate);
                }

                return;
            }

            lock (_gate)
            {
                _full.Enqueue(batch);
                Monitor.PulseAll(_gate);
            }
        }
    }

    private LayerNetException Failure(Exception exception) => exception switch
    {
        // Re-raised on this thread as a new exception (with the original inside), keeping the message and place.
        LayerNetException { Position: { } position } error => new LayerNetException(position, error.Detail, error),
        LayerNetException error => new LayerNetException(error.Message, error),
        _ => Error($"reading the next batch failed: {exception.Message}", exception),
    };
}
