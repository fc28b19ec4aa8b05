using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Data;
using LayerNet.Testing;
using LayerNet.Text;
using PureHDF;

namespace LayerNet.Layers.Tests.Data;

// Tests change the working directory to check path resolution, so they must not run beside others.
[TestFixture]
[NonParallelizable]
public sealed class HDF5OutputLayerTests
{
    private string _folder = string.Empty;
    private string _models = string.Empty;
    private string _savedWorkingDirectory = string.Empty;

    [SetUp]
    public void CreateFolders()
    {
        _savedWorkingDirectory = Environment.CurrentDirectory;
        _folder = Path.Combine(Path.GetTempPath(), "layernet-hdf5out-" + Guid.NewGuid().ToString("N"));
        _models = Directory.CreateDirectory(Path.Combine(_folder, "models")).FullName;
        Environment.CurrentDirectory = Directory.CreateDirectory(Path.Combine(_folder, "cwd")).FullName;
    }

    [TearDown]
    public void DeleteFolders()
    {
        Environment.CurrentDirectory = _savedWorkingDirectory;
        Directory.Delete(_folder, recursive: true);
    }

    // Defined in models/net.prototxt, line 40: relative paths fall back to the models folder.
    private Origin DefinedAt => Origin.InFile(Path.Combine(_models, "net.prototxt"), new SourcePosition("net.prototxt", 40, 1));

    private HDF5OutputLayer Create(string fileName) =>
        Layer.ConstructAt(DefinedAt, () => new HDF5OutputLayer(new LayerParameter
        {
            Name = "out",
            Type = "HDF5Output",
            Hdf5OutputParam = new HDF5OutputParameter { FileName = fileName },
        }));

    private HDF5OutputLayer WriteOneBatch(string fileName, Blob data, Blob label)
    {
        var layer = Create(fileName);
        layer.SetUp([data, label], []);
        layer.Forward([data, label], []);
        return layer;
    }

    private static Blob Data(float first) => BlobBuilder.FromValues([2, 3, 1, 2], [.. Enumerable.Range(0, 12).Select(i => first + i)]);

    private static Blob Labels(params float[] values) => BlobBuilder.FromValues([values.Length], values);

    private static (float[] Values, ulong[] Dimensions, bool IsFloat32) ReadDataset(string path, string name)
    {
        using var file = H5File.OpenRead(path);
        var dataset = file.Dataset(name);
        var isFloat32 = dataset.Type is { Class: H5DataTypeClass.FloatingPoint, Size: 4 };
        return (dataset.Read<float[]>(), dataset.Space.Dimensions, isFloat32);
    }

    [Test]
    public void Forward_writes_data_and_label_as_float32_datasets_shaped_as_the_bottoms()
    {
        var layer = WriteOneBatch("out.h5", Data(0.5f), Labels(3, 7));

        var path = Path.Combine(Environment.CurrentDirectory, "out.h5");
        Assert.That(layer.FilePath, Is.EqualTo(path));
        var (values, dimensions, isFloat32) = ReadDataset(path, "data");
        var (labels, labelDimensions, labelIsFloat32) = ReadDataset(path, "label");
        Assert.Multiple(() =>
        {
            Assert.That(dimensions, Is.EqualTo(new ulong[] { 2, 3, 1, 2 }));
            Assert.That(values, Is.EqualTo(Enumerable.Range(0, 12).Select(i => 0.5f + i)));
            Assert.That(isFloat32 && labelIsFloat32, Is.True);
            Assert.That(labelDimensions, Is.EqualTo(new ulong[] { 2 }));
            Assert.That(labels, Is.EqualTo(new float[] { 3, 7 }));
            Assert.That(Directory.GetFiles(Environment.CurrentDirectory), Is.EqualTo(new[] { path }), "no temporary file is left");
        });
    }

