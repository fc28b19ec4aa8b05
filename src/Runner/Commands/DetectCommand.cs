using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Images;
using LayerNet.Nets;
using LayerNet.Runner.Drawing;
using SkiaSharp;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet detect</c>: runs an object-detection net (SSD's DetectionOutput layout) on images. Each image (folders
/// are walked) is preprocessed as <c>classify</c> does, the images go through the net in batches, and the detection
/// blob's rows [image_id, label, confidence, xmin, ymin, xmax, ymax] (corners 0 to 1 of the net's input) become boxes
/// in the original image's pixels: printed per image, as text or JSON lines, and with <c>-o</c> drawn onto a copy of
/// each image.
/// </summary>
internal static class DetectCommand
{
    /// <summary>The width of a detection row: image_id, label, confidence, xmin, ymin, xmax, ymax.</summary>
    public const int RowWidth = 7;

    public static Command Create(RunnerEnvironment environment)
    {
        var arguments = new ModelArguments(defaultPhase: null, weights: true, inputs: false);
        var preprocessing = new ImagePreprocessingOptions();
        var threshold = new Option<double>("--threshold") { Description = "Keep boxes whose confidence is at least this, 0 to 1 (default 0.5).", DefaultValueFactory = _ => 0.5 };
        var labels = new Option<string?>("--labels") { Description = "A file of class names, one a line, line i naming label i (for VOC: background first)." };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass (default: the input blob's first dimension in the model file)." };
        var output = new Option<string?>("--output") { Description = "The blob of detections (default: the net's one output whose last dimension is 7)." };
        var json = new Option<bool>("--json") { Description = "One JSON object a line: {\"path\", \"width\", \"height\", \"detections\": [{\"label\", \"name\", \"confidence\", \"box\"}]}." };
        var folder = new Option<string?>("-o") { Description = "Write each image with its boxes drawn into this folder (made if missing), under the image's file name." };
        var images = new Argument<string[]>("IMAGE_OR_FOLDER") { Description = "Image files, and folders walked for .jpg, .jpeg, .png, .bmp, .gif, .webp files (sorted).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detect", """
            Find objects in images with a detection net (SSD's DetectionOutput layout): for each image, its boxes with
            class and confidence, in the image's pixels; with -o, each image with its boxes drawn.

            Examples:
              layernet detect --model MobileNetSSD_deploy.prototxt --weights MobileNetSSD_deploy.caffemodel --mean-values 127.5,127.5,127.5 --scale 0.007843 --labels voc.txt photo.jpg
              layernet detect --plugin Ssd.dll --model deploy.prototxt --weights ssd.caffemodel --threshold 0.3 --labels voc.txt photos/ -o annotated/
              layernet detect --model deploy.prototxt --weights ssd.caffemodel --json photos/ > boxes.jsonl

            Images are read and preprocessed as classify reads them (see its help; --oversample does not apply). The
            detections are the rows of a blob of shape [1, 1, N, 7], [image_id, label, confidence, xmin, ymin, xmax,
            ymax] with the corners 0 to 1 of the net's input, as SSD's DetectionOutput writes them: by default the
            net's one output whose last dimension is 7, else --output. image_id is the image's place in the batch;
            rows with a negative image_id (DetectionOutput's "none kept") are skipped, as are rows whose confidence is
            below --threshold. Corners are mapped back to the original image (through the crop, with --images-dim)
            and clipped to it.

            Output, one block per image, the boxes most confident first:
              photos/dog.jpg: 2 detections
                dog 0.9312 [48.2 102.0 310.7 377.5]
                person 0.6120 [301.0 12.4 399.0 380.0]
            A box is its name (the label's line in --labels, else the label number), its confidence, and
            [xmin ymin xmax ymax] in pixels of the image as read (EXIF orientation applied), 0 to its width or height.
            A label beyond the end of --labels is printed as its number, with one warning on standard error. --json
            writes one object a line instead; "name" is given only for a label --labels names, "box" is unrounded.

            -o FOLDER writes FOLDER/<file name of the image>: PNG for .png, JPEG (quality 95) for .jpg and .jpeg,
            PNG with .png appended for other files; each box a 2-pixel rectangle in its class's colour with a tag
            "name 0.93" at its top-left. An existing file as FOLDER, an output that would replace an input, or two
            images of the same file name are refused before anything runs.
            """)
        {
            threshold, labels, batch, output, json, folder, images,
        };
        arguments.AddTo(command);
        preprocessing.AddTo(command);
        command.SetAction(result =>
        {
            var minimum = result.GetValue(threshold);
            if (!(minimum is >= 0 and <= 1))
            {
                throw new LayerNetException($"--threshold must be between 0 and 1, got {minimum.ToString(CultureInfo.InvariantCulture)}");
            }

            var preprocess = preprocessing.Create(result);
            if (preprocess.Views != 1)
            {
                throw new LayerNetException("detect: --oversample averages class scores over 10 crops; boxes cannot be averaged so (give one view)");
            }

            var files = ImageFileList.Expand(result.GetValue(images) ?? []);
            var outputs = result.GetValue(folder) is { } outFolder ? AnnotatedFiles(outFolder, files) : null;
            var labelPath = result.GetValue(labels);
            var names = labelPath is null ? null : LabelFile.Read(labelPath);
            using var interrupts = InterruptScope.Start(environment.Error);
            using var services = environment.BuildServices(result);
            var net = arguments.Build(result, services);
            var detector = new Detector(net, preprocess, ImagesDim(result), result.GetValue(batch), result.GetValue(output), minimum, names);
            if (outputs is not null)
            {
                CreateFolder(result.GetValue(folder)!);
            }

            var warned = new HashSet<int>();
            var decoder = new ImageDecoder();
            var decoded = new DecodedImage();

            // A progress line only for a person watching standard error; cleared before results reach a terminal.
            var progress = Supervisor.ErrorIsTerminal ? environment.Error : null;
            for (var start = 0; start < files.Count; start += detector.BatchSize)
            {
                var count = Math.Min(detector.BatchSize, files.Count - start);
                var found = detector.Detect(files, start, count);
                progress?.Write("\r\u001b[K");
                for (var i = 0; i < count; i++)
                {
                    var (path, (width, height, boxes)) = (files[start + i], found[i]);
                    foreach (var box in boxes)
                    {
                        if (names is not null && box.Name is null && warned.Add(box.Label))
                        {
                            environment.Error.WriteLine($"detect: warning: --labels '{labelPath}' has {names.Length} lines; label {box.Label.ToString(CultureInfo.InvariantCulture)} has none and is printed as its number");
                        }
                    }

                    environment.Output.WriteLine(result.GetValue(json) ? Json(path, width, height, boxes) : Text(path, boxes));
                    if (outputs is not null)
                    {
                        Annotate(decoder, decoded, path, outputs[start + i], boxes);
                    }
                }

                progress?.Write($"{start + count}/{files.Count} images");
                progress?.Flush();
            }

            progress?.Write("\r\u001b[K");
            return 0;
        });
        return command;
    }

    /// <summary>The file <c>-o</c> writes for each image, checked before anything runs (see the help).</summary>
    private static List<string> AnnotatedFiles(string folder, List<string> files)
    {
        if (folder.Length == 0)
        {
            throw new LayerNetException("-o '': give the folder to write the annotated images into");
        }

        if (File.Exists(folder))
        {
            throw new LayerNetException($"-o '{folder}' is a file; give a folder to write the annotated images into (made if missing)");
        }

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            inputs.TryAdd(OutputFile.Resolved(file), file);
        }

        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        var outputs = new List<string>(files.Count);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var path = Path.Combine(folder, Format(name) == SKEncodedImageFormat.Png && !IsPng(name) ? name + ".png" : name);
            if (inputs.TryGetValue(OutputFile.Resolved(path), out var input))
            {
                OutputFile.RequireNotInput(input, path, "-o", "input image");
            }

            if (!written.TryAdd(Path.GetFullPath(path), file))
            {
                throw new LayerNetException($"-o: images '{written[Path.GetFullPath(path)]}' and '{file}' would both be written to '{path}'; give them different file names or run them separately");
            }

            outputs.Add(path);
        }

        return outputs;
    }

    private static bool IsPng(string name) => Path.GetExtension(name).Equals(".png", StringComparison.OrdinalIgnoreCase);

    // JPEG for .jpg and .jpeg, PNG for the rest.
    private static SKEncodedImageFormat Format(string name) => Path.GetExtension(name).ToLowerInvariant() is ".jpg" or ".jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;

    private static void CreateFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"-o: cannot make folder '{folder}': {exception.Message}", exception);
        }
    }

    private static void Annotate(ImageDecoder decoder, DecodedImage image, string path, string outputPath, List<Detection> boxes)
    {
        byte[] bytes;
        try
        {
            decoder.Read(path, color: true, image);
            bytes = DetectionPicture.Annotate(image, boxes, Format(outputPath));
        }
        catch (InvalidDataException exception)
        {
            throw new LayerNetException($"image '{path}' {exception.Message}", exception);
        }

        MessageFile.WriteAtomic(outputPath, bytes);
    }

    // --images-dim as given (ImagePreprocessingOptions has checked it): where the boxes' crop lies.
    private static (int Height, int Width)? ImagesDim(ParseResult result)
    {
        var text = result.GetValue<string?>("--images-dim");
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        return ((int)double.Parse(parts[0], CultureInfo.InvariantCulture), (int)double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static string Text(string path, List<Detection> boxes)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{path}: {boxes.Count} detection{(boxes.Count == 1 ? string.Empty : "s")}");
        foreach (var box in boxes)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"  {box.DisplayName} {box.Confidence.ToString("F4", CultureInfo.InvariantCulture)} [{F(box.XMin)} {F(box.YMin)} {F(box.XMax)} {F(box.YMax)}]");
        }

        return text.ToString();

        static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
    }

    private static string Json(string path, int width, int height, List<Detection> boxes)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("path", path);
            writer.WriteNumber("width", width);
            writer.WriteNumber("height", height);
            writer.WriteStartArray("detections");
            foreach (var box in boxes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("label", box.Label);
                if (box.Name is not null)
                {
                    writer.WriteString("name", box.Name);
                }

                writer.WriteNumber("confidence", box.Confidence);
                writer.WriteStartArray("box");
                writer.WriteNumberValue(box.XMin);
                writer.WriteNumberValue(box.YMin);
                writer.WriteNumberValue(box.XMax);
                writer.WriteNumberValue(box.YMax);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The net, its input and detection blobs, and the batch: what one detect run holds.</summary>
    private sealed class Detector
    {
        private readonly Net _net;
        private readonly ImagePreprocessing _preprocess;
        private readonly Blob _input;
        private readonly Blob _output;
        private readonly int[] _inputShape;
        private readonly float[] _buffer;
        private readonly (int Height, int Width) _dim;
        private readonly (int Top, int Left) _crop;
        private readonly double _threshold;
        private readonly string[]? _names;
        private Task<(int Width, int Height)[]>? _pending;

        public Detector(Net net, ImagePreprocessing preprocess, (int Height, int Width)? imagesDim, int batch, string? outputName, double threshold, string[]? names)
        {
            _net = net;
            _preprocess = preprocess;
            _threshold = threshold;
            _names = names;
            (_input, BatchSize) = ImagePreprocessing.ImageInput(net, batch, 1, "detect");
            _inputShape = [BatchSize, _input.Channels, _input.Height, _input.Width];
            _input.Reshape(_inputShape);
            _buffer = new float[_input.Count];
            _dim = imagesDim ?? (_input.Height, _input.Width);
            _crop = ((int)((_dim.Height / 2.0) - (_input.Height / 2.0)), (int)((_dim.Width / 2.0) - (_input.Width / 2.0)));
            net.Reshape();
            _output = Output(net, outputName);
            Rows();
            net.PlanMemory([_output.Name]);
        }

        /// <summary>Images per forward pass.</summary>
        public int BatchSize { get; }

        /// <summary>Forwards files <paramref name="start"/> to <c>start + count - 1</c>; each one's size and kept boxes, most confident first.</summary>
        public (int Width, int Height, List<Detection> Boxes)[] Detect(List<string> files, int start, int count)
        {
            if (count != BatchSize)
            {
                _inputShape[0] = count;
                _input.Reshape(_inputShape);
            }

            // The batch was read on another thread while the net ran on the one before; the next is read now.
            var sizes = (_pending ?? Read(files, start, count)).GetAwaiter().GetResult();
            _buffer.AsSpan(0, _input.Count).CopyTo(_input.Data);
            var next = start + count;
            _pending = next < files.Count ? Read(files, next, Math.Min(BatchSize, files.Count - next)) : null;
            _net.Forward();

            var found = new (int Width, int Height, List<Detection> Boxes)[count];
            for (var i = 0; i < count; i++)
            {
                found[i] = (sizes[i].Width, sizes[i].Height, []);
            }

            var rows = Rows();
            var values = _output.Data;
            for (var r = 0; r < rows; r++)
            {
                var row = values.Slice(r * RowWidth, RowWidth);
                if (row[0] < 0)
                {
                    continue;
                }

                for (var k = 0; k < RowWidth; k++)
                {
                    if (!float.IsFinite(row[k]))
                    {
                        throw new LayerNetException($"detect: row {r} of blob '{_output.Name}' holds {row[k].ToString(CultureInfo.InvariantCulture)} (column {k}); detections are finite numbers");
                    }
                }

                var image = (int)row[0];
                if (image != row[0] || image >= count)
                {
                    throw new LayerNetException(
                        $"detect: row {r} of blob '{_output.Name}' has image_id {row[0].ToString(CultureInfo.InvariantCulture)}; the batch holds {count} image{(count == 1 ? string.Empty : "s")} (image_id 0 to {count - 1})");
                }

                if (!(row[2] >= _threshold))
                {
                    continue;
                }

                var label = (int)row[1];
                if (label != row[1] || label < 0)
                {
                    throw new LayerNetException($"detect: row {r} of blob '{_output.Name}' has label {row[1].ToString(CultureInfo.InvariantCulture)}; a label is a class number, 0 or more");
                }

                var (width, height, boxes) = found[image];
                boxes.Add(new Detection(
                    label,
                    _names is not null && label < _names.Length ? _names[label] : null,
                    row[2],
                    X(row[3], width),
                    Y(row[4], height),
                    X(row[5], width),
                    Y(row[6], height)));
            }

            foreach (var (_, _, boxes) in found)
            {
                // Most confident first; a stable sort keeps the net's order among equals.
                var sorted = boxes.OrderByDescending(box => box.Confidence).ToList();
                boxes.Clear();
                boxes.AddRange(sorted);
            }

            return found;
        }

        // A corner 0 to 1 of the input (the crop of the resized image) in the original image's pixels, clipped to it.
        private double X(float value, int width) => Math.Clamp((_crop.Left + (value * (double)_input.Width)) * width / _dim.Width, 0, width);

        private double Y(float value, int height) => Math.Clamp((_crop.Top + (value * (double)_input.Height)) * height / _dim.Height, 0, height);

        // The detections blob: the one named, or the net's one output whose last dimension is 7.
        private static Blob Output(Net net, string? name)
        {
            if (name is not null)
            {
                try
                {
                    return net.Blob(name);
                }
                catch (LayerNetException exception)
                {
                    throw new LayerNetException($"--output: {exception.Message}", exception);
                }
            }

            var wide = net.Outputs.Where(blob => blob.AxisCount >= 1 && blob.Shape[^1] == RowWidth).ToList();
            var outputs = string.Join(", ", net.Outputs.Select(blob => $"'{blob.Name}' ({blob.ShapeString})"));
            return wide.Count switch
            {
                1 => wide[0],
                0 => throw new LayerNetException(
                    $"detect: net '{net.Name}' has no output whose last dimension is 7 (SSD's DetectionOutput, [1, 1, N, 7]); its outputs: {outputs}; name the detections with --output NAME"),
                _ => throw new LayerNetException(
                    $"detect: net '{net.Name}' has {wide.Count} outputs whose last dimension is 7: {string.Join(", ", wide.Select(blob => $"'{blob.Name}'"))}; name the detections with --output NAME"),
            };
        }

        // Rows in the detections blob: its shape must be [1, ..., 1, N, 7].
        private int Rows()
        {
            var shape = _output.Shape;
            var ones = true;
            for (var axis = 0; axis < shape.Count - 2; axis++)
            {
                ones &= shape[axis] == 1;
            }

            return shape.Count >= 1 && shape[^1] == RowWidth && ones
                ? _output.Count / RowWidth
                : throw new LayerNetException(
                    $"detect: blob '{_output.Name}' has shape {_output.ShapeString}; detections are [1, 1, N, 7], rows of [image_id, label, confidence, xmin, ymin, xmax, ymax] (SSD's DetectionOutput)");
        }

        // Reads `count` files from `start` into the buffer, on the thread pool, with each image's size as read.
        private Task<(int Width, int Height)[]> Read(List<string> files, int start, int count)
        {
            int channels = _input.Channels, height = _input.Height, width = _input.Width;
            var size = channels * height * width;
            return Task.Run(() =>
            {
                var sizes = new (int Width, int Height)[count];
                for (var i = 0; i < count; i++)
                {
                    _preprocess.Fill(files[start + i], _buffer.AsSpan(i * size, size), _input.Name, channels, height, width);
                    sizes[i] = OrientedSize(files[start + i]);
                }

                return sizes;
            });
        }

        // The image's width and height as the decoder gives them (EXIF orientation applied), from its header alone.
        private static (int Width, int Height) OrientedSize(string path) =>
            ImageDecoder.OrientedSize(path) ?? throw new LayerNetException($"image '{path}' cannot be read");
    }
}
