using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using PureHDF;
using PureHDF.VOL.Native;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves rows of HDF5 datasets as batches: Caffe's HDF5Data layer. <c>hdf5_data_param.source</c> is a
/// text file listing .h5 files, one per line (surrounding white space ignored, blank lines skipped); each
/// top reads the dataset named after it from every file, and all of a file's datasets have the same
/// number of rows (first dimension).
/// </summary>
/// <remarks>
/// <para>Forward: <c>top[j][i] = dataset_j[row(k)]</c> for the batch's i-th row, k counting rows served;
/// rows go in order through a file, then on to the next file, cycling back to the first. With
/// <c>shuffle: true</c> the file order is shuffled at set-up and each time all files are used, and a
/// file's row order each time it is loaded (or, with a single file, each time it is used up), with
/// draws from a generator of the layer's own, derived at set-up from the state of <see cref="Layer.Random"/>
/// without drawing from it: Caffe shuffles with std::random_shuffle (the C library's rand(), never seeded), which
/// leaves its generator alone, so the layers set up after this one draw Caffe's numbers. The same seed gives the
/// same order. No backward.</para>
/// <para>Top shape: <c>[batch_size] + dataset shape[1..]</c>. Values are converted to float32 from
/// float16/32/64 or any integer type. One file is held in memory at a time, as in Caffe; every file's
/// datasets are checked (present, readable type, same row shape) at set-up, so a bad file is found
/// before training starts. Reading the next file happens inside a forward pass, as in Caffe, so a file
/// that changes or breaks on disk during training fails there, with an error naming it.</para>
/// <para>Relative paths resolve against the working directory first (as Caffe does), then against the
/// folder of the file that names them: the model file for <c>source</c>, the list file for each .h5.</para>
/// <para>One worker of several (<see cref="Layer.Shard"/>): set-up passes over the rows of the workers before it,
/// and each forward, after its batch, those of the others; rows passed over go through the same file changes and
/// shuffles as rows served, but a file is read only when this worker serves a row of it.</para>
/// </remarks>
public sealed class HDF5DataLayer : Layer
{
    // Deflate, the one filter HDF5 files for Caffe use, expands at most 1032 times.
    private const long MaxDeflateRatio = 1032;

    private string[] _files = [];
    private string[] _datasetNames = [];
    private int[] _fileRows = [];
    private int[][] _rowShapes = [];
    private int[] _rowSizes = [];
    private float[][] _rows = [];
    private byte[] _conversionBuffer = [];
    private int[] _filePermutation = [];
    private int[] _rowPermutation = [];
    private int _batchSize;
    private bool _shuffle;
    private RandomSource _shuffleRandom = new(0);
    private int _currentFile;
    private int _currentRow;
    private int _loadedRows;

    // The file whose rows are in the buffers; -1 when a worker passed over into a file without reading it.
    private int _bufferedFile = -1;
    private Nets.DataShard _shard = Nets.DataShard.Whole;

