using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Data;
using LayerNet.Plugins;

namespace LayerNet.Runner.Commands;

/// <summary>
/// Turns an image file into a net's input, as Caffe's cpp_classification and classify.py do: read (colour, or
/// gray for a 1-channel input blob), resize, crop, swap channels, scale to the raw range, subtract the mean, scale.
/// </summary>
/// <remarks>
/// <para>
/// The file is read as OpenCV's imread reads it (B, G, R bytes 0 to 255) and resized with OpenCV's INTER_LINEAR to
/// <c>--images-dim</c>, or to the input blob's H x W when it is not given. Then a view of the blob's H x W is
/// taken: the whole image when the sizes agree, the centre (classify.py's <c>--center_only</c>: rows from
/// <c>(int)(dim / 2.0 - H / 2.0)</c>, likewise columns), or with <c>--oversample</c> classify.py's 10 views: the
/// four corners and the centre, then the same five mirrored left to right.
/// </para>
/// <para>
/// Each value is <c>((pixel[swap[c]] / 255 * raw_scale) - mean[c]) * scale</c>, computed in double and rounded to
/// float once: <c>raw_scale</c> is classify.py's (its images are 0 to 1; ours are bytes, so the default 255 leaves
/// them as they are), <c>swap</c> is <c>--channel-swap</c> (default none: our pixels are already B, G, R as
/// cv::imread gives them, where classify.py's RGB images need 2,1,0), <c>mean[c]</c> comes from
/// <c>--mean-values</c> (one value, or one per channel) or from <c>--mean</c>: cpp_classification's rule, the mean
/// of each channel of the mean image (classify.py would resize the mean image instead), and <c>scale</c> is
/// classify.py's <c>input_scale</c>. The mean and the swap are in the net's channel order.
/// </para>
/// </remarks>
internal sealed class ImagePreprocessing
{
    private readonly ImageFileReader _reader = new();
    private readonly string? _meanFile;
    private readonly double[]? _meanValues;
    private readonly double _scale;
    private readonly double _rawScale;
    private readonly int[]? _channelSwap;
    private readonly (int Height, int Width)? _imagesDim;
    private readonly bool _oversample;
    private double[]? _meanFileChannels;
    private string _meanFileShape = string.Empty;

    /// <summary>Sets up the preprocessing; the files and shapes are checked when the first image is read.</summary>
    public ImagePreprocessing(
        string? meanFile = null, double[]? meanValues = null, double scale = 1, double rawScale = 255,
        int[]? channelSwap = null, (int Height, int Width)? imagesDim = null, bool oversample = false)
    {
        if (meanFile is not null && meanValues is not null)
        {
            throw new LayerNetException("give --mean or --mean-values, not both");
        }

        (_meanFile, _meanValues, _scale, _rawScale, _channelSwap, _imagesDim, _oversample) = (meanFile, meanValues, scale, rawScale, channelSwap, imagesDim, oversample);
    }

    /// <summary>How many items of the input blob one image fills: 10 with <c>--oversample</c>, else 1.</summary>
    public int Views => _oversample ? 10 : 1;

    /// <summary>
    /// Reads the image at <paramref name="path"/> into items <c>first</c> to <c>first + Views - 1</c> of
    /// <paramref name="blob"/> (N x C x H x W, C 1 or 3).
    /// </summary>
    /// <exception cref="LayerNetException">The image cannot be read, or the options do not fit the blob.</exception>
    public void Fill(string path, Blob blob, int first)
    {
        CheckInput(blob);
        Fill(path, blob.Data[(first * blob.CountFrom(1))..], blob.Name, blob.Channels, blob.Height, blob.Width);
    }

