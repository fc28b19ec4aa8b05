using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet classify</c>: Caffe's cpp_classification and classify.py in one command. Each image (folders are
/// walked) is preprocessed into the net's input, the images go through the net in batches, and the output blob is
/// read as class probabilities: the top k of each image are printed, one image a line or as JSON lines.
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var arguments = new ModelArguments(defaultPhase: null, weights: true, inputs: false);
        var preprocessing = new ImagePreprocessingOptions();
        var labels = new Option<string?>("--labels") { Description = "A file of class names, one a line in class order (synset_words.txt)." };
        var top = new Option<int>("--top") { Description = "How many classes to print for each image (default 5).", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass (default: the input blob's first dimension in the model file)." };
        var output = new Option<string?>("--output") { Description = "The blob of class probabilities (default: the net's last output)." };
        var json = new Option<bool>("--json") { Description = "One JSON object a line: {\"path\", \"top\": [{\"class\", \"probability\", \"label\"}]}." };
        var images = new Argument<string[]>("IMAGE_OR_FOLDER") { Description = "Image files, and folders walked for .jpg, .jpeg, .png, .bmp, .gif, .webp files (sorted).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("classify", """
            Classify images with a trained net (Caffe's cpp_classification and classify.py): for each image, the top
            classes with their probabilities and labels.

            Examples:
              layernet classify --model deploy.prototxt --weights net.caffemodel --mean-values 104,117,123 --labels synset_words.txt cat.png
              layernet classify --model deploy.prototxt --weights net.caffemodel --mean mean.binaryproto --images-dim 256,256 --oversample photos/
              layernet classify --model deploy.prototxt --weights net.caffemodel --batch 50 --top 1 --json photos/ > answers.jsonl

            Images are read B, G, R as OpenCV's imread (gray when the input blob has one channel) and resized with
            OpenCV's INTER_LINEAR to --images-dim or the input's size; each value is
            ((pixel / 255 * raw_scale) - mean) * scale, after --channel-swap. --mean subtracts the mean of each channel
            of the mean image, as cpp_classification does.
            """)
        {
            labels, top, batch, output, json, images,
        };
        arguments.AddTo(command);
        preprocessing.AddTo(command);
        command.SetAction(result =>
        {
            var k = result.GetValue(top);
            if (k < 1)
            {
                throw new LayerNetException($"--top must be at least 1, got {k}");
            }

            var preprocess = preprocessing.Create(result);
            var files = ImageFileList.Expand(result.GetValue(images) ?? []);
            var labelPath = result.GetValue(labels);
            var labelLines = labelPath is null ? null : LabelFile.Read(labelPath);
            using var interrupts = InterruptScope.Start(environment.Error);
            using var services = environment.BuildServices(result);
            var net = arguments.Build(result, services);
            var classifier = new Classifier(net, preprocess, result.GetValue(batch), result.GetValue(output), labelPath, labelLines);
            // A progress line only for a person watching standard error; cleared before results reach a terminal.
            var progress = Supervisor.ErrorIsTerminal ? environment.Error : null;
            for (var start = 0; start < files.Count; start += classifier.BatchSize)
            {
                var count = Math.Min(classifier.BatchSize, files.Count - start);
                var probabilities = classifier.Classify(files, start, count);
                progress?.Write("\r\u001b[K");
                for (var i = 0; i < count; i++)
                {
                    var best = Classifier.TopClasses(probabilities[i], k);
                    environment.Output.WriteLine(result.GetValue(json) ? Json(files[start + i], best, probabilities[i], labelLines) : Text(files[start + i], best, probabilities[i], labelLines));
                }

                progress?.Write($"{start + count}/{files.Count} images");
                progress?.Flush();
            }

            progress?.Write("\r\u001b[K");
            return 0;
        });
        return command;
    }

    private static string Text(string path, int[] best, float[] probabilities, string[]? labels) =>
        $"{path}: {string.Join("; ", best.Select(c => $"{Classifier.Probability(probabilities[c])} {(labels is null ? c.ToString(CultureInfo.InvariantCulture) : labels[c])}"))}";

    private static string Json(string path, int[] best, float[] probabilities, string[]? labels)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("path", path);
            writer.WriteStartArray("top");
            foreach (var c in best)
            {
                writer.WriteStartObject();
                writer.WriteNumber("class", c);
                writer.WriteNumber("probability", probabilities[c]);
                if (labels is not null)
                {
                    writer.WriteString("label", labels[c]);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