    [Test]
    public void Each_forward_appends_its_rows_and_HDF5Data_reads_them_back()
    {
        Blob data = Data(0), label = Labels(10, 11);
        var layer = WriteOneBatch("out.h5", data, label);
        Data(100).Data.CopyTo(data.Data);
        Labels(12, 13).Data.CopyTo(label.Data);
        layer.Forward([data, label], []);

        var list = Path.Combine(_folder, "list.txt");
        File.WriteAllLines(list, [layer.FilePath]);
        var reader = new HDF5DataLayer(new LayerParameter
        {
            Name = "in",
            Type = "HDF5Data",
            Hdf5DataParam = new HDF5DataParameter { Source = list, BatchSize = 4 },
            Top = { "data", "label" },
        });
        Blob[] top = [new Blob { Name = "data" }, new Blob { Name = "label" }];
        reader.SetUp([], top);
        reader.Forward([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 4, 3, 1, 2 }));
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(Enumerable.Range(0, 12).Concat(Enumerable.Range(100, 12)).Select(i => (float)i)));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 10, 11, 12, 13 }));
    }

    [Test]
    public void Set_up_truncates_an_existing_file_as_Caffe_does()
    {
        var path = Path.Combine(Environment.CurrentDirectory, "out.h5");
        new H5File { ["data"] = new H5Dataset(new float[] { 1, 2 }, fileDims: [2UL]) }.Write(path);

        Create("out.h5").SetUp([Data(0), Labels(1, 2)], []);

        using var file = H5File.OpenRead(path);
        Assert.That(file.Children().Count(), Is.Zero);
    }

    [Test]
    public void A_folder_missing_from_the_working_folder_is_taken_from_the_model_file_folder()
    {
        Directory.CreateDirectory(Path.Combine(_models, "features"));
        var layer = WriteOneBatch("features/out.h5", Data(0), Labels(1, 2));

        Assert.That(layer.FilePath, Is.EqualTo(Path.Combine(_models, "features", "out.h5")));
        Assert.That(ReadDataset(layer.FilePath, "label").Values, Is.EqualTo(new float[] { 1, 2 }));
    }

    private string ErrorOf(string fileName, Blob data, Blob label)
    {
        var error = Assert.Throws<LayerNetException>(() => Create(fileName).SetUp([data, label], []));
        return error.Message;
    }

    [Test]
    public void A_missing_file_name_is_an_error() =>
        Assert.That(
            ErrorOf(string.Empty, Data(0), Labels(1, 2)),
            Is.EqualTo("net.prototxt(40,1): layer 'out' (HDF5Output): hdf5_output_param.file_name is required"));

    [Test]
    public void A_folder_found_in_neither_place_is_an_error() =>
        Assert.That(
            ErrorOf("nowhere/out.h5", Data(0), Labels(1, 2)),
            Is.EqualTo(
                "net.prototxt(40,1): layer 'out' (HDF5Output): hdf5_output_param.file_name 'nowhere/out.h5': folder 'nowhere' not found " +
                $"(tried '{Path.Combine(Environment.CurrentDirectory, "nowhere")}' and '{Path.Combine(_models, "nowhere")}')"));

    [Test]
    public void Data_and_label_of_different_batch_sizes_is_an_error()
    {
        Blob data = Data(0), label = Labels(1, 2, 3);
        (data.Name, label.Name) = ("ip", "label");

        Assert.That(
            ErrorOf("out.h5", data, label),
            Is.EqualTo("net.prototxt(40,1): layer 'out' (HDF5Output): bottoms 'ip' (data, shape 2 3 1 2 (12)) and 'label' (label, shape 3 (3)) have 2 and 3 items; they must have the same batch size"));
    }

    [Test]
    public void A_batch_whose_rows_change_shape_is_an_error()
    {
        Blob data = Data(0), label = Labels(1, 2);
        data.Name = "ip";
        var layer = WriteOneBatch("out.h5", data, label);
        data.Reshape([2, 4]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([data, label], []));

        Assert.That(error.Message, Is.EqualTo(
            "net.prototxt(40,1): layer 'out' (HDF5Output): bottom 'ip' has shape 2 4 (8); the rows already written have shape 3 1 2 (6), and every batch must have rows of that shape"));
    }

    [Test]
    public void A_failed_write_names_the_layer_and_the_file_and_leaves_no_temporary_file()
    {
        // The file's place is taken by a folder: the rename onto it fails.
        var path = Directory.CreateDirectory(Path.Combine(Environment.CurrentDirectory, "out.h5")).FullName;

        var message = ErrorOf("out.h5", Data(0), Labels(1, 2));

        Assert.That(message, Does.StartWith($"net.prototxt(40,1): layer 'out' (HDF5Output): cannot write '{path}': "));
        Assert.That(message, Does.Not.Contain("\n"));
        Assert.That(Directory.GetFileSystemEntries(Environment.CurrentDirectory), Is.EqualTo(new[] { path }));
    }
}