    /// <summary>
    /// Reads the image at <paramref name="path"/> into the first <c>Views</c> items of <paramref name="data"/>, each
    /// <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/> values for input blob
    /// <paramref name="blobName"/> (a buffer filled off the blob, while the net runs).
    /// </summary>
    /// <exception cref="LayerNetException">The image cannot be read, or the options do not fit the blob.</exception>
    public void Fill(string path, Span<float> data, string blobName, int channels, int height, int width)
    {
        var mean = Mean(channels, height, width, blobName);
        var swap = Swap(channels, blobName);
        var (dimHeight, dimWidth) = _imagesDim ?? (height, width);
        if (dimHeight < height || dimWidth < width)
        {
            throw new LayerNetException($"--images-dim {dimHeight},{dimWidth} is smaller than input blob '{blobName}''s {height} x {width}");
        }

        try
        {
            _reader.Read(path, color: channels == 3, dimHeight, dimWidth);
        }
        catch (InvalidDataException exception)
        {
            throw new LayerNetException($"image '{path}' {exception.Message}", exception);
        }

        var planes = _reader.Planes;
        var size = channels * height * width;
        var centreY = (int)((dimHeight / 2.0) - (height / 2.0));
        var centreX = (int)((dimWidth / 2.0) - (width / 2.0));
        for (var view = 0; view < Views; view++)
        {
            var (top, left) = !_oversample ? (centreY, centreX) : (view % 5) switch
            {
                0 => (0, 0),
                1 => (0, dimWidth - width),
                2 => (dimHeight - height, 0),
                3 => (dimHeight - height, dimWidth - width),
                _ => (centreY, centreX),
            };
            var target = data.Slice(view * size, size);
            for (var c = 0; c < channels; c++)
            {
                var plane = planes.Slice(swap[c] * dimHeight * dimWidth, dimHeight * dimWidth);
                for (var y = 0; y < height; y++)
                {
                    var row = plane.Slice(((top + y) * dimWidth) + left, width);
                    for (var x = 0; x < width; x++)
                    {
                        var pixel = row[view >= 5 ? width - 1 - x : x];
                        target[(((c * height) + y) * width) + x] = (float)((((pixel * _rawScale) / 255.0) - mean[c]) * _scale);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The net's first input, checked to take images (<see cref="CheckInput"/>), and the images a pass takes:
    /// <paramref name="batch"/> when given (not 0), else the input's first dimension over <paramref name="views"/>.
    /// </summary>
    /// <exception cref="LayerNetException">The net has no input, its input takes no images, or the batch is negative.</exception>
    public static (Blob Input, int Batch) ImageInput(Nets.Net net, int batch, int views, string command)
    {
        if (net.Inputs.Count == 0)
        {
            throw new LayerNetException($"{command}: the model has no Input layer (a deploy net's input: 'data' with its shape) to read images into");
        }

        var input = net.Inputs[0];
        CheckInput(input);
        if (batch < 0)
        {
            throw new LayerNetException($"--batch must be at least 1, got {batch}");
        }

        return (input, batch > 0 ? batch : Math.Max(1, input.Num / views));
    }

    /// <summary>Checks that images can fill <paramref name="blob"/>: N x C x H x W with C 1 or 3.</summary>
    /// <exception cref="LayerNetException">They cannot.</exception>
    public static void CheckInput(Blob blob)
    {
        if (blob.AxisCount != 4 || blob.Channels is not (1 or 3))
        {
            throw new LayerNetException($"input blob '{blob.Name}' has shape {blob.ShapeString}; an image fills an N x C x H x W blob with C 1 (gray) or 3 (B, G, R)");
        }
    }

    private double[] Mean(int channels, int height, int width, string blobName)
    {
        if (_meanValues is not null)
        {
            if (_meanValues.Length == 1)
            {
                return [.. Enumerable.Repeat(_meanValues[0], channels)];
            }

            return _meanValues.Length == channels
                ? _meanValues
                : throw new LayerNetException($"--mean-values has {_meanValues.Length} values; input blob '{blobName}' has {channels} channels (give one value, or one per channel)");
        }

        if (_meanFile is null)
        {
            return new double[channels];
        }

        _meanFileChannels ??= ChannelMeans(_meanFile, out _meanFileShape);
        return _meanFileChannels.Length == channels
            ? _meanFileChannels
            : throw new LayerNetException(
                $"--mean '{_meanFile}' has shape {_meanFileShape}, {_meanFileChannels.Length} channel{(_meanFileChannels.Length == 1 ? string.Empty : "s")}; input blob '{blobName}' takes {channels} x {height} x {width} images: the mean needs {channels} channel{(channels == 1 ? string.Empty : "s")}");
    }

    // cpp_classification's rule: the mean of each channel of the mean image (cv::mean), whatever its size.
    private static double[] ChannelMeans(string path, out string shape)
    {
        BlobProto proto;
        try
        {
            proto = MessageFile.ReadBinary<BlobProto>(path, ParameterExtensions.None);
        }
        catch (LayerNetException exception)
        {
            throw new LayerNetException($"--mean: {exception.Message}", exception);
        }

        if (proto.Data.Count == 0 && proto.DoubleData.Count == 0)
        {
            throw new LayerNetException($"--mean '{path}' holds no values: an empty BlobProto is not a mean image");
        }

        var mean = new Blob();
        try
        {
            mean.FromProto(proto);
        }
        catch (LayerNetException exception)
        {
            throw new LayerNetException($"--mean '{path}': {exception.Message}", exception);
        }

        if (mean.AxisCount != 4 || mean.Num != 1 || mean.Count == 0)
        {
            throw new LayerNetException($"--mean '{path}' has shape {mean.ShapeString}; a mean image is 1 x C x H x W");
        }

        shape = mean.ShapeString;
        var plane = mean.Height * mean.Width;
        var values = mean.Data;
        var means = new double[mean.Channels];
        for (var c = 0; c < means.Length; c++)
        {
            var sum = 0.0;
            foreach (var value in values.Slice(c * plane, plane))
            {
                sum += value;
            }

            means[c] = sum / plane;
        }

        return means;
    }

    private int[] Swap(int channels, string blobName)
    {
        if (_channelSwap is null)
        {
            return [.. Enumerable.Range(0, channels)];
        }

        var sorted = _channelSwap.Order().ToArray();
        return sorted.SequenceEqual(Enumerable.Range(0, channels))
            ? _channelSwap
            : throw new LayerNetException(
                $"--channel-swap {string.Join(',', _channelSwap.Select(i => i.ToString(CultureInfo.InvariantCulture)))} is not an order of input blob '{blobName}''s {channels} channels (0 to {channels - 1}, each once)");
    }
}
