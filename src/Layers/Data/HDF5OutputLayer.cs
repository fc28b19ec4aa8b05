using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using PureHDF;
using PureHDF.Selections;

namespace LayerNet.Layers.Data;

/// <summary>
/// Caffe's HDF5Output: writes its two bottoms, data and label, to an HDF5 file as the float32 datasets "data" and
/// "label", which the HDF5Data layer (or h5py) reads back.
/// </summary>
/// <remarks>
/// <para>
/// As in Caffe, the file (<c>hdf5_output_param.file_name</c>, relative to the working folder) is created, or
/// truncated, at set-up, and each forward pass writes the batch's rows: dataset "data" has the shape of the data
/// bottom and "label" that of the label bottom, item axis first.
/// </para>
/// <para>
/// Caffe writes one batch: its second forward pass stops the program (the datasets already exist). Here each
/// forward pass appends its rows, and the file always holds every row written so far: the layer keeps the rows and
/// rewrites the whole file, into a temporary file beside it that then replaces it, so that a reader, a crash or a
/// full disk never leaves a half-written file (the previous complete one stays). The cost grows with the rows
/// written: memory for all of them, and a rewrite of all of them per batch.
/// </para>
/// <para>No tops and no gradient.</para>
/// </remarks>
public sealed class HDF5OutputLayer : Layer
{
    private const string DataDataset = "data";
    private const string LabelDataset = "label";

    private readonly Rows _data = new();
    private readonly Rows _label = new();
    private string _path = string.Empty;

    /// <summary>Creates the layer from its definition (<c>hdf5_output_param.file_name</c>).</summary>
    public HDF5OutputLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(2), tops: BlobArity.Exactly(0))
    {
        if (string.IsNullOrEmpty(parameter.Hdf5OutputParam?.FileName))
        {
            throw Error("hdf5_output_param.file_name is required");
        }
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <summary>The full path of the file the layer writes (set at set-up).</summary>
    public string FilePath => _path;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // An output file need not exist: its folder is resolved as layer paths are (the working folder, then the
        // model file's), and the file is created there.
        var name = Parameter.Hdf5OutputParam.FileName;
        var fileName = Path.GetFileName(name);
        if (fileName.Length == 0)
        {
            throw Error($"hdf5_output_param.file_name '{name}' names a folder, not a file");
        }

        var folder = Path.GetDirectoryName(name);
        var resolved = ResolvePath(
            string.IsNullOrEmpty(folder) ? "." : folder,
            $"hdf5_output_param.file_name '{name}': folder '{(string.IsNullOrEmpty(folder) ? "." : folder)}'",
            folderAllowed: true);
        if (!Directory.Exists(resolved))
        {
            throw Error($"hdf5_output_param.file_name '{name}': '{resolved}' is a file, not a folder");
        }

        _path = Path.Combine(resolved, fileName);
        _data.Clear();
        _label.Clear();
        Write();
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob data = bottom[0], label = bottom[1];
        foreach (var blob in bottom)
        {
            if (blob.AxisCount == 0)
            {
                throw Error($"bottom '{blob.Name}' is a scalar; HDF5Output writes rows along the first axis");
            }
        }

        if (data.Shape[0] != label.Shape[0])
        {
            throw Error($"bottoms '{data.Name}' (data, shape {data.ShapeString}) and '{label.Name}' (label, shape {label.ShapeString}) have {data.Shape[0]} and {label.Shape[0]} items; they must have the same batch size");
        }

        _data.RequireRowShape(data, this);
        _label.RequireRowShape(label, this);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _data.Append(bottom[0]);
        _label.Append(bottom[1]);
        Write();
    }

    private void Write()
    {
        var file = new H5File();
        if (_data.RowShape is not null)
        {
            file[DataDataset] = _data.ToDataset();
            file[LabelDataset] = _label.ToDataset();
        }

        // The whole file is built in memory, then written as every output is (atomically beside the target, through
        // a link, in place onto a device or a FIFO that is read).
        byte[] bytes;
        try
        {
            using var memory = new MemoryStream();
            file.Write(memory);
            bytes = memory.ToArray();
        }
        catch (Exception exception) when (exception is IOException or NotSupportedException)
        {
            throw Error($"cannot write '{_path}': {exception.Message}", exception);
        }

        try
        {
            OutputTarget.Write(_path, bytes);
        }
        catch (LayerNetException exception)
        {
            throw Error(exception.Message, exception);
        }
    }

    /// <summary>The rows one bottom has written so far, and the shape of a row (the bottom's shape after its first axis).</summary>
    private sealed class Rows
    {
        private float[] _values = [];
        private int _count;
        private int _rows;

        public int[]? RowShape { get; private set; }

        public void Clear()
        {
            _count = 0;
            _rows = 0;
            RowShape = null;
        }

        // Every batch appended must have the rows of the first, or the dataset could not hold them.
        public void RequireRowShape(Blob bottom, Layer layer)
        {
            if (RowShape is null)
            {
                return;
            }

            var same = bottom.AxisCount == RowShape.Length + 1;
            for (var i = 0; same && i < RowShape.Length; i++)
            {
                same = bottom.Shape[i + 1] == RowShape[i];
            }

            if (!same)
            {
                throw layer.Error($"bottom '{bottom.Name}' has shape {bottom.ShapeString}; the rows already written have shape {Blob.FormatShape(RowShape)}, and every batch must have rows of that shape");
            }
        }

        public void Append(Blob bottom)
        {
            if (RowShape is null)
            {
                RowShape = new int[bottom.AxisCount - 1];
                for (var i = 0; i < RowShape.Length; i++)
                {
                    RowShape[i] = bottom.Shape[i + 1];
                }
            }

            var data = bottom.Data;
            if (_values.Length < _count + data.Length)
            {
                Array.Resize(ref _values, Math.Max(_count + data.Length, 2 * _values.Length));
            }

            data.CopyTo(_values.AsSpan(_count));
            _count += data.Length;
            _rows += bottom.Shape[0];
        }

        public H5Dataset ToDataset()
        {
            var shape = RowShape!;
            var dimensions = new ulong[shape.Length + 1];
            dimensions[0] = (ulong)_rows;
            for (var i = 0; i < shape.Length; i++)
            {
                dimensions[i + 1] = (ulong)shape[i];
            }

            return new H5Dataset(_values, memorySelection: new HyperslabSelection(0, (ulong)_count), fileDims: dimensions);
        }
    }
}
