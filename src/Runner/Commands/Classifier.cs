using System.Globalization;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Runner.Commands;

/// <summary>
/// The net, its input and output blobs, and the batch: what one <c>layernet classify</c> run holds (the dashboard's
/// Inference page classifies with it too, so both answer alike).
/// </summary>
internal sealed class Classifier
{
    private readonly Net _net;
    private readonly ImagePreprocessing _preprocess;
    private readonly Blob _input;
    private readonly Blob _output;
    private readonly int[] _inputShape;
    private readonly float[] _buffer;
    private Task<float[]>? _pending;

    /// <summary>Sets the net up for images in batches of <paramref name="batch"/> (0: the input's first dimension).</summary>
    /// <param name="keep">Blobs whose values the caller reads after a pass, besides the output (the memory plan leaves them alone).</param>
    public Classifier(Net net, ImagePreprocessing preprocess, int batch, string? outputName, string? labelPath, string[]? labels, IEnumerable<string>? keep = null)
    {
        _net = net;
        _preprocess = preprocess;
        (_input, BatchSize) = ImagePreprocessing.ImageInput(net, batch, preprocess.Views, "classify");
        _inputShape = [BatchSize * preprocess.Views, _input.Channels, _input.Height, _input.Width];
        _input.Reshape(_inputShape);
        _buffer = new float[_input.Count];
        _output = outputName is not null ? net.Blob(outputName) : net.Outputs.Count > 0 ? net.Outputs[^1] : throw new LayerNetException("classify: the net has no output blob");
        net.Reshape();
        net.PlanMemory([_output.Name, .. keep ?? []]);
        var classes = Classes();
        if (labels is not null && labels.Length != classes)
        {
            throw new LayerNetException($"--labels '{labelPath}' has {labels.Length} lines; output blob '{_output.Name}' has {classes} classes (one label a line, in class order)");
        }
    }

    /// <summary>The blob read as class probabilities.</summary>
    public Blob Output => _output;

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

    /// <summary>The <paramref name="k"/> most probable classes, most probable first (the lower class first on a tie).</summary>
    public static int[] TopClasses(float[] probabilities, int k)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var order = Enumerable.Range(0, probabilities.Length).ToArray();
        Array.Sort(order, (a, b) => probabilities[a] != probabilities[b] ? probabilities[b].CompareTo(probabilities[a]) : a.CompareTo(b));
        return order[..Math.Min(k, order.Length)];
    }

    /// <summary>A probability as <c>classify</c> prints it: four decimals.</summary>
    public static string Probability(float probability) => probability.ToString("F4", CultureInfo.InvariantCulture);
}
