using LayerNet.Runner.Drawing;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Pictures;

public sealed class PlotCommandTests
{
    private static string CaffeLog => Fixtures.File("caffe", "two_layer", "caffe_train.log");

    private static string CaffeSummaryLog => Fixtures.File("caffe", "lenet_fashion", "caffe_train_summary.log");

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = PictureFiles.TemporaryFolder();

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void PngHasTheRequestedSize()
    {
        var png = Path.Combine(_folder, "loss.png");
        var run = CommandRun.Run("plot", CaffeLog, "-o", png, "--width", "640", "--height", "480");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(5_000));
        Assert.That(PictureFiles.PngSize(png), Is.EqualTo((640, 480)));
    }

    [Test]
    public void SvgIsValidWithTheRequestedSizeAndLabels()
    {
        var svg = Path.Combine(_folder, "loss.svg");
        var run = CommandRun.Run("plot", CaffeSummaryLog, CaffeLog, "-o", svg);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var root = PictureFiles.Svg(svg);
        Assert.Multiple(() =>
        {
            Assert.That((string?)root.Attribute("width"), Is.EqualTo("900"));
            Assert.That((string?)root.Attribute("height"), Is.EqualTo("600"));
            // Several logs: each named in the legend by its file name.
            var texts = string.Join('\n', PictureFiles.SvgTexts(root));
            Assert.That(texts, Does.Contain("caffe_train.log: train loss"));
            Assert.That(texts, Does.Contain("caffe_train_summary.log: test accuracy"));
            Assert.That(texts, Does.Contain("iteration"));
        });
    }

    [Test]
    public void ReadsCaffesLog()
    {
        var curves = TrainingLogParser.ReadFile(CaffeLog);
        Assert.Multiple(() =>
        {
            Assert.That(curves.TrainLoss, Has.Count.EqualTo(2001));
            Assert.That(curves.TrainLoss[0], Is.EqualTo(37363.6));
            Assert.That(curves.TrainLoss[2000], Is.EqualTo(5.79263));
            Assert.That(curves.LearningRate, Has.Count.EqualTo(2000));
            Assert.That(curves.LearningRate[1999], Is.EqualTo(1e-4));
            Assert.That(curves.TestOutputs, Is.Empty);
        });
    }

    [Test]
    public void ReadsTestOutputsOfACaffeSummaryWithoutTestingLines()
    {
        // Caffe tests at the start of an iteration, before its display line: outputs go with the next iteration.
        var curves = TrainingLogParser.ReadFile(CaffeSummaryLog);
        Assert.Multiple(() =>
        {
            Assert.That(curves.TrainLoss, Has.Count.EqualTo(20));
            Assert.That(curves.TestOutputs.Keys, Is.EquivalentTo(new[] { "accuracy", "loss" }));
            Assert.That(curves.TestOutputs["accuracy"][0], Is.EqualTo(0.1085));
            Assert.That(curves.TestOutputs["accuracy"][500], Is.EqualTo(0.8184));
            Assert.That(curves.TestOutputs["loss"][500], Is.EqualTo(0.496962));
        });
    }

    [Test]
    public void ReadsGlogLinesWithTestingBlocks()
    {
        var parser = new TrainingLogParser("x.log");
        foreach (var line in new[]
        {
            "I20261129 12:58:09.472326 16483 solver.cpp:330] Iteration 0, Testing net (#0)",
            "I20261129 12:58:09.472326 16483 solver.cpp:397]     Test net output #0: accuracy = 0.1",
            "I20261129 12:58:09.472326 16483 solver.cpp:330] Iteration 0, Testing net (#1)",
            "I20261129 12:58:09.472326 16483 solver.cpp:397]     Test net output #0: accuracy = 0.2",
            "I20261129 12:58:09.472326 16483 solver.cpp:239] Iteration 0 (0 iter/s, 0.004s/1 iters), loss = 2.5",
            "I20261129 12:58:09.472326 16483 solver.cpp:258]     Train net output #0: loss = 2.5 (* 1 = 2.5 loss)",
            "I20261129 12:58:09.472389 16483 sgd_solver.cpp:112] Iteration 0, lr = 0.01",
            "Iteration 10 (5 iter/s, 2s/10 iters), loss = nan",
            "Iteration 20, loss = 1.5",
        })
        {
            parser.Read(line);
        }

        var curves = parser.Complete();
        Assert.Multiple(() =>
        {
            Assert.That(curves.TestOutputs["accuracy"][0], Is.EqualTo(0.1));
            Assert.That(curves.TestOutputs["#1 accuracy"][0], Is.EqualTo(0.2));
            Assert.That(curves.TrainLoss.Keys, Is.EqualTo(new[] { 0, 10, 20 }));
            Assert.That(curves.TrainLoss[10], Is.NaN);
            Assert.That(curves.LearningRate[0], Is.EqualTo(0.01));
        });
    }

    [Test]
    public void ReadsOurTrainingLog()
    {
        using var twoLayer = TwoLayerFolder.Create();
        var train = CommandRun.Run("train", "--solver", twoLayer.WriteSolver(maxIter: 20, display: 5));
        Assert.That(train.ExitCode, Is.EqualTo(0), train.Error);
        var log = Path.Combine(_folder, "train.log");
        File.WriteAllText(log, train.Output);
        var curves = TrainingLogParser.ReadFile(log);
        Assert.That(curves.TrainLoss.Keys, Is.EqualTo(new[] { 0, 5, 10, 15, 20 }));
        Assert.That(curves.LearningRate.Values, Is.All.EqualTo(1e-4).Within(1e-12));
        var png = Path.Combine(_folder, "train.png");
        Assert.That(CommandRun.Run("plot", log, "-o", png).ExitCode, Is.EqualTo(0));
        Assert.That(PictureFiles.PngSize(png), Is.EqualTo((PlotCommandDefaults.Width, PlotCommandDefaults.Height)));
    }

    [Test]
    public void TrainWithPlotKeepsThePictureAndWritesItAtTheEnd()
    {
        using var twoLayer = TwoLayerFolder.Create();
        var png = Path.Combine(_folder, "live.png");
        var run = CommandRun.Run("train", "--solver", twoLayer.WriteSolver(maxIter: 20, display: 5), "--plot", png);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(PictureFiles.PngSize(png), Is.EqualTo((PlotCommandDefaults.Width, PlotCommandDefaults.Height)));
        Assert.That(Directory.GetFiles(_folder, "*.tmp"), Is.Empty);
    }

    [Test]
    public void TrainWithPlotOfAnotherKindIsRefusedBeforeTraining()
    {
        using var twoLayer = TwoLayerFolder.Create();
        CommandRun.Run("train", "--solver", twoLayer.WriteSolver(maxIter: 20, display: 5), "--plot", Path.Combine(_folder, "live.jpg"))
            .AssertOneLineError("expected a .png or .svg file");
    }

    [Test]
    public void LogWithoutIterationsIsAOneLineErrorNamingTheFile()
    {
        var log = Path.Combine(_folder, "empty.log");
        File.WriteAllText(log, "I20261129 12:58:09.454555 16483 caffe.cpp:197] Use CPU.\n");
        CommandRun.Run("plot", log, "-o", Path.Combine(_folder, "x.png")).AssertOneLineError($"{log}: no training iterations found");
    }

    [Test]
    public void MissingLogIsAOneLineError()
    {
        var log = Path.Combine(_folder, "missing.log");
        CommandRun.Run("plot", log, "-o", Path.Combine(_folder, "x.png")).AssertOneLineError($"{log}: no such file");
    }

    [Test]
    public void SizeOutOfRangeIsAOneLineError()
    {
        CommandRun.Run("plot", CaffeLog, "-o", Path.Combine(_folder, "x.png"), "--width", "10").AssertOneLineError("--width and --height must be between 100 and 10000");
    }

    private static class PlotCommandDefaults
    {
        public const int Width = LayerNet.Runner.Commands.PlotCommand.DefaultWidth;
        public const int Height = LayerNet.Runner.Commands.PlotCommand.DefaultHeight;
    }
}
