using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Nets;

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
                    var best = TopClasses(probabilities[i], k);
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

    // The k most probable classes, most probable first (the lower class first on a tie).
    private static int[] TopClasses(float[] probabilities, int k)
    {
        var order = Enumerable.Range(0, probabilities.Length).ToArray();
        Array.Sort(order, (a, b) => probabilities[a] != probabilities[b] ? probabilities[b].CompareTo(probabilities[a]) : a.CompareTo(b));
        return order[..Math.Min(k, order.Length)];
    }

    private static string Text(string path, int[] best, float[] probabilities, string[]? labels) =>
        $"{path}: {string.Join("; ", best.Select(c => $"{probabilities[c].ToString("F4", CultureInfo.InvariantCulture)} {(labels is null ? c.ToString(CultureInfo.InvariantCulture) : labels[c])}"))}";

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

    /// <summary>The net, its input and output blobs, and the batch: what one classify run holds.</summary>
    private sealed class Classifier
    {
        private readonly Net _net;
        private readonly ImagePreprocessing _preprocess;
        private readonly Blob _input;
        private readonly Blob _output;
        private readonly int[] _inputShape;
        private readonly float[] _buffer;
        private Task<float[]>? _pending;

        public Classifier(Net net, ImagePreprocessing preprocess, int batch, string? outputName, string? labelPath, string[]? labels)
        {
            _net = net;
            _preprocess = preprocess;
            (_input, BatchSize) = ImagePreprocessing.ImageInput(net, batch, preprocess.Views, "classify");
            _inputShape = [BatchSize * preprocess.Views, _input.Channels, _input.Height, _input.Width];
            _input.Reshape(_inputShape);
            _buffer = new float[_input.Count];
            _output = outputName is not null ? net.Blob(outputName) : net.Outputs.Count > 0 ? net.Outputs[^1] : throw new LayerNetException("classify: the net has no output blob");
            net.Reshape();
            net.PlanMemory([_output.Name]);
            var classes = Classes();
            if (labels is not null && labels.Length != classes)
            {
                throw new LayerNetException($"--labels '{labelPath}' has {labels.Length} lines; output blob '{_output.Name}' has {classes} classes (one label a line, in class order)");
            }
        }

        /// <summary>Images per forward pass.</summary>
        public int BatchSize { get; }

        /// <summary>Forwards files <paramref name="start"/> to <c>start + count - 1</c>; each one's probabilities, averaged over its views.</summary>
        public float[][] Classify(List<string> files, int start, int count)
        {
            if (count != BatchSize)
            {
                _inputShape[0] = count * _preprocess.Views;
                _input.Reshape(_inputShape);
            }

            // The batch was read on another thread while the net ran on the one before; the next is read now.
            var filled = (_pending ?? Read(files, start, count)).GetAwaiter().GetResult();
            filled.AsSpan(0, _input.Count).CopyTo(_input.Data);
            var next = start + count;
            _pending = next < files.Count ? Read(files, next, Math.Min(BatchSize, files.Count - next)) : null;
            _net.Forward();
            var classes = Classes();
            var values = _output.Data;
            var answers = new float[count][];
            for (var i = 0; i < count; i++)
            {
                var sums = new double[classes];
                for (var view = 0; view < _preprocess.Views; view++)
                {
                    var row = values.Slice(((i * _preprocess.Views) + view) * classes, classes);
                    for (var c = 0; c < classes; c++)
                    {
                        sums[c] += row[c];
                    }
                }

                answers[i] = [.. sums.Select(sum => (float)(sum / _preprocess.Views))];
            }

            return answers;
        }

        // Reads `count` files from `start` into the buffer, on the thread pool (one read at a time: the preprocessing keeps its buffers).
        private Task<float[]> Read(List<string> files, int start, int count)
        {
            int channels = _input.Channels, height = _input.Height, width = _input.Width;
            var size = _preprocess.Views * channels * height * width;
            return Task.Run(() =>
            {
                for (var i = 0; i < count; i++)
                {
                    _preprocess.Fill(files[start + i], _buffer.AsSpan(i * size, size), _input.Name, channels, height, width);
                }

                return _buffer;
            });
        }

        // Classes per item: the output must be N x K (trailing axes of 1 allowed, as Softmax's N x K x 1 x 1).
        private int Classes()
        {
            var shape = _output.Shape;
            var trailingOnes = true;
            for (var axis = 2; axis < shape.Count; axis++)
            {
                trailingOnes &= shape[axis] == 1;
            }

            return shape.Count >= 2 && shape[0] == _input.Num && trailingOnes
                ? shape[1]
                : throw new LayerNetException(
                    $"classify: output blob '{_output.Name}' has shape {_output.ShapeString}; class probabilities are N x K (N = {_input.Num}, the input's first dimension), e.g. a Softmax's top");
        }
    }
}
