using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Testing;
using LayerNet.Text;
using PureHDF;

namespace LayerNet.Layers.Tests.Data;

// Tests change the working directory to check path resolution, so they must not run beside others.
[TestFixture]
[NonParallelizable]
public sealed class HDF5DataLayerTests
{
    private string _folder = string.Empty;
    private string _savedWorkingDirectory = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _savedWorkingDirectory = Environment.CurrentDirectory;
        _folder = Path.Combine(Path.GetTempPath(), "layernet-hdf5-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);

        // An empty working directory, so a relative path found there is one the test put there.
        Environment.CurrentDirectory = Directory.CreateDirectory(Path.Combine(_folder, "cwd")).FullName;
    }

    [TearDown]
    public void DeleteFolder()
    {
        Environment.CurrentDirectory = _savedWorkingDirectory;
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public void Reads_the_caffe_fixture_in_place()
    {
        var list = WriteList("list.txt", Fixtures.File("caffe", "two_layer", "data.h5"));
        var (layer, top) = SetUp(Definition(list, 64, "x", "y"));

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 64, 1000 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 64, 10 }));

        layer.Forward([], top);

        // Expected values as printed by h5dump 1.10 (hdf5-tools), e.g. `h5dump -d x -s "0,0" -c "1,3" data.h5`:
        // x(0,0..2) = 1.03361, -0.253685, -0.146661; x(63,997..999) = 0.323371, 1.77022, -1.63527;
        // y(0,0..1) = 0.379858, 0.316879; y(1,0) = 0.740599; y(63,9) = -1.18768. h5dump prints 6 digits.
        var x = top[0].Data.ToArray();
        var y = top[1].Data.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(x[0], Is.EqualTo(1.03361f).Within(1e-5));
            Assert.That(x[1], Is.EqualTo(-0.253685f).Within(1e-6));
            Assert.That(x[2], Is.EqualTo(-0.146661f).Within(1e-6));
            Assert.That(x[(63 * 1000) + 997], Is.EqualTo(0.323371f).Within(1e-6));
            Assert.That(x[(63 * 1000) + 998], Is.EqualTo(1.77022f).Within(1e-5));
            Assert.That(x[(63 * 1000) + 999], Is.EqualTo(-1.63527f).Within(1e-5));
            Assert.That(y[0], Is.EqualTo(0.379858f).Within(1e-6));
            Assert.That(y[1], Is.EqualTo(0.316879f).Within(1e-6));
            Assert.That(y[10], Is.EqualTo(0.740599f).Within(1e-6));
            Assert.That(y[(63 * 10) + 9], Is.EqualTo(-1.18768f).Within(1e-5));
        });
    }

    [Test]
    public void Reads_the_caffe_fixture_list_resolving_its_entry_against_the_list_folder()
    {
        // data.txt says "data.h5": not in the working directory, so it is found beside data.txt.
        var (layer, top) = SetUp(Definition(Fixtures.File("caffe", "two_layer", "data.txt"), 16, "x", "y"));

        Assert.That(layer.Files, Is.EqualTo(new[] { Fixtures.File("caffe", "two_layer", "data.h5") }));
        Assert.That(top[0].Shape, Is.EqualTo(new[] { 16, 1000 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 16, 10 }));
    }

    [Test]
    public void Top_shape_is_batch_size_then_the_dataset_shape_after_its_first_axis()
    {
        var file = WriteH5("a.h5", ("data", new float[5 * 2 * 3], [5, 2, 3]), ("label", new float[5], [5]));
        var (layer, top) = SetUp(Definition(WriteList("list.txt", file), 4, "data", "label"));

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 4, 2, 3 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 4 }));
    }

    [Test]
    public void Serves_rows_in_order_across_batches_and_files_then_cycles()
    {
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 3), WriteRows("b.h5", 10, 2));
        var (layer, top) = SetUp(Definition(list, 2, "data", "label"));

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(NextLabels(layer, top, 4), Is.EqualTo(new[] { 0f, 1f, 2f, 10f, 11f, 0f, 1f, 2f }));
        Assert.That(layer.HasBackward, Is.False);
    }

    [Test]
    public void Copies_every_top_from_the_same_row()
    {
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 3), WriteRows("b.h5", 10, 2));
        var (layer, top) = SetUp(Definition(list, 2, "data", "label"));

        layer.Forward([], top);
        layer.Forward([], top);

        // Second batch: rows a2 and b0; data row r is [r, -r].
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new[] { 2f, -2f, 10f, -10f }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 2f, 10f }));
    }

    [Test]
    public void Wraps_around_a_single_file()
    {
        var (layer, top) = SetUp(Definition(WriteList("list.txt", WriteRows("a.h5", 0, 3)), 2, "data", "label"));

        Assert.That(NextLabels(layer, top, 3), Is.EqualTo(new[] { 0f, 1f, 2f, 0f, 1f, 2f }));
    }

    [Test]
    public void Shuffle_with_the_same_seed_gives_the_same_order()
    {
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 5), WriteRows("b.h5", 10, 4), WriteRows("c.h5", 20, 3));
        var first = ShuffledLabels(list, 4, seed: 7, batches: 12);
        var second = ShuffledLabels(list, 4, seed: 7, batches: 12);
        var otherSeed = ShuffledLabels(list, 4, seed: 8, batches: 12);

        Assert.That(second, Is.EqualTo(first));
        Assert.That(otherSeed, Is.Not.EqualTo(first));
    }

    [Test]
    public void Shuffle_serves_every_row_once_per_pass_each_file_whole_and_reorders_between_passes()
    {
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 5), WriteRows("b.h5", 10, 4), WriteRows("c.h5", 20, 3));
        var labels = ShuffledLabels(list, 4, seed: 3, batches: 12);
        var all = new[] { 0f, 1f, 2f, 3f, 4f, 10f, 11f, 12f, 13f, 20f, 21f, 22f };

        var passes = new[] { labels[..12], labels[12..24], labels[24..36], labels[36..] };
        foreach (var pass in passes)
        {
            Assert.That(pass, Is.EquivalentTo(all));

            // One file at a time: the file's rows (same tens digit) are contiguous within a pass.
            var tens = pass.Select(label => (int)label / 10).ToArray();
            Assert.That(tens.Distinct().Count(), Is.EqualTo(tens.Where((t, i) => i == 0 || t != tens[i - 1]).Count()));
        }

        Assert.That(passes.Select(pass => string.Join(',', pass)).Distinct().Count(), Is.GreaterThan(1));
        Assert.That(passes[0], Is.Not.EqualTo(all), "the first pass is shuffled");
    }

    [Test]
    public void Shuffle_reorders_the_rows_of_a_single_file_on_each_pass()
    {
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 8));
        var labels = ShuffledLabels(list, 8, seed: 1, batches: 3);

        Assert.That(labels[..8], Is.EquivalentTo(labels[8..16]));
        Assert.That(labels[8..16], Is.EquivalentTo(labels[16..]));
        Assert.That(new[] { labels[..8], labels[8..16], labels[16..] }.Select(pass => string.Join(',', pass)).Distinct().Count(), Is.GreaterThan(1));
    }

    [Test]
    public void Converts_float64_and_integer_datasets_to_float32()
    {
        var file = WriteH5(
            "a.h5",
            ("data", new[] { 0.1, -2.5, 1e10, 3.25 }, [2, 2]),
            ("label", new[] { -7, 300 }, [2]),
            ("mask", new byte[] { 255, 0 }, [2]),
            ("count", new ulong[] { 5, 6 }, [2]));
        var (layer, top) = SetUp(Definition(WriteList("list.txt", file), 2, "data", "label", "mask", "count"));

        layer.Forward([], top);

        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new[] { 0.1f, -2.5f, 1e10f, 3.25f }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { -7f, 300f }));
        Assert.That(top[2].Data.ToArray(), Is.EqualTo(new[] { 255f, 0f }));
        Assert.That(top[3].Data.ToArray(), Is.EqualTo(new[] { 5f, 6f }));
    }

    [Test]
    public void Converts_every_file_not_just_the_first()
    {
        var first = WriteH5("a.h5", ("data", new[] { 1f, 2f }, [1, 2]));
        var second = WriteH5("b.h5", ("data", new[] { 3.5, 4.5, 5.5, 6.5 }, [2, 2]));
        var (layer, top) = SetUp(Definition(WriteList("list.txt", first, second), 3, "data"));

        layer.Forward([], top);

        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3.5f, 4.5f, 5.5f, 6.5f }));
    }

    [Test]
    public void Source_resolves_against_the_working_directory_first()
    {
        WriteList(Path.Combine("cwd", "list.txt"), WriteRows("a.h5", 0, 2));
        WriteList(Path.Combine("model", "list.txt"), WriteRows("b.h5", 10, 2));
        var definition = Definition("list.txt", 2, "data", "label");
        var origin = Origin.At(new SourcePosition(Path.Combine(_folder, "model", "net.prototxt"), 3, 1));

        var (layer, top) = SetUp(definition, origin: origin);

        Assert.That(NextLabels(layer, top, 1), Is.EqualTo(new[] { 0f, 1f }));
    }

    [Test]
    public void Source_resolves_against_the_model_file_folder_when_not_in_the_working_directory()
    {
        WriteList(Path.Combine("model", "list.txt"), WriteRows("b.h5", 10, 2));
        var definition = Definition("list.txt", 2, "data", "label");
        var origin = Origin.At(new SourcePosition(Path.Combine(_folder, "model", "net.prototxt"), 3, 1));

        var (layer, top) = SetUp(definition, origin: origin);

        Assert.That(NextLabels(layer, top, 1), Is.EqualTo(new[] { 10f, 11f }));
    }

    [Test]
    public void Listed_files_resolve_against_the_working_directory_first_then_the_list_folder()
    {
        WriteRows(Path.Combine("cwd", "a.h5"), 0, 1);
        WriteRows(Path.Combine("lists", "a.h5"), 10, 1);
        WriteRows(Path.Combine("lists", "b.h5"), 20, 1);
        var list = WriteList(Path.Combine("lists", "list.txt"), "a.h5", "  b.h5  ", string.Empty);

        var (layer, top) = SetUp(Definition(list, 2, "data", "label"));

        Assert.That(layer.Files, Is.EqualTo(new[] { Path.Combine(_folder, "cwd", "a.h5"), Path.Combine(_folder, "lists", "b.h5") }));
        Assert.That(NextLabels(layer, top, 1), Is.EqualTo(new[] { 0f, 20f }));
    }

    [Test]
    public void Missing_source_names_both_places_tried()
    {
        var definition = Definition("nowhere.txt", 2, "data");
        var origin = Origin.At(new SourcePosition(Path.Combine(_folder, "model", "net.prototxt"), 7, 3));

        Assert.That(
            SetUpError(definition, origin),
            Is.EqualTo($"{Path.Combine(_folder, "model", "net.prototxt")}(7,3): layer 'data' (HDF5Data): source list 'nowhere.txt' not found "
                + $"(tried '{Path.Combine(_folder, "cwd", "nowhere.txt")}' and '{Path.Combine(_folder, "model", "nowhere.txt")}')"));
    }

    [Test]
    public void Missing_source_without_a_model_file_names_the_working_directory()
    {
        Assert.That(
            SetUpError(Definition("nowhere.txt", 2, "data")),
            Is.EqualTo($"layer 'data' (HDF5Data): source list 'nowhere.txt' not found (tried '{Path.Combine(_folder, "cwd", "nowhere.txt")}')"));
    }

    [Test]
    public void Missing_listed_file_names_both_places_tried()
    {
        var list = WriteList(Path.Combine("lists", "list.txt"), "gone.h5");

        Assert.That(
            SetUpError(Definition(list, 2, "data")),
            Does.EndWith($"HDF5 file 'gone.h5' (listed in '{list}') not found "
                + $"(tried '{Path.Combine(_folder, "cwd", "gone.h5")}' and '{Path.Combine(_folder, "lists", "gone.h5")}')"));
    }

    [Test]
    public void Errors_carry_the_layer_position()
    {
        var definition = Definition(WriteList("list.txt", WriteRows("a.h5", 0, 2)), 0, "data");
        var origin = Origin.At(new SourcePosition("net.prototxt", 14, 3));

        var error = Assert.Throws<LayerNetException>(() => SetUp(definition, origin: origin));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(14,3): layer 'data' (HDF5Data): hdf5_data_param.batch_size must be positive, got 0"));
        Assert.That(error.Position, Is.EqualTo(new SourcePosition("net.prototxt", 14, 3)));
    }

    [Test]
    public void Missing_batch_size_is_an_error()
    {
        var definition = Definition(WriteList("list.txt", WriteRows("a.h5", 0, 2)), 1, "data");
        definition.Hdf5DataParam.ClearBatchSize();

        Assert.That(SetUpError(definition), Does.EndWith("hdf5_data_param.batch_size is required"));
    }

    [Test]
    public void Missing_hdf5_data_param_is_an_error()
    {
        var definition = Definition("list.txt", 1, "data");
        definition.Hdf5DataParam = null;

        Assert.That(SetUpError(definition), Does.EndWith("hdf5_data_param.batch_size is required"));
    }

    [Test]
    public void Empty_source_list_is_an_error()
    {
        var list = WriteList("list.txt", string.Empty, "   ");

        Assert.That(SetUpError(Definition(list, 2, "data")), Does.EndWith($"source list '{list}' lists no HDF5 files"));
    }

    [Test]
    public void Missing_dataset_names_the_file_and_the_dataset()
    {
        var first = WriteRows("a.h5", 0, 2);
        var second = WriteH5("b.h5", ("data", new float[4], [2, 2]));

        Assert.That(
            SetUpError(Definition(WriteList("list.txt", first, second), 2, "data", "label")),
            Is.EqualTo($"layer 'data' (HDF5Data): HDF5 file '{second}' has no dataset 'label' (each top reads the dataset named after it)"));
    }

    [Test]
    public void Dataset_shape_differing_between_files_is_an_error()
    {
        var first = WriteRows("a.h5", 0, 2);
        var second = WriteH5("b.h5", ("data", new float[6], [2, 3]), ("label", new float[2], [2]));

        Assert.That(
            SetUpError(Definition(WriteList("list.txt", first, second), 2, "data", "label")),
            Does.EndWith($"dataset 'data' in '{second}' has rows of shape 3 (3); in '{first}' its rows have shape 2 (2)"));
    }

    [Test]
    public void Datasets_of_a_file_with_different_row_counts_are_an_error()
    {
        var file = WriteH5("a.h5", ("data", new float[6], [3, 2]), ("label", new float[2], [2]));

        Assert.That(
            SetUpError(Definition(WriteList("list.txt", file), 2, "data", "label")),
            Does.EndWith($"datasets in '{file}' have different row counts: 'data' has 3, 'label' has 2"));
    }

    [Test]
    public void Non_numeric_dataset_is_an_error()
    {
        // PureHDF writes strings as variable-length strings.
        var file = WriteH5("a.h5", ("data", new[] { "one", "two" }, [2]));

        Assert.That(
            SetUpError(Definition(WriteList("list.txt", file), 2, "data")),
            Is.EqualTo($"layer 'data' (HDF5Data): dataset 'data' in '{file}' has type VariableLength (16 bytes); HDF5Data reads floating-point and integer datasets"));
    }

    [Test]
    public void A_group_named_like_the_top_is_an_error()
    {
        var path = Path.Combine(_folder, "a.h5");
        new H5File { ["data"] = new H5Group { ["inner"] = new float[] { 1f } } }.Write(path);

        Assert.That(
            SetUpError(Definition(WriteList("list.txt", path), 2, "data")),
            Does.EndWith($"'data' in HDF5 file '{path}' is not a dataset (each top reads the dataset named after it)"));
    }

    [Test]
    public void Transform_param_is_an_error()
    {
        var definition = Definition(WriteList("list.txt", WriteRows("a.h5", 0, 2)), 2, "data");
        definition.TransformParam = new TransformationParameter { Scale = 2f };

        Assert.That(SetUpError(definition), Does.EndWith("HDF5Data does not transform data; remove transform_param"));
    }

    [Test]
    public void A_file_that_is_not_hdf5_is_a_one_line_error_naming_it()
    {
        var path = Path.Combine(_folder, "text.h5");
        File.WriteAllText(path, "this is plain text, long enough to be read as a superblock but not HDF5");

        var message = SetUpError(Definition(WriteList("list.txt", path), 2, "data"));

        Assert.That(message, Does.StartWith($"layer 'data' (HDF5Data): cannot read HDF5 file '{path}': "));
        Assert.That(message, Does.Not.Contain('\n'));
    }

    [Test]
    public void A_truncated_file_is_a_one_line_error_naming_it()
    {
        var path = Path.Combine(_folder, "truncated.h5");
        var bytes = File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "data.h5"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var message = SetUpError(Definition(WriteList("list.txt", path), 2, "x"));

        Assert.That(message, Does.StartWith($"layer 'data' (HDF5Data): cannot read HDF5 file '{path}': "));
        Assert.That(message, Does.Not.Contain('\n'));
    }

    [Test]
    public void Takes_no_bottom()
    {
        var layer = new HDF5DataLayer(Definition(WriteList("list.txt", WriteRows("a.h5", 0, 2)), 2, "data"));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("layer 'data' (HDF5Data): expected 0 bottom blobs, got 1"));
    }

    [Test]
    public void Forward_does_not_allocate_within_a_file()
    {
        // Switching files opens the next one through PureHDF, which allocates; serving rows must not.
        var list = WriteList("list.txt", WriteRows("a.h5", 0, 64), WriteRows("b.h5", 100, 64));
        var (layer, top) = SetUp(Definition(list, 16, "data", "label"));
        layer.Forward([], top);

        var before = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward([], top);
        layer.Forward([], top);
        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.That(after - before, Is.Zero);
    }

    private static LayerParameter Definition(string source, uint batchSize, params string[] tops) =>
        Definition(source, batchSize, tops, shuffle: false);

    private static LayerParameter Definition(string source, uint batchSize, string top0, string top1, bool shuffle) =>
        Definition(source, batchSize, [top0, top1], shuffle);

    private static LayerParameter Definition(string source, uint batchSize, string[] tops, bool shuffle)
    {
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "HDF5Data",
            Hdf5DataParam = new HDF5DataParameter { Source = source, BatchSize = batchSize, Shuffle = shuffle },
        };
        definition.Top.AddRange(tops);
        return definition;
    }

    private static (HDF5DataLayer Layer, Blob[] Top) SetUp(LayerParameter definition, RandomSource? random = null, Origin origin = default)
    {
        var layer = Layer.ConstructAt(origin, () => new HDF5DataLayer(definition));
        if (random is not null)
        {
            layer.Random = random;
        }

        var top = definition.Top.Select(name => new Blob { Name = name }).ToArray();
        layer.SetUp([], top);
        return (layer, top);
    }

    private static string SetUpError(LayerParameter definition, Origin origin = default)
    {
        var error = Assert.Throws<LayerNetException>(() => SetUp(definition, origin: origin));
        return error.Message;
    }

    /// <summary>The label top's values over <paramref name="batches"/> forward passes.</summary>
    private static float[] NextLabels(HDF5DataLayer layer, Blob[] top, int batches)
    {
        var labels = new List<float>();
        for (var i = 0; i < batches; i++)
        {
            layer.Forward([], top);
            labels.AddRange(top[1].Data.ToArray());
        }

        return [.. labels];
    }

    private static float[] ShuffledLabels(string list, uint batchSize, ulong seed, int batches)
    {
        var (layer, top) = SetUp(Definition(list, batchSize, "data", "label", shuffle: true), new RandomSource(seed));
        return NextLabels(layer, top, batches);
    }

    /// <summary>A file of <paramref name="rows"/> rows: label r = first + r, data r = [label, -label].</summary>
    private string WriteRows(string name, int first, int rows)
    {
        var data = new float[rows * 2];
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = first + r;
            data[2 * r] = first + r;
            data[(2 * r) + 1] = -(first + r);
        }

        return WriteH5(name, ("data", data, [(ulong)rows, 2]), ("label", labels, [(ulong)rows]));
    }

    private string WriteH5(string name, params (string Name, Array Values, ulong[] Dimensions)[] datasets)
    {
        var file = new H5File();
        foreach (var (datasetName, values, dimensions) in datasets)
        {
            file[datasetName] = new H5Dataset(values, fileDims: dimensions);
        }

        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file.Write(path);
        return path;
    }

    private string WriteList(string name, params string[] lines)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
        return path;
    }
}
