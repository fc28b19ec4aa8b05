using System.Diagnostics;
using LayerNet.Runner.Drawing;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Pictures;

public sealed partial class DrawCommandTests
{
    private static string SigmoidNeuron => Fixtures.InRepository("models", "lecture", "sigmoid_neuron.prototxt");

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = PictureFiles.TemporaryFolder();

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void NeuronWithValuesIsValidSvgShowingTheLecturesValueAndGradient()
    {
        PictureFiles.RequireGraphviz();
        var svg = Path.Combine(_folder, "neuron.svg");
        var run = CommandRun.Run("draw", "--model", SigmoidNeuron, "--values", "-o", svg);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var texts = PictureFiles.SvgTexts(PictureFiles.Svg(svg));
        Assert.Multiple(() =>
        {
            // f = sigmoid(1) = 0.73 (forward, green); df/dw0 = x0 f (1 - f) = -0.20 (gradient, red).
            Assert.That(texts, Has.Some.Contains("0.73"));
            Assert.That(texts, Has.Some.Contains("-0.20"));
            Assert.That(texts, Has.Some.Contains("0.39"), "df/dx0");
            Assert.That(texts, Has.Some.Contains("-0.59"), "df/dx1");
            Assert.That(texts, Has.Some.EqualTo("InnerProduct"));
        });
    }

