using System.CommandLine;
using LayerNet.Errors;
using LayerNet.Runner.Drawing;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet plot</c>: training and test curves from one or more training logs (ours or Caffe's).</summary>
internal static class PlotCommand
{
    /// <summary>The default picture width in pixels.</summary>
    public const int DefaultWidth = 900;

    /// <summary>The default picture height in pixels.</summary>
    public const int DefaultHeight = 600;

    public static Command Create(RunnerEnvironment environment)
    {
        var logs = new Argument<string[]>("LOG") { Description = "Training logs: the output of layernet train or caffe train (glog prefix optional).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The picture: .png or .svg.", Required = true };
        var width = new Option<int>("--width") { Description = $"Width in pixels (default {DefaultWidth}).", DefaultValueFactory = _ => DefaultWidth };
        var height = new Option<int>("--height") { Description = $"Height in pixels (default {DefaultHeight}).", DefaultValueFactory = _ => DefaultHeight };
        var command = new Command("plot", """
            Plot training curves: train loss, test outputs (accuracy, loss) and learning rate against iteration.
            Several logs are overlaid, each named in the legend by its file name.

            Examples:
              layernet train --solver models/two_layer/solver.prototxt > two_layer.log
              layernet plot two_layer.log -o two_layer_loss.svg
              layernet plot run1.log run2.log caffe_train.log -o compare.png --width 1200 --height 800
            """)
        {
            logs, output, width, height,
        };
        command.SetAction(result =>
        {
            var outputFile = result.GetValue(output)!;
            if (PlotFormat.Of(outputFile) is null)
            {
                throw new LayerNetException($"-o '{outputFile}': expected a .png or .svg file");
            }

            var (w, h) = (result.GetValue(width), result.GetValue(height));
            CheckSize(w, h);
            var logFiles = result.GetValue(logs) ?? [];
            foreach (var logFile in logFiles)
            {
                OutputFile.RequireNotInput(logFile, outputFile, "-o", "the training log");
            }

            var curves = logFiles.Select(TrainingLogParser.ReadFile).ToList();
            TrainingPlot.Save(curves, outputFile, w, h);
            environment.Output.WriteLine($"wrote {outputFile} ({w}x{h}; {string.Join(", ", curves.Select(Describe))})");
            return 0;
        });
        return command;
    }

    /// <summary>Checks a picture size given on the command line.</summary>
    public static void CheckSize(int width, int height)
    {
        if (width is < 100 or > 10000 || height is < 100 or > 10000)
        {
            throw new LayerNetException($"--width and --height must be between 100 and 10000 pixels, got {width}x{height}");
        }
    }

    private static string Describe(TrainingCurves curves) =>
        $"{curves.Source}: {curves.TrainLoss.Count} train loss points, {curves.TestOutputs.Values.Sum(series => series.Count)} test values";
}
