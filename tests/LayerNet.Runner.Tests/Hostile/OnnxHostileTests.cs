using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using LayerNet.Runner.Tests.Commands;
using Onnx;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// <c>layernet import</c> and <c>layernet export</c> given what a hostile user gives: ONNX files damaged byte by byte
/// or field by field (a seeded fuzz, as <see cref="HostileFuzzTests"/>), models crafted to claim more than they hold
/// or to break the graph's rules, and arguments that name what cannot be written. Whatever the input, the real
/// executable, under the memory bound and the time limit, either works (exit 0) or refuses in one line naming the
/// file (exit 1): no abort, no stack trace, no hang, no file it was given changed, and no OUT_PREFIX.prototxt or
/// OUT_PREFIX.caffemodel left behind by a refusal.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class OnnxHostileTests
{
    private const int DefaultCount = 24;
    private const int DefaultSeed = 1701;
    private const string Model = "model.onnx";

    // A deploy net with a few layer kinds at batch 1: what `layernet export` writes from it is one of the fuzz's models.
    private const string DeployNet = """
        name: "hostile"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 12 dim: 12 } } }
        layer {
          name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } }
        }
        layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
        layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer {
          name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
          convolution_param { num_output: 4 kernel_size: 3 group: 2 weight_filler { type: "xavier" } }
        }
        layer { name: "sum" type: "Eltwise" bottom: "conv2" bottom: "conv2" top: "sum" }
        layer { name: "pool2" type: "Pooling" bottom: "sum" top: "pool2" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
        layer { name: "prob" type: "Softmax" bottom: "ip1" top: "prob" }

        """;

    private static readonly string[] CrashMarkers = ["   at ", "Unhandled exception", "Out of memory.", "Stack overflow.", "Fatal error."];

    // Extreme values the field-by-field damage writes into dims, attributes and shapes.
    private static readonly long[] Extremes = [0, -1, -2, int.MinValue, int.MaxValue, 1L << 31, 1L << 32, 1L << 40, long.MaxValue, long.MinValue, 1_000_000_007];

    private static readonly string[] Operators =
    [
        "Conv", "MaxPool", "AveragePool", "Reshape", "Gather", "Slice", "Split", "Concat", "Identity", "Constant", "ConstantOfShape",
        "Shape", "Flatten", "Unsqueeze", "Squeeze", "Tile", "Gemm", "MatMul", "Softmax", "Pad", "TopK", "Mul", "Div", "If", "Loop", string.Empty,
    ];

    // The fuzz's two models: what `layernet export` writes from DeployNet, and ShapeArithmetic's hand-built graph.
    private byte[][] _bases = [];

    private byte[] _exported = [];
    private string _folder = null!;

    private static int Count => Setting("LAYERNET_HOSTILE_COUNT", DefaultCount);

    private static int Seed => Setting("LAYERNET_HOSTILE_SEED", DefaultSeed);

    [OneTimeSetUp]
    public void MakeTheFuzzModels()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-onnx-base-").FullName;
        try
        {
            var deploy = Path.Combine(folder, "deploy.prototxt");
            var onnx = Path.Combine(folder, Model);
            File.WriteAllText(deploy, DeployNet);
            var run = CommandRun.Run("export", "--model", deploy, "-o", onnx);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            _exported = File.ReadAllBytes(onnx);

            // The undamaged models import: every damage below starts from a model that works.
            var back = CommandRun.Run("import", onnx, Path.Combine(folder, "back"));
            Assert.That(back.ExitCode, Is.EqualTo(0), back.Error);
            var arithmetic = Path.Combine(folder, "arithmetic.onnx");
            File.WriteAllBytes(arithmetic, ShapeArithmetic().ToByteArray());
            var arithmeticBack = CommandRun.Run("import", arithmetic, Path.Combine(folder, "arithmetic"));
            Assert.That(arithmeticBack.ExitCode, Is.EqualTo(0), arithmeticBack.Error);
            _bases = [_exported, File.ReadAllBytes(arithmetic)];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-onnx-hostile-").FullName;
        File.WriteAllText(InFolder("deploy.prototxt"), DeployNet);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    // ---------------------------------------------------------------------------------------------------------------
    // 1. The seeded fuzz: one of the two models damaged, then imported.

    private static IEnumerable<TestCaseData> Attempts() =>
        Enumerable.Range(0, Count).Select(i => new TestCaseData(Seed, i).SetArgDisplayNames($"seed {Seed}, attempt {i}"));

    [TestCaseSource(nameof(Attempts))]
    public void A_damaged_onnx_file_is_imported_or_refused_in_one_line(int seed, int attempt)
    {
        // Not HashCode.Combine, whose values change from one process to the next: seed and attempt reproduce a failure.
        var random = new Random(unchecked((seed * 1_000_003) + attempt));
        var model = random.Next(_bases.Length);
        var (bytes, damage) = Damage(random, _bases[model]);
        damage = $"{(model == 0 ? "exported" : "shape-arithmetic")} model: {damage}";
        File.WriteAllBytes(InFolder(Model), bytes);

        var result = HostileRun.Run(_folder, ["import", Model, "out"]);

        TestContext.Out.WriteLine($"{damage}: exit {result.ExitCode}: {result.Error.Trim()}");
        AssertImportedOrRefused(result, $"seed {seed}, attempt {attempt}: {damage}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. Crafted models: each refused in one line that names the file and what is wrong (or, for a few, imported).

    private static IEnumerable<TestCaseData> CraftedModels()
    {
        TestCaseData Case(string name, Func<ModelProto> build, string? expected) =>
            new TestCaseData(build, expected).SetArgDisplayNames(name);

        // Initializers that claim more than they hold.
        yield return Case("initializer of 10^12 values without data", () => AddOf(Floats("w", [1_000_000, 1_000_000], null)), "tensor 'w' has 1000000000000 values, more than LayerNet holds in one blob");
        yield return Case("initializer of 2^30 floats without data", () => AddOf(Floats("w", [1L << 30], null)), "tensor 'w' holds 0 values, its shape [1073741824] needs 1073741824");
        yield return Case("initializer of 2^30 int64s without data", () => AddOf(Typed("w", TensorProto.Types.DataType.Int64, [1L << 30])), "tensor 'w' holds 0 values, its shape [1073741824] needs 1073741824");
        yield return Case("initializer of 2^30 float16s without data", () => AddOf(Typed("w", TensorProto.Types.DataType.Float16, [1L << 30])), "tensor 'w' holds 0 values, its shape [1073741824] needs 1073741824");
        yield return Case("initializer of 2^29 bytes in 4 bytes of raw_data", () => AddOf(Raw("w", TensorProto.Types.DataType.Uint8, [1L << 29], 4)), "tensor 'w': raw_data holds 4 bytes, its shape [536870912] needs 536870912");
        yield return Case("initializer with a negative dim", () => AddOf(Floats("w", [-1, 4], [1, 2, 3, 4])), "tensor 'w' has dimension -1 on axis 0");
        yield return Case("initializer whose dims overflow int64", () => AddOf(Floats("w", [int.MaxValue, int.MaxValue, int.MaxValue], null)), "tensor 'w' has more values than fit in 64 bits");
        yield return Case("initializer with a zero dim and huge ones", () => AddOf(Floats("w", [0, long.MaxValue, long.MaxValue], null)), "tensor 'w' has dimension 9223372036854775807 on axis 1");
        yield return Case("raw_data shorter than the shape", () => AddOf(Raw("w", TensorProto.Types.DataType.Float, [4], 15)), "tensor 'w': raw_data holds 15 bytes, its shape [4] needs 16");
        yield return Case("raw_data longer than the shape", () => AddOf(Raw("w", TensorProto.Types.DataType.Float, [4], 17)), "tensor 'w': raw_data holds 17 bytes, its shape [4] needs 16");
        yield return Case("float_data longer than the shape", () => AddOf(Floats("w", [2], [1, 2, 3])), "tensor 'w' holds 3 values, its shape [2] needs 2");
        yield return Case("a string initializer", () => AddOf(Typed("w", TensorProto.Types.DataType.String, [1])), "tensor 'w' is of type String");
        yield return Case("external data", ExternalData, "tensor 'w' keeps its values in an external file");

        // The graph's rules.
        yield return Case("a node reading its own output", () => Graph([Input("x", 1, 4)], ["y"], [], Node("Relu", ["y"], ["y"], "self")), "node 'self' (Relu): input 'y' is neither a graph input, an initializer nor the output of an earlier node");
        yield return Case("two nodes reading each other", () => Graph([Input("x", 1, 4)], ["b"], [], Node("Relu", ["b"], ["a"], "first"), Node("Relu", ["a"], ["b"], "second")), "node 'first' (Relu): input 'b' is neither");
        yield return Case("a node reading an undefined value", () => Graph([Input("x", 1, 4)], ["y"], [], Node("Relu", ["nowhere"], ["y"], "r")), "node 'r' (Relu): input 'nowhere' is neither");
        yield return Case("two nodes writing one value", () => Graph([Input("x", 1, 4)], ["y"], [], Node("Relu", ["x"], ["y"], "a"), Node("Sigmoid", ["x"], ["y"], "b")), "node 'b' (Sigmoid): output 'y' is already written by node 'a' (Relu); each ONNX value has one writer");
        yield return Case("a node writing a graph input", () => Graph([Input("x", 1, 4)], ["x"], [], Node("Relu", ["x"], ["x"], "r")), "node 'r' (Relu): output 'x' is already a graph input");
        yield return Case("a node writing an initializer", () => Graph([Input("x", 1, 4)], ["y"], [Floats("c", [4], [1, 2, 3, 4])], Node("Relu", ["x"], ["c"], "r"), Node("Add", ["x", "c"], ["y"], "add")), "node 'r' (Relu): output 'c' is already an initializer");
        yield return Case("a graph output nothing writes", () => Graph([Input("x", 1, 4)], ["y", "ghost"], [], Node("Relu", ["x"], ["y"], "r")), "graph output 'ghost' is not computed by any node");
        yield return Case("an empty graph", () => ModelOf(new GraphProto()), "the graph has no outputs");
        yield return Case("a node without an operator", () => Graph([Input("x", 1, 4)], ["y"], [], Node(string.Empty, ["x"], ["y"], "blank")), "node 'blank' (): it has no operator (op_type is empty)");
        yield return Case("a node without outputs", () => Graph([Input("x", 1, 4)], ["x"], [], Node("Relu", ["x"], [], "r")), "node 'r' (Relu): its first output has no name");
        yield return Case("a graph input without a name", () => Graph([Input(string.Empty, 1, 4)], ["y"], [], Node("Relu", [string.Empty], ["y"], "r")), "a graph input has no name");
        yield return Case("a graph input listed twice", () => Graph([Input("x", 1, 4), Input("x", 1, 4)], ["y"], [], Node("Relu", ["x"], ["y"], "r")), "graph input 'x' is listed twice");
        yield return Case("an initializer given twice", () => Graph([Input("x", 1, 4)], ["y"], [Floats("c", [4], [1, 2, 3, 4]), Floats("c", [4], [5, 6, 7, 8])], Node("Add", ["x", "c"], ["y"], "add")), "initializer 'c' is given twice");
        yield return Case("a model without a standard opset", () => WithoutOpset(Graph([Input("x", 1, 4)], ["y"], [], Node("Relu", ["x"], ["y"], "r"))), "the model imports no version of the standard operator set");
        yield return Case("a nested subgraph 20 deep", () => Graph([Input("x", 1, 4)], ["y"], [], Nested(20)), "node 'if0' (If): no Caffe layer computes it");

        // Convolutions.
        yield return Case("Conv kernel_shape 0", () => Conv([4, 4, 0, 0], Ints("kernel_shape", 0, 0)), "node 'conv' (Conv): ");
        yield return Case("Conv strides 0", () => Conv([4, 4, 3, 3], Ints("strides", 0, 0)), "node 'conv' (Conv): strides [0, 0] are not 2 positive values");
        yield return Case("Conv negative strides", () => Conv([4, 4, 3, 3], Ints("strides", -1, -1)), "node 'conv' (Conv): strides [-1, -1] are not 2 positive values");
        yield return Case("Conv negative pads", () => Conv([4, 4, 3, 3], Ints("pads", -1, -1, -1, -1)), "node 'conv' (Conv): pads [-1, -1, -1, -1] are not 4 non-negative values");
        yield return Case("Conv dilations 0", () => Conv([4, 4, 3, 3], Ints("dilations", 0, 0)), "node 'conv' (Conv): dilations [0, 0] are not 2 positive values");
        yield return Case("Conv negative dilations", () => Conv([4, 4, 3, 3], Ints("dilations", -2, 1)), "node 'conv' (Conv): dilations [-2, 1] are not 2 positive values");
        yield return Case("Conv huge strides", () => Conv([4, 4, 3, 3], Ints("strides", long.MaxValue, long.MaxValue)), "node 'conv' (Conv): strides [9223372036854775807, 9223372036854775807] are not 2 positive values");
        yield return Case("Conv group 0", () => Conv([4, 4, 3, 3], Int("group", 0)), "node 'conv' (Conv): group 0 is not a positive divisor of the input's 4 channels");
        yield return Case("Conv group -1", () => Conv([4, 4, 3, 3], Int("group", -1)), "node 'conv' (Conv): group -1 is not a positive divisor");
        yield return Case("Conv group 3 of 4 channels", () => Conv([3, 1, 3, 3], Int("group", 3)), "node 'conv' (Conv): group 3 is not a positive divisor of the input's 4 channels");
        yield return Case("Conv group 2^32", () => Conv([4, 4, 3, 3], Int("group", 1L << 32)), "node 'conv' (Conv): group 4294967296 is not a positive divisor");
        yield return Case("Conv kernel_shape given as a float", () => Conv([4, 4, 3, 3], Float("kernel_shape", 3f)), "node 'conv' (Conv): attribute 'kernel_shape' is a FLOAT, where ONNX defines INTS");
        yield return Case("MaxPool kernel_shape given as a float", () => Pool("MaxPool", Float("kernel_shape", 2f)), "node 'pool' (MaxPool): attribute 'kernel_shape' is a FLOAT, where ONNX defines INTS");
        yield return Case("MaxPool strides 0", () => Pool("MaxPool", Ints("kernel_shape", 2, 2), Ints("strides", 0, 0)), "node 'pool' (MaxPool): strides [0, 0] are not 2 positive values");
        yield return Case("AveragePool kernel 0", () => Pool("AveragePool", Ints("kernel_shape", 0, 0)), "node 'pool' (AveragePool): kernel_shape [0, 0] are not 2 positive values");

        // Shapes.
        yield return Case("Reshape to several -1", () => Reshape(-1, -1), "node 'reshape' (Reshape): ");
        yield return Case("Reshape to a product that differs", () => Reshape(3, 7), "node 'reshape' (Reshape): ");
        yield return Case("Reshape of a constant to several -1", () => ConstantReshape(-1, -1), "node 'reshape' (Reshape): the shape [-1, -1] has more than one -1");
        yield return Case("Reshape of a constant to a product that differs", () => ConstantReshape(3, 7), "node 'reshape' (Reshape): the shape [3, 7] does not hold the 4 values of the constant");
        yield return Case("Reshape of a constant to a negative dim", () => ConstantReshape(-2, -2), "node 'reshape' (Reshape): the shape [-2, -2] has a dimension below -1");
        yield return Case("Gather of an absurd index", () => GatherOfShape(1L << 40), "node 'gather' (Gather): index 1099511627776 is out of range for axis 0 of size 2");
        yield return Case("Gather of the lowest index", () => GatherOfShape(long.MinValue), "node 'gather' (Gather): index -9223372036854775808 is out of range");
        yield return Case("Gather on an axis beyond int", () => GatherOfShape(0, axis: 1L << 32), "node 'gather' (Gather): axis 4294967296 is out of range");
        yield return Case("Slice with absurd starts and ends", () => Slice([long.MinValue], [long.MaxValue], [1]), null);
        yield return Case("Slice to nothing", () => Slice([long.MaxValue], [long.MinValue], [1]), "node 'slice' (Slice): the slice");
        yield return Case("Slice with axis 2^32", () => Slice([0], [1], [1L << 32]), "node 'slice' (Slice): axis 4294967296 is out of range");
        yield return Case("Slice of a constant with step 0", () => ConstantSlice(step: 0), "node 'slice' (Slice): step 0");
        yield return Case("Slice of a constant without ends", () => ConstantSlice(step: 1, withEnds: false), "node 'slice' (Slice): the ends are missing");
        yield return Case("Split whose sizes do not add up", () => Split(1, 1), "node 'split' (Split): the split sizes [1, 1] are not 2 positive sizes adding up to axis 1 of the input [1, 4]");
        yield return Case("Split whose sizes overflow", () => Split(long.MaxValue, long.MaxValue), "node 'split' (Split): the split sizes [9223372036854775807, 9223372036854775807] are not 2 positive sizes");
        yield return Case("Concat of blobs of mismatched shapes", ConcatOfBlobs, "node 'concat' (Concat): ");
        yield return Case("Concat of constants of mismatched shapes", ConcatOfConstants, "node 'concat' (Concat): the constants of shapes [2, 2], [3, 3] do not concatenate on axis 0");
        yield return Case("ConstantOfShape of 2^30 values", () => ConstantOfShape(1L << 15, 1L << 15), "node 'fill' (ConstantOfShape): it would hold 1073741824 values");
        yield return Case("ConstantOfShape of 2^64 values", () => ConstantOfShape(1L << 32, 1L << 32), "node 'fill' (ConstantOfShape): the shape [4294967296, 4294967296] has more values than");
        yield return Case("ConstantOfShape of a negative shape", () => ConstantOfShape(-4, 4), "node 'fill' (ConstantOfShape): the shape [-4, 4] has a negative dimension");
        yield return Case("a constant broadcast to 2^30 values", BroadcastBomb, "node 'outer' (Mul): it would hold 1073741824 values");
        yield return Case("a constant doubled by 40 Concats", DoublingChain, "node 'concat9' (Concat): the constants computed during the import would hold");
        yield return Case("a Concat of one constant 10000 times", RepeatedConcat, "node 'concat' (Concat): it would hold 655360000 values");
        yield return Case("a graph input of 2^31 elements", () => Graph([Input("x", 1L << 16, 1L << 15)], ["y"], [], Node("Relu", ["x"], ["y"], "r")), "graph input 'x' of shape [65536, 32768] has 2147483648 elements");
        yield return Case("a graph input with a dim beyond int", () => Graph([Input("x", 1L << 31, 1)], ["y"], [], Node("Relu", ["x"], ["y"], "r")), "graph input 'x' has dimension 2147483648 on axis 0");
        yield return Case("Tile to 2^33 elements", () => TileBomb(1L << 20, 1L << 11), "node 'tile' (Tile): ");
        yield return Case("Tile to 2^30 elements", () => TileBomb(1L << 14, 1L << 14), "node 'tile' (Tile): ");
        yield return Case("AveragePool over 2^31 - 57 elements", HugeAveragePool, "node 'pool' (AveragePool): ");
        yield return Case("Conv whose columns exceed an array", HugeColumns, "node 'conv' (Conv): Caffe's Convolution layer refuses the mapping: layer 'conv' (Convolution): bottom 'x' of shape 1 1 2048 2048 (4194304): the convolution's columns would hold 4030726144 floats");
        yield return Case("ConvTranspose with absurd strides", HugeDeconvolution, "node 'deconv' (ConvTranspose): its output on spatial axis 0 would have");
        yield return Case("Unsqueeze of a constant on a repeated axis", () => ConstantUnsqueeze(0, 0), "node 'unsqueeze' (Unsqueeze): axis 0 is out of range or repeated");
        yield return Case("Flatten of a constant on an axis out of range", ConstantFlatten, "node 'flatten' (Flatten): axis 9 is out of range");
    }

    [TestCaseSource(nameof(CraftedModels))]
    public void A_crafted_model_is_refused_in_one_line_naming_the_file(Func<ModelProto> build, string? expected)
    {
        File.WriteAllBytes(InFolder(Model), build().ToByteArray());

        var result = HostileRun.Run(_folder, ["import", Model, "out"]);

        TestContext.Out.WriteLine($"exit {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s: {result.Error.Trim()}");
        if (expected is null)
        {
            AssertImportedOrRefused(result, TestContext.CurrentContext.Test.Name);
        }
        else
        {
            result.AssertRefused($"{Model}: {expected}");
        }
    }

    [Test]
    public void A_subgraph_nested_beyond_the_parser_limit_is_one_line()
    {
        File.WriteAllBytes(InFolder(Model), DeeplyNested(3000));

        var result = HostileRun.Run(_folder, ["import", Model, "out"]);

        result.AssertRefused($"{Model}: not a valid ONNX model (");
    }

    [Test]
    public void A_hundred_thousand_identity_nodes_import_in_seconds()
    {
        var graph = new GraphProto { Name = "identities" };
        graph.Input.Add(Input("x", 1, 4));
        var previous = "x";
        for (var i = 0; i < 100_000; i++)
        {
            var next = $"v{i}";
            graph.Node.Add(Node("Identity", [previous], [next], $"id{i}"));
            previous = next;
        }

        graph.Output.Add(new ValueInfoProto { Name = previous });
        File.WriteAllBytes(InFolder(Model), ModelOf(graph).ToByteArray());

        var result = HostileRun.Run(_folder, ["import", Model, "out"]);

        result.AssertSucceeded();
        Assert.Multiple(() =>
        {
            Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "quadratic in the number of nodes?");
            Assert.That(result.Output, Does.Contain("100,000 nodes").Or.Contain("100000 nodes"));
        });
    }

    [Test]
    public void A_hundred_thousand_relu_nodes_import_in_seconds()
    {
        var graph = new GraphProto { Name = "relus" };
        graph.Input.Add(Input("x", 1, 4));
        var previous = "x";
        for (var i = 0; i < 100_000; i++)
        {
            var next = $"v{i}";
            graph.Node.Add(Node("Relu", [previous], [next], "same name"));
            previous = next;
        }

        graph.Output.Add(new ValueInfoProto { Name = previous });
        File.WriteAllBytes(InFolder(Model), ModelOf(graph).ToByteArray());

        var result = HostileRun.Run(_folder, ["import", Model, "out"], limit: TimeSpan.FromSeconds(120));

        result.AssertSucceeded();
        Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "quadratic in the number of nodes?");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Import's arguments.

    [TestCase("x=2147483647,4", "graph input 'x' of shape [2147483647, 4] has 8589934588 elements, more than a blob holds")]
    [TestCase("x=100000000,4", "node 'r' (Relu): input 'x' [100000000, 4]: blob 'x' of shape 100000000 4 (400000000)")]
    [TestCase("x=99999999999,4", "--input 'x=99999999999,4': dimension '99999999999' is not a positive integer")]
    [TestCase("x=1,5", "the input shape [1, 5] given for 'x' disagrees with the model's [N, 4]")]
    [TestCase("nosuch=1,4", "the input shapes name 'nosuch', which is not an input of the graph")]
    public void Import_input_shapes_that_cannot_be_are_one_line(string shape, string expected)
    {
        var graph = Graph([SymbolicBatch("x", 4)], ["y"], [], Node("Relu", ["x"], ["y"], "r")).Graph;
        File.WriteAllBytes(InFolder(Model), ModelOf(graph).ToByteArray());

        var result = HostileRun.Run(_folder, ["import", Model, "out", "--input", shape]);

        result.AssertRefused(expected);
    }

    [Test]
    public void Import_whose_weights_cannot_be_written_leaves_no_net_behind()
    {
        File.WriteAllBytes(InFolder(Model), _exported);
        Directory.CreateDirectory(InFolder("out.caffemodel"));

        var result = HostileRun.Run(_folder, ["import", Model, "out"]);

        result.AssertRefused("cannot write 'out.caffemodel': it is a folder, expected a file");
    }

    [Test]
    public void Import_whose_weights_cannot_be_written_keeps_the_net_that_was_there()
    {
        File.WriteAllBytes(InFolder(Model), _exported);
        File.WriteAllText(InFolder("out.prototxt"), "the user's own net\n");
        MakeFifo("out.caffemodel");

        var result = HostileRun.Run(_folder, ["import", Model, "out"], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused("cannot write 'out.caffemodel': it is a FIFO and nothing reads it");
        Assert.That(File.ReadAllText(InFolder("out.prototxt")), Is.EqualTo("the user's own net\n"));
    }

    [Test]
    public void Import_onto_dev_full_is_one_line()
    {
        File.WriteAllBytes(InFolder(Model), _exported);
        File.CreateSymbolicLink(InFolder("out.caffemodel"), "/dev/full");

        var result = HostileRun.Run(_folder, ["import", Model, "out"], watched: ["/dev/full"]);

        result.AssertRefused("cannot write 'out.caffemodel': No space left on device");
    }

    [Test]
    public void Import_into_a_missing_folder_is_one_line()
    {
        File.WriteAllBytes(InFolder(Model), _exported);

        var result = HostileRun.Run(_folder, ["import", Model, "none/out"]);

        result.AssertRefused("cannot write 'none/out.prototxt': folder");
    }

    [TestCase("model")]
    [TestCase("model.onnx")]
    public void Import_onto_its_own_model_is_refused(string prefix)
    {
        // OUT_PREFIX "model" with the model named model.prototxt, or model.onnx.caffemodel a link to it.
        File.WriteAllBytes(InFolder("model.prototxt"), _exported);
        File.WriteAllBytes(InFolder(Model), _exported);
        File.CreateSymbolicLink(InFolder("model.onnx.caffemodel"), Model);
        var input = prefix == "model" ? "model.prototxt" : Model;

        var result = HostileRun.Run(_folder, ["import", input, prefix]);

        result.AssertRefused("OUT_PREFIX '");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Export's arguments.

    [TestCase("0", "--opset 0: LayerNet writes operator sets 13 to 21")]
    [TestCase("-1", "--opset")]
    [TestCase("2147483647", "--opset 2147483647: LayerNet writes operator sets 13 to 21")]
    [TestCase("2147483648", "layernet export: Cannot parse argument '2147483648' for option '--opset'")]
    [TestCase("99999999999999999999999", "layernet export: Cannot parse argument '99999999999999999999999' for option '--opset'")]
    [TestCase("1e3", "layernet export: Cannot parse argument '1e3' for option '--opset'")]
    [TestCase("", "layernet export: Cannot parse argument '' for option '--opset'")]
    public void Export_with_an_absurd_opset_is_one_line(string opset, string expected)
    {
        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "out.onnx", "--opset", opset]);

        result.AssertRefused(expected);
    }

    [TestCase("data=99999999,99999999")]
    [TestCase("data=1,3,99999999,99999999")]
    [TestCase("data=2147483647,3,12,12")]
    [TestCase("data=1,3,20000,20000")]
    [TestCase("data=1,3,1,1")]
    public void Export_with_an_input_shape_that_cannot_be_is_one_line(string shape)
    {
        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "out.onnx", "--input", shape]);

        result.AssertRefused($"--input {shape}");
    }

    [Test]
    public void Export_with_an_input_whose_convolution_columns_exceed_an_array_is_one_line()
    {
        // 16 MiB of input, within the memory bound; a 31 x 31 kernel over it needs 2^32 floats of columns, which an
        // int product wrapped to a negative length (an ArgumentOutOfRangeException and a stack trace).
        File.WriteAllText(InFolder("wide.prototxt"), """
            name: "wide"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 32 dim: 32 } } }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 1 kernel_size: 31 pad: 15 } }

            """);

        var result = HostileRun.Run(_folder, ["export", "--model", "wide.prototxt", "-o", "out.onnx", "--input", "data=1,1,2048,2048"]);

        result.AssertRefused("wide.prototxt with --input data=1,1,2048,2048: wide.prototxt(3,1): layer 'conv' (Convolution): bottom 'data' of shape 1 1 2048 2048 (4194304): the convolution's columns would hold 4030726144 floats, more than one array holds");
    }

    [Test]
    public void Export_onto_a_folder_is_one_line()
    {
        Directory.CreateDirectory(InFolder("out.onnx"));

        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "out.onnx"]);

        Assert.That(result.ErrorLines.Where(line => !line.StartsWith("note: ", StringComparison.Ordinal)), Is.EqualTo(new[] { "cannot write 'out.onnx': it is a folder, expected a file" }), result.Error);
        AssertExitedOneAndKept(result);
    }

    [Test]
    public void Export_onto_a_fifo_nothing_reads_is_one_line_at_once()
    {
        MakeFifo("out.onnx");

        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "out.onnx"], limit: TimeSpan.FromSeconds(30));

        Assert.That(result.ErrorLines.Where(line => !line.StartsWith("note: ", StringComparison.Ordinal)), Is.EqualTo(new[] { "cannot write 'out.onnx': it is a FIFO and nothing reads it; start the reader first, or give a file" }), result.Error);
        AssertExitedOneAndKept(result);
        Assert.That(FileSnapshot.Kind(InFolder("out.onnx")), Is.EqualTo("fifo"));
    }

    [Test]
    public void Export_onto_dev_full_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "/dev/full"], watched: ["/dev/full"]);

        Assert.That(result.ErrorLines.Where(line => !line.StartsWith("note: ", StringComparison.Ordinal)), Is.EqualTo(new[] { "cannot write '/dev/full': No space left on device" }), result.Error);
        AssertExitedOneAndKept(result);
    }

    [TestCase("weights.caffemodel", "weights.caffemodel")]
    [TestCase("other.caffemodel,weights.caffemodel", "weights.caffemodel")]
    [TestCase("weights.caffemodel", "link.caffemodel")]
    public void Export_onto_its_weights_file_is_refused_and_the_file_kept(string weights, string output)
    {
        File.WriteAllBytes(InFolder("weights.caffemodel"), new Caffe.NetParameter { Name = "hostile" }.ToByteArray());
        File.WriteAllBytes(InFolder("other.caffemodel"), new Caffe.NetParameter { Name = "hostile" }.ToByteArray());
        File.CreateSymbolicLink(InFolder("link.caffemodel"), "weights.caffemodel");

        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "--weights", weights, "-o", output]);

        result.AssertRefused($"--output '{output}' is the weights file 'weights.caffemodel'");
    }

    [Test]
    public void Export_onto_its_model_file_is_refused()
    {
        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", "deploy.prototxt"]);

        result.AssertRefused("--output 'deploy.prototxt' is the model file 'deploy.prototxt'");
    }

    [Test]
    public void Export_to_an_empty_path_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["export", "--model", "deploy.prototxt", "-o", string.Empty]);

        result.AssertRefused("--output '': give the path of a file to write");
    }

    [Test]
    public void Export_of_an_empty_model_path_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["export", "--model", string.Empty, "-o", "out.onnx"]);

        result.AssertRefused("cannot read '': ");
    }

    [Test]
    public void Import_of_an_empty_model_path_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["import", string.Empty, "out"]);

        result.AssertRefused("cannot read '': no such file");
    }

    [Test]
    public void Export_of_an_onnx_file_as_the_model_is_one_line()
    {
        File.WriteAllBytes(InFolder(Model), _exported);

        var result = HostileRun.Run(_folder, ["export", "--model", Model, "-o", "out.onnx"]);

        result.AssertRefused(Model);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Assertions.

    // Exit 0, or exit 1 with one line naming the model; never a crash; the model unchanged; on refusal nothing written.
    private void AssertImportedOrRefused(HostileResult result, string what)
    {
        var describe = $"{what}\nexit {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s\nstderr: {result.Error}";
        Assert.Multiple(() =>
        {
            Assert.That(result.TimedOut, Is.False, $"hung: {describe}");
            Assert.That(result.ExitCode, Is.EqualTo(0).Or.EqualTo(1), describe);
            foreach (var marker in CrashMarkers)
            {
                Assert.That(result.Error + result.Output, Does.Not.Contain(marker), describe);
            }

            if (result.ExitCode == 0)
            {
                var changed = result.After.Differences(result.Before).Where(line => !line.Contains(": missing -> file", StringComparison.Ordinal));
                Assert.That(changed, Is.Empty, describe);
                Assert.That(File.Exists(InFolder("out.prototxt")) && File.Exists(InFolder("out.caffemodel")), Is.True, describe);
            }
            else
            {
                Assert.That(result.ErrorLines, Has.Length.EqualTo(1), describe);
                Assert.That(result.Error, Does.StartWith($"{Model}: ").Or.Contain($"'{Model}'"), describe);
                Assert.That(result.After.Differences(result.Before), Is.Empty, describe);
            }
        });
    }

    private static void AssertExitedOneAndKept(HostileResult result)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.TimedOut, Is.False, result.Error);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Error);
            foreach (var marker in CrashMarkers)
            {
                Assert.That(result.Error + result.Output, Does.Not.Contain(marker));
            }

            result.AssertFilesKept();
        });
    }

    private string InFolder(string name) => Path.Combine(_folder, name);

    private void MakeFifo(string name)
    {
        using var process = Process.Start("mkfifo", [InFolder(name)]);
        process.WaitForExit();
        Assert.That(FileSnapshot.Kind(InFolder(name)), Is.EqualTo("fifo"), "mkfifo failed");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The fuzz's damage.

    // Damages the model as a failing disk, a hostile user or a broken writer would; returns the bytes and what was done.
    private static (byte[] Bytes, string Damage) Damage(Random random, byte[] model)
    {
        var bytes = (byte[])model.Clone();
        switch (random.Next(8))
        {
            case 0:
                var cut = random.Next(bytes.Length + 1);
                return (bytes[..cut], $"cut to {cut} of {bytes.Length} bytes");
            case 1:
                var flips = 1 + random.Next(8);
                for (var i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return (bytes, $"{flips} bits flipped");
            case 2:
                var from = random.Next(bytes.Length);
                var length = 1 + random.Next(Math.Min(4096, bytes.Length - from));
                var at = random.Next(bytes.Length + 1);
                return ([.. bytes[..at], .. bytes.AsSpan(from, length), .. bytes[at..]], $"{length} bytes from {from} duplicated at {at}");
            case 3:
                var noise = new byte[1 + random.Next(256)];
                random.NextBytes(noise);
                var place = random.Next(bytes.Length + 1);
                return ([.. bytes[..place], .. noise, .. bytes[place..]], $"{noise.Length} random bytes inserted at {place}");
            case 4:
                // A length-delimited field claiming far more bytes than follow.
                var field = 1 + random.Next(20);
                var claim = (ulong)Extremes[random.Next(Extremes.Length)];
                var where = random.Next(bytes.Length + 1);
                byte[] header = [.. Varint((ulong)((field << 3) | 2)), .. Varint(claim)];
                return ([.. bytes[..where], .. header, .. bytes[where..]], $"field {field} claiming {claim} bytes inserted at {where}");
            case 5:
                // A varint claiming a huge value written over the bytes at a random place (often a length).
                var over = random.Next(bytes.Length);
                var huge = Varint((ulong)Extremes[random.Next(Extremes.Length)]);
                huge.AsSpan(0, Math.Min(huge.Length, bytes.Length - over)).CopyTo(bytes.AsSpan(over));
                return (bytes, $"varint of {huge.Length} bytes written at {over}");
            default:
                var parsed = ModelProto.Parser.ParseFrom(model);
                var damage = DamageFields(random, parsed);
                return (parsed.ToByteArray(), damage);
        }
    }

    // Damages the parsed model field by field, past what the parser checks, into what the importer must check.
    private static string DamageFields(Random random, ModelProto model)
    {
        var graph = model.Graph;
        var extreme = Extremes[random.Next(Extremes.Length)];
        var node = graph.Node[random.Next(graph.Node.Count)];
        var names = graph.Node.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name)).Concat(graph.Initializer.Select(i => i.Name)).Append("nowhere").ToList();
        switch (random.Next(8))
        {
            case 0:
                var tensor = graph.Initializer[random.Next(graph.Initializer.Count)];
                var axis = random.Next(tensor.Dims.Count + 1);
                if (axis == tensor.Dims.Count)
                {
                    tensor.Dims.Add(extreme);
                }
                else
                {
                    tensor.Dims[axis] = extreme;
                }

                return $"initializer '{tensor.Name}' dim {axis} made {extreme}";
            case 1:
                var withInts = graph.Node.Where(n => n.Attribute.Count > 0).ToList();
                if (withInts.Count == 0)
                {
                    goto default;
                }

                var target = withInts[random.Next(withInts.Count)];
                var attribute = target.Attribute[random.Next(target.Attribute.Count)];
                if (attribute.Ints.Count > 0)
                {
                    attribute.Ints[random.Next(attribute.Ints.Count)] = extreme;
                }
                else
                {
                    attribute.I = extreme;
                    attribute.F = (float)extreme;
                }

                return $"node '{target.Name}' attribute '{attribute.Name}' given {extreme}";
            case 2:
                var input = random.Next(node.Input.Count + 1);
                var name = names[random.Next(names.Count)];
                if (input == node.Input.Count)
                {
                    node.Input.Add(name);
                }
                else
                {
                    node.Input[input] = name;
                }

                return $"node '{node.Name}' input {input} made '{name}'";
            case 3:
                var op = Operators[random.Next(Operators.Length)];
                var was = node.OpType;
                node.OpType = op;
                return $"node '{node.Name}' ({was}) made a {op}";
            case 4:
                var index = graph.Node.IndexOf(node);
                if (random.Next(2) == 0)
                {
                    graph.Node.RemoveAt(index);
                    return $"node '{node.Name}' removed";
                }

                graph.Node.Insert(random.Next(graph.Node.Count + 1), node.Clone());
                return $"node '{node.Name}' duplicated";
            case 5:
                var raw = graph.Initializer[random.Next(graph.Initializer.Count)];
                if (raw.RawData.Length == 0)
                {
                    // Values in the typed fields: one more, or one fewer, than the dims claim.
                    var more = random.Next(2) == 0;
                    raw.FloatData.Add(1f);
                    raw.Int64Data.Add(1);
                    if (!more)
                    {
                        raw.FloatData.Clear();
                        raw.Int64Data.Clear();
                    }

                    return $"initializer '{raw.Name}' typed values {(more ? "one too many" : "removed")}";
                }

                var keep = random.Next(raw.RawData.Length + 1);
                raw.RawData = ByteString.CopyFrom(raw.RawData.Span[..keep]);
                return $"initializer '{raw.Name}' raw_data cut to {keep} bytes";
            case 6:
                var dims = graph.Input[0].Type.TensorType.Shape.Dim;
                var dim = random.Next(dims.Count);
                dims[dim].DimValue = extreme;
                return $"graph input dim {dim} made {extreme}";
            default:
                var value = node.Output[0];
                var other = names[random.Next(names.Count)];
                node.Output[0] = other;
                return $"node '{node.Name}' output '{value}' renamed '{other}'";
        }
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Crafted models.

    private static ModelProto ModelOf(GraphProto graph, long opset = 13)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "OnnxHostileTests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    private static ModelProto Graph(ValueInfoProto[] inputs, string[] outputs, TensorProto[] initializers, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "crafted" };
        graph.Input.AddRange(inputs);
        graph.Initializer.AddRange(initializers);
        graph.Node.AddRange(nodes);
        graph.Output.AddRange(outputs.Select(name => new ValueInfoProto { Name = name }));
        return ModelOf(graph);
    }

    private static ModelProto WithoutOpset(ModelProto model)
    {
        model.OpsetImport.Clear();
        return model;
    }

    private static ValueInfoProto Input(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    private static ValueInfoProto SymbolicBatch(string name, long channels)
    {
        var info = Input(name, 1, channels);
        info.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        return info;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static TensorProto Floats(string name, long[] dims, float[]? values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values ?? []);
        return tensor;
    }

    private static TensorProto Typed(string name, TensorProto.Types.DataType type, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static TensorProto Raw(string name, TensorProto.Types.DataType type, long[] dims, int bytes)
    {
        var tensor = Typed(name, type, dims);
        tensor.RawData = ByteString.CopyFrom(new byte[bytes]);
        return tensor;
    }

    private static TensorProto Int64s(string name, params long[] values)
    {
        var tensor = Typed(name, TensorProto.Types.DataType.Int64, [values.Length]);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    // A graph that imports, with what exporters write around a convolution: a Pad folded into it, the batch read off
    // Shape and Gather into a Reshape's target, a Split, an Add of two blobs, a Gemm and a Softmax.
    private static ModelProto ShapeArithmetic()
    {
        var random = new Random(15);
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() - 0.5f)];
        var scalarZero = Typed("zero", TensorProto.Types.DataType.Int64, []);
        scalarZero.Int64Data.Add(0);
        return Graph(
            [Input("x", 1, 4, 8, 8)],
            ["y"],
            [
                Int64s("pads", 0, 0, 1, 1, 0, 0, 1, 1), Floats("w", [4, 4, 3, 3], Values(144)), Floats("b", [4], Values(4)), scalarZero,
                Int64s("axes", 0), Int64s("rest", -1), Int64s("halves", 32, 32), Floats("fc", [8, 32], Values(256)), Floats("fcb", [8], Values(8)),
            ],
            Node("Pad", ["x", "pads"], ["padded"], "pad"),
            Node("Conv", ["padded", "w", "b"], ["conv"], "conv", Ints("kernel_shape", 3, 3)),
            Node("Relu", ["conv"], ["relu"], "relu"),
            Node("MaxPool", ["relu"], ["pool"], "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)),
            Node("Shape", ["pool"], ["shape"], "shape"),
            Node("Gather", ["shape", "zero"], ["batch"], "batch", Int("axis", 0)),
            Node("Unsqueeze", ["batch", "axes"], ["batch1"], "unsqueeze"),
            Node("Concat", ["batch1", "rest"], ["target"], "target", Int("axis", 0)),
            Node("Reshape", ["pool", "target"], ["flat"], "flatten"),
            Node("Split", ["flat", "halves"], ["left", "right"], "split", Int("axis", 1)),
            Node("Add", ["left", "right"], ["sum"], "sum"),
            Node("Gemm", ["sum", "fc", "fcb"], ["dense"], "dense", Int("transB", 1)),
            Node("Softmax", ["dense"], ["y"], "softmax", Int("axis", -1)));
    }

    // x + w, with w the initializer under test.
    private static ModelProto AddOf(TensorProto initializer) =>
        Graph([Input("x", 1, 4)], ["y"], [initializer], Node("Add", ["x", initializer.Name], ["y"], "add"));

    private static ModelProto ExternalData()
    {
        var tensor = Typed("w", TensorProto.Types.DataType.Float, [4]);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "99999999999" });
        return AddOf(tensor);
    }

    private static ModelProto Conv(long[] weightDims, params AttributeProto[] attributes)
    {
        var weight = Floats("w", weightDims, new float[Math.Max(0, weightDims.Aggregate(1L, (a, b) => a * b))]);
        return Graph([Input("x", 1, 4, 8, 8)], ["y"], [weight], Node("Conv", ["x", "w"], ["y"], "conv", attributes));
    }

    private static ModelProto Pool(string op, params AttributeProto[] attributes) =>
        Graph([Input("x", 1, 4, 8, 8)], ["y"], [], Node(op, ["x"], ["y"], "pool", attributes));

    private static ModelProto Reshape(params long[] shape) =>
        Graph([Input("x", 1, 4)], ["y"], [Int64s("shape", shape)], Node("Reshape", ["x", "shape"], ["y"], "reshape"));

    // A constant reshaped, then added to the input: the Reshape is computed during the import.
    private static ModelProto ConstantReshape(params long[] shape) =>
        Graph(
            [Input("x", 2, 2)],
            ["y"],
            [Floats("c", [4], [1, 2, 3, 4]), Int64s("shape", shape)],
            Node("Reshape", ["c", "shape"], ["r"], "reshape"),
            Node("Add", ["x", "r"], ["y"], "add"));

    // Shape(x)[index] (x of rank 2) as the batch of a Reshape.
    private static ModelProto GatherOfShape(long index, long axis = 0) =>
        Graph(
            [Input("x", 2, 4)],
            ["y"],
            [Int64s("index", index), Int64s("rest", 4)],
            Node("Shape", ["x"], ["shape"], "shape"),
            Node("Gather", ["shape", "index"], ["batch"], "gather", Int("axis", axis)),
            Node("Concat", ["batch", "rest"], ["target"], "concat", Int("axis", 0)),
            Node("Reshape", ["x", "target"], ["y"], "reshape"));

    private static ModelProto Slice(long[] starts, long[] ends, long[] axes) =>
        Graph(
            [Input("x", 2, 4)],
            ["y"],
            [Int64s("starts", starts), Int64s("ends", ends), Int64s("axes", axes)],
            Node("Slice", ["x", "starts", "ends", "axes"], ["y"], "slice"));

    private static ModelProto ConstantSlice(long step, bool withEnds = true) =>
        Graph(
            [Input("x", 2)],
            ["y"],
            [Floats("c", [4], [1, 2, 3, 4]), Int64s("starts", 3), Int64s("ends", 0), Int64s("axes", 0), Int64s("steps", step)],
            Node("Slice", ["c", "starts", withEnds ? "ends" : string.Empty, "axes", "steps"], ["s"], "slice"),
            Node("Add", ["x", "s"], ["y"], "add"));

    private static ModelProto Split(params long[] sizes) =>
        Graph([Input("x", 1, 4)], ["a", "b"], [Int64s("sizes", sizes)], Node("Split", ["x", "sizes"], ["a", "b"], "split", Int("axis", 1)));

    private static ModelProto ConcatOfBlobs() =>
        Graph([Input("a", 1, 4), Input("b", 2, 3)], ["y"], [], Node("Concat", ["a", "b"], ["y"], "concat", Int("axis", 1)));

    private static ModelProto ConcatOfConstants() =>
        Graph(
            [Input("x", 5, 3)],
            ["y"],
            [Floats("a", [2, 2], [1, 2, 3, 4]), Floats("b", [3, 3], new float[9])],
            Node("Concat", ["a", "b"], ["c"], "concat", Int("axis", 0)),
            Node("Add", ["x", "c"], ["y"], "add"));

    private static ModelProto ConstantOfShape(params long[] shape) =>
        Graph(
            [Input("x", 1, 4)],
            ["y"],
            [Int64s("shape", shape)],
            Node("ConstantOfShape", ["shape"], ["filled"], "fill"),
            Node("Add", ["x", "filled"], ["y"], "add"));

    // [2^15, 1] x [1, 2^15]: two small constants whose product holds 2^30 values.
    private static ModelProto BroadcastBomb() =>
        Graph(
            [Input("x", 1, 4)],
            ["y"],
            [Floats("column", [1L << 15, 1], new float[1 << 15]), Floats("row", [1, 1L << 15], new float[1 << 15])],
            Node("Mul", ["column", "row"], ["outer"], "outer"),
            Node("Add", ["x", "outer"], ["y"], "add"));

    // c0 of 2^16 values; c(i) = Concat(c(i-1), Neg(c(i-1))): each step within what its inputs hold, together 2^56.
    private static ModelProto DoublingChain()
    {
        var graph = Graph([Input("x", 1, 4)], ["y"], [Floats("c0", [1 << 16], new float[1 << 16])]).Graph;
        for (var i = 1; i <= 40; i++)
        {
            graph.Node.Add(Node("Neg", [$"c{i - 1}"], [$"n{i}"], $"neg{i}"));
            graph.Node.Add(Node("Concat", [$"c{i - 1}", $"n{i}"], [$"c{i}"], $"concat{i}", Int("axis", 0)));
        }

        graph.Node.Add(Node("Add", ["x", "c40"], ["y"], "add"));
        return ModelOf(graph);
    }

    private static ModelProto RepeatedConcat() =>
        Graph(
            [Input("x", 1, 4)],
            ["y"],
            [Floats("c", [1 << 16], new float[1 << 16])],
            Node("Concat", [.. Enumerable.Repeat("c", 10_000)], ["big"], "concat", Int("axis", 0)),
            Node("Add", ["x", "big"], ["y"], "add"));

    private static ModelProto TileBomb(long rows, long columns) =>
        Graph([Input("x", 1, 4)], ["y"], [Int64s("repeats", rows, columns)], Node("Tile", ["x", "repeats"], ["y"], "tile"));

    private static ModelProto HugeAveragePool() =>
        Graph([Input("x", 1, 1, 1, Array.MaxLength)], ["y"], [], Node("AveragePool", ["x"], ["y"], "pool", Ints("kernel_shape", 1, 1)));

    // A 31 x 31 kernel over 2048 x 2048: 16 MiB of input, 2^32 floats of im2col columns.
    private static ModelProto HugeColumns() =>
        Graph(
            [Input("x", 1, 1, 2048, 2048)],
            ["y"],
            [Floats("w", [1, 1, 31, 31], new float[31 * 31])],
            Node("Conv", ["x", "w"], ["y"], "conv", Ints("pads", 15, 15, 15, 15)));

    private static ModelProto HugeDeconvolution() =>
        Graph(
            [Input("x", 1, 2, 8, 8)],
            ["y"],
            [Floats("w", [2, 2, 3, 3], new float[36])],
            Node("ConvTranspose", ["x", "w"], ["y"], "deconv", Ints("strides", int.MaxValue / 4, int.MaxValue / 4)));

    private static ModelProto ConstantUnsqueeze(params long[] axes) =>
        Graph(
            [Input("x", 1, 1, 4)],
            ["y"],
            [Floats("c", [4], [1, 2, 3, 4]), Int64s("axes", axes)],
            Node("Unsqueeze", ["c", "axes"], ["u"], "unsqueeze"),
            Node("Add", ["x", "u"], ["y"], "add"));

    private static ModelProto ConstantFlatten() =>
        Graph(
            [Input("x", 1, 4)],
            ["y"],
            [Floats("c", [4], [1, 2, 3, 4])],
            Node("Flatten", ["c"], ["f"], "flatten", Int("axis", 9)),
            Node("Add", ["x", "f"], ["y"], "add"));

    // An If node whose then_branch holds an If node, and so on, `depth` graphs down.
    private static NodeProto Nested(int depth)
    {
        var graph = new GraphProto { Name = "leaf" };
        NodeProto node = null!;
        for (var i = depth - 1; i >= 0; i--)
        {
            node = Node("If", ["x"], ["y"], $"if{i}", new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph });
            graph = new GraphProto { Name = $"g{i}" };
            graph.Node.Add(node);
        }

        return node;
    }

    // The same nesting as bytes, `depth` graphs down: built outward field by field, since writing so deep a message
    // through the generated classes recurses as deep.
    private static byte[] DeeplyNested(int depth)
    {
        var graph = new GraphProto { Name = "leaf" }.ToByteArray();
        for (var i = 0; i < depth; i++)
        {
            byte[] attribute = [.. new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph }.ToByteArray(), .. Field(6, graph)];
            byte[] node = [.. new NodeProto { OpType = "If", Name = "if" }.ToByteArray(), .. Field(5, attribute)];
            graph = Field(1, node);
        }

        var shell = ModelOf(new GraphProto()).Clone();
        shell.Graph = null;
        return [.. shell.ToByteArray(), .. Field(7, graph)];
    }

    private static byte[] Field(int number, byte[] payload) =>
        [.. Varint((ulong)((number << 3) | 2)), .. Varint((ulong)payload.Length), .. payload];

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