    [Test]
    public void A_deploy_nets_input_is_one_blob_written_by_its_input_layer()
    {
        // MTCNN's O-Net declares its input with input/input_dim: the Input layer writes 'data'; no orphan copy of it.
        var dot = Path.Combine(_folder, "onet.dot");
        var run = CommandRun.Run("draw", "--model", Fixtures.File("zoo", "mtcnn_det3.prototxt"), "-o", dot);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("in place: input overwrites it"));
            Assert.That(text.Split("<B>data</B>").Length - 1, Is.EqualTo(1), "one node for the blob 'data'");
            Assert.That(text, Does.Contain("\"layer 0\" -> \"blob 0.0\""));
        });
    }

    [Test]
    public void PngIsWrittenByGraphviz()
    {
        PictureFiles.RequireGraphviz();
        var png = Path.Combine(_folder, "neuron.png");
        var run = CommandRun.Run("draw", "--model", SigmoidNeuron, "--values", "-o", png);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var (width, height) = PictureFiles.PngSize(png);
        Assert.That(width * height, Is.GreaterThan(10_000));
    }

    [Test]
    public void DotNeedsNoGraphvizAndHoldsTheNodesAndEdges()
    {
        var dot = Path.Combine(_folder, "neuron.dot");
        var run = CommandRun.Run("draw", "--model", SigmoidNeuron, "--values", "-o", dot);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("digraph \"SigmoidNeuron\" {"));
            Assert.That(text.TrimEnd(), Does.EndWith("}"));
            // Layers x, neuron, sigmoid; blobs x, dot, f; the neuron's weights and bias as inputs.
            Assert.That(text, Does.Contain("\"layer 0\" -> \"blob 0.0\";"));
            Assert.That(text, Does.Contain("\"blob 0.0\" -> \"layer 1\";"));
            Assert.That(text, Does.Contain("\"layer 1\" -> \"blob 1.0\";"));
            Assert.That(text, Does.Contain("\"blob 1.0\" -> \"layer 2\";"));
            Assert.That(text, Does.Contain("\"layer 2\" -> \"blob 2.0\";"));
            Assert.That(text, Does.Contain("\"param 1.0\" -> \"layer 1\""));
            Assert.That(text, Does.Contain("\"param 1.1\" -> \"layer 1\""));
            Assert.That(text, Does.Contain("<B>neuron</B>").And.Contain("InnerProduct").And.Contain("num_output 1"));
            Assert.That(text, Does.Contain(">0.73<").And.Contain(">-0.20  -0.39<").And.Contain(">0.39  -0.59<"));
            Assert.That(text, Does.Contain(NetDrawing.ValueColor).And.Contain(NetDrawing.GradientColor));
        });
    }

    [Test]
    public void WithoutValuesShowsShapesAndParameterShapesOnly()
    {
        var dot = Path.Combine(_folder, "neuron.dot");
        var run = CommandRun.Run("draw", "--model", SigmoidNeuron, "-o", dot);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("1×2"));
            Assert.That(text, Does.Contain("weights 1×2").And.Contain("bias 1"));
            Assert.That(text, Does.Not.Contain("0.73"));
            Assert.That(text, Does.Not.Contain("param 1.0"));
        });
    }

    [Test]
    public void InPlaceLayerGetsANewNodeForTheValueItWrites()
    {
        using var twoLayer = TwoLayerFolder.Create();
        var dot = Path.Combine(_folder, "two_layer.dot");
        var run = CommandRun.Run("draw", "--model", twoLayer.Net, "--values", "-o", dot);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("64×1000").And.Contain("64×100").And.Contain("64×10"));
            Assert.That(text, Does.Contain("in place: sig overwrites it"));
            Assert.That(text, Does.Contain("num_output 100, no bias"));
            Assert.That(text, Does.Contain("loss_weight 128"));
            // Blob 2 is h: fc1 writes version 0, the in-place sigmoid version 1; each has a large-blob summary.
            Assert.That(text, Does.Contain("\"blob 2.0\"").And.Contain("\"blob 2.1\""));
            Assert.That(text, Does.Contain("mean ").And.Contain("std ").And.Contain("min ").And.Contain("max "));
        });
    }

    [Test]
    public void InsertedSplitIsDrawnDashedAndNamed()
    {
        var model = Path.Combine(_folder, "branch.prototxt");
        File.WriteAllText(model, """
            name: "Branch"
            layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
            layer { name: "a" type: "Sigmoid" bottom: "x" top: "a" }
            layer { name: "b" type: "TanH" bottom: "x" top: "b" }
            layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "s" loss_weight: 1 }
            """);
        var dot = Path.Combine(_folder, "branch.dot");
        var run = CommandRun.Run("draw", "--model", model, "--input", "x=0.5,-1", "--values", "-o", dot);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("<I>split</I>"));
            Assert.That(text, Does.Contain("inserted: x feeds 2 layers"));
            Assert.That(text, Does.Contain("rounded,dashed,filled"));
            Assert.That(text, Does.Contain("SUM"));
            Assert.That(text, Does.Contain(">0.50  -1.00<"));
        });
    }

    [Test]
    public void NamesAreEscapedForDotAndHtmlLabels()
    {
        var model = Path.Combine(_folder, "odd.prototxt");
        File.WriteAllText(model, """
            name: "odd \"net\" \\ {x}"
            layer { name: "in<&>\"" type: "Input" top: "x\\\"y" input_param { shape { dim: 1 } } }
            layer { name: "s" type: "Sigmoid" bottom: "x\\\"y" top: "out" }
            """);
        var dot = Path.Combine(_folder, "odd.dot");
        var run = CommandRun.Run("draw", "--model", model, "-o", dot);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var text = File.ReadAllText(dot);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("digraph \"odd \\\"net\\\" \\\\ {x}\" {"));
            Assert.That(text, Does.Contain("in&lt;&amp;&gt;&quot;"));
            Assert.That(text, Does.Contain("x\\&quot;y"));
        });
        if (PictureFiles.HasGraphviz)
        {
            var svg = Path.Combine(_folder, "odd.svg");
            var rendered = CommandRun.Run("draw", "--model", model, "-o", svg);
            Assert.That(rendered.ExitCode, Is.EqualTo(0), rendered.Error);
            Assert.That(PictureFiles.SvgTexts(PictureFiles.Svg(svg)), Has.Some.EqualTo("in<&>\""));
        }
    }

    [Test]
    public void DotQuotingAndHtmlEscaping()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DotGraph.Quote("a\"b\\c\nd"), Is.EqualTo("\"a\\\"b\\\\c\\nd\""));
            Assert.That(DotGraph.Html("<b>&\"x\"</b>"), Is.EqualTo("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"));
            Assert.That(ValueSummary.Format(0.7310586), Is.EqualTo("0.73"));
            Assert.That(ValueSummary.Format(-0.19661), Is.EqualTo("-0.20"));
            Assert.That(ValueSummary.Format(0.012345), Is.EqualTo("0.012"));
            Assert.That(ValueSummary.Format(2.5e-5), Is.EqualTo("2.5e-5"));
            Assert.That(ValueSummary.Format(0), Is.EqualTo("0"));
        });
    }

    [Test]
    public void WrongExtensionIsAOneLineError()
    {
        CommandRun.Run("draw", "--model", SigmoidNeuron, "-o", Path.Combine(_folder, "x.jpg")).AssertOneLineError("expected a .svg, .png or .dot file");
    }

    [Test]
    public void MissingGraphvizSaysWhichPackageAndSuggestsDot()
    {
        // The real executable with a PATH that holds no dot.
        var start = new ProcessStartInfo
        {
            FileName = DotnetHost(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RunnerProcess.Executable);
        foreach (var arg in new[] { "draw", "--model", SigmoidNeuron, "--values", "-o", Path.Combine(_folder, "neuron.svg") })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = _folder;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(60)), Is.True);
        new CommandRun(process.ExitCode, output.Result, error).AssertOneLineError("install the package graphviz");
        Assert.That(error, Does.Contain("'dot'").And.Contain("-o neuron.dot"));
        Assert.That(Path.Combine(_folder, "neuron.svg"), Does.Not.Exist);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        // The child gets a PATH without dot, and so without dotnet: give the host by its full path.
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"))
            .FirstOrDefault(File.Exists);
        return onPath ?? "dotnet";
    }
}