    /// <summary>Creates the layer from its definition.</summary>
    public HDF5DataLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.AtLeast(1))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <summary>The .h5 files the source lists, as resolved (absolute paths), in the list's order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(top);
        var parameter = Parameter.Hdf5DataParam ?? new HDF5DataParameter();
        if (Parameter.TransformParam is not null)
        {
            // As Caffe: HDF5 data is fully generic, there is nothing to crop or mirror.
            throw Error("HDF5Data does not transform data; remove transform_param");
        }

        if (parameter.BatchSize == 0)
        {
            throw Error(parameter.HasBatchSize
                ? "hdf5_data_param.batch_size must be positive, got 0"
                : "hdf5_data_param.batch_size is required");
        }

        if (parameter.BatchSize > int.MaxValue)
        {
            throw Error($"hdf5_data_param.batch_size {parameter.BatchSize} is too large");
        }

        if (string.IsNullOrWhiteSpace(parameter.Source))
        {
            throw Error("hdf5_data_param.source is required: a text file listing .h5 files");
        }

        _batchSize = (int)parameter.BatchSize;
        _shuffle = parameter.Shuffle;
        var sourcePath = ResolvePath(parameter.Source, $"source list '{parameter.Source}'");
        _files = ReadFileList(sourcePath);

        var names = new string[top.Count];
        for (var j = 0; j < names.Length; j++)
        {
            // The net names the tops from the model file; a layer built alone may only have the blobs' names.
            names[j] = j < Parameter.Top.Count ? Parameter.Top[j] : top[j].Name;
        }

        _datasetNames = names;
        DescribeFiles(names);

        // Sized for the longest file, so switching files never allocates.
        var maxRows = MaxRows();
        _rows = new float[names.Length][];
        for (var j = 0; j < names.Length; j++)
        {
            var length = (long)maxRows * _rowSizes[j];
            _rows[j] = length <= Array.MaxLength ? Allocate<float>(length, names[j]) : throw Error($"dataset '{names[j]}' is too large to hold in memory");
        }

        _rowPermutation = new int[maxRows];
        _filePermutation = new int[_files.Length];
        for (var i = 0; i < _filePermutation.Length; i++)
        {
            _filePermutation[i] = i;
        }

        if (_shuffle)
        {
            // A copy of the net's generator gives the seed, so the net's own stream goes on untouched.
            var copy = new RandomSource(0);
            copy.RestoreState(Random.SaveState());
            _shuffleRandom = new RandomSource(copy.NextUInt32() ^ 0x48444635u);
            Shuffle(_filePermutation);
        }

        _currentFile = 0;
        Load(_filePermutation[_currentFile], readRows: true);
        _currentRow = 0;
        _shard = Shard;
        PassOverRows((long)_shard.BatchesBeforeFirst * _batchSize);
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var j = 0; j < top.Count; j++)
        {
            var rowShape = _rowShapes[j];
            var shape = new int[rowShape.Length + 1];
            shape[0] = _batchSize;
            rowShape.CopyTo(shape, 1);
            top[j].Reshape(shape);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var i = 0; i < _batchSize; i++)
        {
            var file = _filePermutation[_currentFile];
            if (_bufferedFile != file)
            {
                // This worker passed over into the file: its rows are read now, in the order already drawn.
                ReadRows(file);
            }

            var row = _rowPermutation[_currentRow];
            for (var j = 0; j < top.Count; j++)
            {
                var size = _rowSizes[j];
                _rows[j].AsSpan(row * size, size).CopyTo(top[j].Data.Slice(i * size, size));
            }

            // One worker loads the next file as Caffe does, in the forward that uses up this one; one of several
            // leaves it to the first forward that serves a row of it, as the next rows may be other workers'.
            Next(readRows: _shard.IsWhole);
        }

        PassOverRows((long)_shard.BatchesBetween * _batchSize);
    }

    /// <summary>
    /// Moves past <paramref name="rows"/> rows (other workers'), shuffling where reading them would; files entered
    /// on the way are not read, only their row orders drawn.
    /// </summary>
    private void PassOverRows(long rows)
    {
        for (; rows > 0; rows--)
        {
            Next(readRows: false);
        }
    }

    /// <summary>
    /// Moves to the next row: Caffe's Next, loading the next file when this one is used up (with
    /// <paramref name="readRows"/> false, only drawing its row order: a row passed over).
    /// </summary>
    private void Next(bool readRows)
    {
        if (++_currentRow < _loadedRows)
        {
            return;
        }

        _currentRow = 0;
        if (_files.Length > 1)
        {
            if (++_currentFile == _files.Length)
            {
                _currentFile = 0;
                if (_shuffle)
                {
                    Shuffle(_filePermutation);
                }
            }

            // Loading shuffles the new file's rows.
            Load(_filePermutation[_currentFile], readRows);
        }
        else if (_shuffle)
        {
            Shuffle(_rowPermutation.AsSpan(0, _loadedRows));
        }
    }

    private void Shuffle(Span<int> values) => _shuffleRandom.Shuffle(values);

    private int MaxRows()
    {
        var max = 0;
        foreach (var rows in _fileRows)
        {
            max = Math.Max(max, rows);
        }

        return max;
    }

    private string[] ReadFileList(string sourcePath)
    {
        string[] lines;
        try
        {
            // MessageFile's bound: /dev/zero as a source list is one line, not a process that fills memory.
            lines = LayerNet.Files.MessageFile.ReadAllText(sourcePath).Split('\n');
        }
        catch (LayerNetException e)
        {
            throw Error($"source list: {e.Message}", e);
        }

        var folder = Path.GetDirectoryName(sourcePath);
        var files = new List<string>();
        foreach (var line in lines)
        {
            var entry = line.Trim();
            if (entry.Length > 0)
            {
                files.Add(ResolvePath(entry, $"HDF5 file '{entry}' (listed in '{sourcePath}')", folder));
            }
        }

        return files.Count > 0 ? [.. files] : throw Error($"source list '{sourcePath}' lists no HDF5 files");
    }

    /// <summary>
    /// Opens every file once to check its datasets (present, numeric, equal row counts, the same row shape
    /// in every file) and to size the buffers, so that switching files later cannot fail on a bad definition.
    /// </summary>
    private void DescribeFiles(string[] names)
    {
        _fileRows = new int[_files.Length];
        _rowShapes = new int[names.Length][];
        _rowSizes = new int[names.Length];
        long conversionBytes = 0;
        for (var f = 0; f < _files.Length; f++)
        {
            var path = _files[f];
            using var file = OpenFile(path);
            for (var j = 0; j < names.Length; j++)
            {
                var dataset = FindDataset(file, path, names[j]);
                var dimensions = ReadHdf5(path, () => dataset.Space.Dimensions);
                if (dimensions.Length == 0)
                {
                    throw Error($"dataset '{names[j]}' in '{path}' is a scalar; it needs at least 1 axis (rows)");
                }

                var shape = new int[dimensions.Length];
                long count = 1;
                for (var d = 0; d < shape.Length; d++)
                {
                    if (dimensions[d] > (ulong)Array.MaxLength || (count *= (long)dimensions[d]) > Array.MaxLength)
                    {
                        throw Error($"dataset '{names[j]}' in '{path}' is too large ({string.Join(" x ", dimensions)})");
                    }

                    shape[d] = (int)dimensions[d];
                }

                var rows = shape[0];
                if (rows == 0)
                {
                    throw Error($"dataset '{names[j]}' in '{path}' has no rows");
                }

                if (j == 0)
                {
                    _fileRows[f] = rows;
                }
                else if (rows != _fileRows[f])
                {
                    throw Error($"datasets in '{path}' have different row counts: '{names[0]}' has {_fileRows[f]}, '{names[j]}' has {rows}");
                }

                var rowShape = shape[1..];
                if (f == 0)
                {
                    _rowShapes[j] = rowShape;
                    _rowSizes[j] = (int)(count / rows);
                }
                else if (!rowShape.AsSpan().SequenceEqual(_rowShapes[j]))
                {
                    throw Error($"dataset '{names[j]}' in '{path}' has rows of shape {Blob.FormatShape(rowShape)}; "
                        + $"in '{_files[0]}' its rows have shape {Blob.FormatShape(_rowShapes[j])}");
                }

                var type = ReadHdf5(path, () => dataset.Type);
                var elementSize = HDF5DatasetReader.ElementSize(type)
                    ?? throw Error($"dataset '{names[j]}' in '{path}' has type {type.Class} ({type.Size} bytes); HDF5Data reads floating-point and integer datasets");
                var fileLength = new FileInfo(path).Length;
                if (count * elementSize > fileLength * MaxDeflateRatio)
                {
                    // Checked before anything is allocated: a small file declaring billions of rows is refused, not an abort.
                    throw Error($"dataset '{names[j]}' in '{path}' declares {string.Join(" x ", dimensions)} elements of {elementSize} bytes ({count * elementSize} bytes), "
                        + $"more than the file's {fileLength} bytes can hold even compressed (at most {MaxDeflateRatio} times as many)");
                }

                if (!HDF5DatasetReader.IsFloat32(type))
                {
                    conversionBytes = Math.Max(conversionBytes, count * elementSize);
                }
            }
        }

        if (conversionBytes > Array.MaxLength)
        {
            throw Error($"a dataset in '{_files[0]}' or another listed file is too large to convert to float32");
        }

        _conversionBuffer = Allocate<byte>(conversionBytes, names[0]);
    }

    // A buffer the files' declared sizes call for; when memory cannot hold it, one line instead of an abort.
    private T[] Allocate<T>(long length, string dataset)
    {
        try
        {
            return new T[length];
        }
        catch (OutOfMemoryException e)
        {
            throw Error($"dataset '{dataset}': not enough memory for {length} elements of {System.Runtime.CompilerServices.Unsafe.SizeOf<T>()} bytes", e);
        }
    }

    /// <summary>
    /// Makes <paramref name="fileIndex"/> the current file: resets (and, when shuffling, shuffles) the row order, and
    /// with <paramref name="readRows"/> loads its datasets into the row buffers (else they are loaded when a row of
    /// it is first served).
    /// </summary>
    private void Load(int fileIndex, bool readRows)
    {
        // The row order first: a file that fails to read leaves the position consistent, and the next forward
        // tries it again.
        var rows = _fileRows[fileIndex];
        _loadedRows = rows;
        for (var i = 0; i < rows; i++)
        {
            _rowPermutation[i] = i;
        }

        if (_shuffle)
        {
            Shuffle(_rowPermutation.AsSpan(0, rows));
        }

        if (readRows)
        {
            ReadRows(fileIndex);
        }
    }

    /// <summary>Reads one file's datasets into the row buffers.</summary>
    private void ReadRows(int fileIndex)
    {
        var path = _files[fileIndex];
        var rows = _fileRows[fileIndex];
        _bufferedFile = -1;
        using (var file = OpenFile(path))
        {
            for (var j = 0; j < _rows.Length; j++)
            {
                var name = _datasetNames[j];
                var dataset = FindDataset(file, path, name);
                var count = rows * _rowSizes[j];
                if (ReadHdf5(path, () => HDF5DatasetReader.Count(dataset)) != count)
                {
                    // Set-up checked every file; this one has been replaced since.
                    throw Error($"dataset '{name}' in '{path}' changed shape after set-up");
                }

                ReadHdf5(path, () => HDF5DatasetReader.ReadAsFloat(dataset, _rows[j].AsSpan(0, count), _conversionBuffer));
            }
        }

        _bufferedFile = fileIndex;
    }

    private NativeFile OpenFile(string path) => ReadHdf5(path, () => H5File.OpenRead(path));

    private NativeDataset FindDataset(NativeFile file, string path, string name)
    {
        var found = ReadHdf5(path, () => file.LinkExists(name) ? file.Get(name) : null);
        return found switch
        {
            NativeDataset dataset => dataset,
            null => throw Error($"HDF5 file '{path}' has no dataset '{name}' (each top reads the dataset named after it)"),
            _ => throw Error($"'{name}' in HDF5 file '{path}' is not a dataset (each top reads the dataset named after it)"),
        };
    }

    /// <summary>Runs a PureHDF call, turning its exceptions (bad, truncated or non-HDF5 file) into a one-line error naming the file.</summary>
    private T ReadHdf5<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not LayerNetException and not OutOfMemoryException)
        {
            // PureHDF throws System.Exception itself for format errors, so nothing narrower can be caught.
            var firstLine = e.Message.Split('\n', 2)[0].Trim();
            throw Error($"cannot read HDF5 file '{path}': {firstLine}");
        }
    }

    private void ReadHdf5(string path, Action read) => ReadHdf5(path, () =>
    {
        read();
        return true;
    });
}
