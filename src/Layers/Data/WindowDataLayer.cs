using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Images;
using LayerNet.Plugins;

namespace LayerNet.Layers.Data;

/// <summary>
/// Serves R-CNN's training windows (Caffe's <c>WindowData</c> layer): each batch samples foreground and background
/// windows of the images a window file lists, warps each to <c>crop_size</c> x <c>crop_size</c> and labels it with
/// its class (0 for background).
/// </summary>
/// <remarks>
/// <para>
/// Window file (<c>window_data_param.source</c>; <see cref="WindowFile"/>): per image <c># index</c>, path,
/// channels, height, width, window count, then <c>class overlap x1 y1 x2 y2</c> per window. A window with
/// <c>overlap &gt;= fg_threshold</c> (default 0.5) is foreground (its class must be above 0); one with
/// <c>overlap &lt; bg_threshold</c> (default 0.5) is background, class 0; the others are not used. Image paths are
/// <c>root_folder</c> followed by the path as written; relative ones resolve against the working folder, then the
/// model file's folder. <c>cache_images</c> keeps every image file's bytes in memory (decoded each time, as Caffe).
/// </para>
/// <para>
/// A batch of N holds <c>N - floor(N * fg_fraction)</c> background windows, then <c>floor(N * fg_fraction)</c>
/// foreground ones (default 0.25), each drawn uniformly with replacement. For each: the window's index, then (with
/// <c>transform_param.mirror</c>) a coin for mirroring. The image is read in colour (B, G, R) as OpenCV reads it.
/// With <c>context_pad</c> p or <c>crop_mode: "square"</c> the window grows about its centre by
/// <c>s = crop / (crop - 2p)</c> (a square window first takes its longer side for both), corners rounded; the part
/// outside the image is cut off and stands for zero padding of the same share of the crop. The region is resized
/// to its share of the crop with OpenCV's bilinear resize (<see cref="LinearResizer"/>), mirrored with its padding,
/// and placed at the padding's offset; the rest of the crop is 0. Output:
/// <c>data[i, c, y, x] = (pixel - mean) * window_data_param.scale</c>, mean from <c>transform_param.mean_file</c>
/// (its centre <c>crop</c> x <c>crop</c>, not mirrored), <c>mean_value</c> (one or one per channel) or 0.
/// <c>transform_param.scale</c> is not used, as in Caffe; the deprecated <c>window_data_param</c> mean_file,
/// crop_size and mirror count as <c>transform_param</c>'s when it has none.
/// </para>
/// <para>
/// Tops: data <c>[batch_size, 3, crop_size, crop_size]</c>, label <c>[batch_size]</c>. Prefetched on a background
/// thread (<see cref="PrefetchingDataLayer"/>; <c>data_param.prefetch</c> batches ahead, 4 by default). Draws
/// come from the layer's generator, in Caffe's order, but not Caffe's numbers: Caffe takes raw 32-bit values
/// modulo the count.
/// </para>
/// <para>
/// Windows are sampled, not read in order, but every batch takes the same number of draws (one raw value per
/// window, one per mirror coin), so one worker of several (<see cref="Layer.Shard"/>) passes over the other
/// workers' batches by drawing their numbers: the workers together serve the batches one worker serves.
/// </para>
/// </remarks>
public sealed class WindowDataLayer : PrefetchingDataLayer
{
    private const int Channels = 3;

    private readonly ImageDecoder _decoder = new();
    private readonly DecodedImage _image = new();
    private readonly LinearResizer _resizer = new();
    private WindowFileImage[] _images = [];
    private string[] _imagePaths = [];
    private byte[][]? _cache;
    private WindowFileWindow[] _foreground = [];
    private WindowFileWindow[] _background = [];
    private byte[] _warped = [];
    private string _source = string.Empty;
    private int _batchSize;
    private int _foregroundCount;
    private int _cropSize;
    private int _contextPad;
    private bool _square;
    private bool _mirror;
    private RandomSource _prefetchRandom = new(0);
    private float _scale;
    private float[] _channelMeans = [];
    private float[]? _mean;
    private int _meanHeight;
    private int _meanWidth;

    /// <summary>Creates the layer from its definition (<c>window_data_param</c>, <c>transform_param</c>).</summary>
    public WindowDataLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
    {
        var parameter = Parameter.WindowDataParam ?? throw Error("window_data_param is required (source, batch_size; crop_size in transform_param)");
        var transform = Parameter.TransformParam ?? new TransformationParameter();
        _batchSize = parameter.HasBatchSize ? PositiveCount(parameter.BatchSize, "window_data_param.batch_size") : throw Error("window_data_param.batch_size is required");
        var cropSize = transform.HasCropSize ? transform.CropSize : parameter.CropSize;
        if (cropSize == 0)
        {
            throw Error("transform_param.crop_size is required: the side of the square windows WindowData outputs");
        }

        _cropSize = PositiveCount(cropSize, "transform_param.crop_size");
        _contextPad = parameter.ContextPad > int.MaxValue / 2 ? int.MaxValue / 2 : (int)parameter.ContextPad;
        if (_cropSize <= 2 * _contextPad)
        {
            throw Error($"window_data_param.context_pad {parameter.ContextPad} leaves no room in crop_size {_cropSize} (needs crop_size > 2 x context_pad)");
        }

        _square = parameter.CropMode switch
        {
            "warp" => false,
            "square" => true,
            _ => throw Error($"window_data_param.crop_mode must be \"warp\" or \"square\", got \"{parameter.CropMode}\""),
        };
        if (!(parameter.FgFraction is >= 0f and <= 1f))
        {
            throw Error($"window_data_param.fg_fraction must be in [0, 1], got {parameter.FgFraction}");
        }

        _foregroundCount = (int)(_batchSize * parameter.FgFraction);
        _mirror = transform.HasMirror ? transform.Mirror : parameter.Mirror;

        // As Caffe's DataLayerSetUp: the generator that picks windows and mirrors is seeded from the net's generator
        // (one caffe_rng_rand(); Caffe draws it when mirror or crop_size is set, and crop_size is required).
        _prefetchRandom = new RandomSource(Random.NextUInt32());

        // Caffe's prefetching layers all take their queue length from data_param.prefetch.
        if (Parameter.DataParam is { HasPrefetch: true } data)
        {
            Prefetch = data.Prefetch > 64 ? throw Error($"data_param.prefetch {data.Prefetch} is too large (at most 64)") : (int)data.Prefetch;
        }

        _scale = parameter.Scale;
        if (transform.ForceColor || transform.ForceGray)
        {
            throw Error("transform_param: force_color and force_gray do not apply to WindowData, which reads every image in colour");
        }

        ReadWindows(parameter);
        ReadMean(transform, parameter);
        _warped = new byte[_cropSize * _cropSize * Channels];
        top[0].Reshape([_batchSize, Channels, _cropSize, _cropSize]);
        if (OutputLabels)
        {
            top[1].Reshape([_batchSize]);
        }
    }

    private void ReadWindows(WindowDataParameter parameter)
    {
        if (string.IsNullOrWhiteSpace(parameter.Source))
        {
            throw Error("window_data_param.source is required: the window file");
        }

        _source = ResolvePath(parameter.Source, $"window_data_param.source '{parameter.Source}'");
        WindowFile file;
        try
        {
            file = WindowFile.Parse(LayerNet.Files.MessageFile.ReadAllText(_source));
        }
        catch (FormatException exception)
        {
            throw Error($"window file '{_source}' {exception.Message}", exception);
        }
        catch (IOException exception)
        {
            throw Error($"cannot read window file '{_source}': {exception.Message}", exception);
        }
        catch (LayerNetException exception)
        {
            // MessageFile's reader: a device without end, or a file that vanished since set-up resolved it.
            throw Error(exception.Message, exception);
        }

        _images = [.. file.Images];
        _imagePaths = new string[_images.Length];
        for (var i = 0; i < _images.Length; i++)
        {
            var image = _images[i];
            if (image.Channels != Channels)
            {
                throw Error($"window file '{_source}' line {image.Line}: image '{image.Path}' has {image.Channels} channels; WindowData reads images in colour, 3 channels");
            }

            var path = parameter.RootFolder + image.Path;
            _imagePaths[i] = ResolvePath(path, $"image '{path}' (window file '{_source}', line {image.Line})");
        }

        var foreground = new List<WindowFileWindow>();
        var background = new List<WindowFileWindow>();
        foreach (var window in file.Windows)
        {
            if (window.Overlap >= parameter.FgThreshold)
            {
                if (window.Label <= 0)
                {
                    throw Error($"window file '{_source}' line {window.Line}: a foreground window (overlap {window.Overlap} >= fg_threshold {parameter.FgThreshold}) needs a class above 0, got {window.Label}");
                }

                foreground.Add(window);
            }
            else if (window.Overlap < parameter.BgThreshold)
            {
                background.Add(window with { Label = 0, Overlap = 0f });
            }
        }

        (_foreground, _background) = ([.. foreground], [.. background]);
        if (_foregroundCount > 0 && _foreground.Length == 0)
        {
            throw Error($"window file '{_source}' has no foreground window (overlap >= fg_threshold {parameter.FgThreshold}); fg_fraction {parameter.FgFraction} needs {_foregroundCount} per batch");
        }

        if (_batchSize > _foregroundCount && _background.Length == 0)
        {
            throw Error($"window file '{_source}' has no background window (overlap < bg_threshold {parameter.BgThreshold}); each batch needs {_batchSize - _foregroundCount}");
        }

        if (parameter.CacheImages)
        {
            _cache = new byte[_imagePaths.Length][];
            for (var i = 0; i < _imagePaths.Length; i++)
            {
                try
                {
                    _cache[i] = File.ReadAllBytes(_imagePaths[i]);
                }
                catch (IOException exception)
                {
                    throw Error($"image '{_imagePaths[i]}' cannot be read (window file '{_source}', line {_images[i].Line}): {exception.Message}", exception);
                }
            }
        }
    }

    private void ReadMean(TransformationParameter transform, WindowDataParameter parameter)
    {
        var meanFile = transform.HasMeanFile ? transform.MeanFile : parameter.HasMeanFile ? parameter.MeanFile : null;
        if (meanFile is not null && transform.MeanValue.Count > 0)
        {
            throw Error("transform_param: give mean_file or mean_value, not both");
        }

        if (transform.MeanValue.Count > 0)
        {
            if (transform.MeanValue.Count != 1 && transform.MeanValue.Count != Channels)
            {
                throw Error($"transform_param.mean_value must be given once or once per channel ({Channels}), got {transform.MeanValue.Count} values");
            }

            _channelMeans = new float[Channels];
            for (var c = 0; c < Channels; c++)
            {
                _channelMeans[c] = transform.MeanValue[transform.MeanValue.Count == 1 ? 0 : c];
            }
        }

        if (meanFile is null)
        {
            return;
        }

        var path = ResolvePath(meanFile, $"transform_param.mean_file '{meanFile}'");
        var mean = new Blob();
        try
        {
            mean.FromProto(MessageFile.ReadBinary<BlobProto>(path, ParameterExtensions.None));
        }
        catch (LayerNetException exception)
        {
            throw Error($"transform_param.mean_file '{path}': {exception.Message}", exception);
        }

        // Caffe reads the centre crop_size x crop_size of a 1 x 3 x H x W mean, offset (W - crop_size) / 2 both ways.
        var shape = mean.Shape;
        var offset = shape.Count == 4 ? (shape[3] - _cropSize) / 2 : -1;
        if (shape.Count != 4 || shape[0] != 1 || shape[1] != Channels || offset < 0 || shape[2] < offset + _cropSize)
        {
            throw Error($"transform_param.mean_file '{path}' has shape {mean.ShapeString}; WindowData needs 1 x {Channels} x H x W with W >= crop_size {_cropSize} and H >= (W - crop_size) / 2 + crop_size");
        }

        (_meanHeight, _meanWidth) = (shape[2], shape[3]);
        _mean = mean.Data.ToArray();
    }

    /// <inheritdoc/>
    protected override void LoadBatch(DataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var data = batch.Data;
        data.Clear();
        var itemCount = Channels * _cropSize * _cropSize;

        // Caffe's order: the background windows first, then the foreground ones.
        for (var item = 0; item < _batchSize; item++)
        {
            var windows = item < _batchSize - _foregroundCount ? _background : _foreground;
            var window = windows[_prefetchRandom.NextInt(windows.Length)];
            var mirror = _mirror && _prefetchRandom.NextInt(2) == 1;
            Warp(window, mirror, data.Slice(item * itemCount, itemCount));
            if (OutputLabels)
            {
                batch.Label[item] = window.Label;
            }
        }
    }

    /// <inheritdoc/>
    protected override bool CanPassOverBatches => true;

    /// <summary>Draws what the other workers' batches draw (a window, and with mirror a coin, per item), reading no image.</summary>
    /// <inheritdoc/>
    protected override void PassOverBatches(int batches)
    {
        for (var item = (long)batches * _batchSize; item > 0; item--)
        {
            _prefetchRandom.NextUInt32();
            if (_mirror)
            {
                _prefetchRandom.NextUInt32();
            }
        }
    }

    private void Warp(WindowFileWindow window, bool mirror, Span<float> output)
    {
        Decode(window.Image);
        int x1 = window.X1, y1 = window.Y1, x2 = window.X2, y2 = window.Y2;
        int warpWidth = _cropSize, warpHeight = _cropSize, padLeft = 0, padTop = 0;
        if (_contextPad > 0 || _square)
        {
            // As Caffe, in float: grow the window about its centre so that, warped to the crop, it has context_pad
            // pixels of context on each side; then cut it to the image, keeping the cut-off share as padding.
            var contextScale = _cropSize / (float)(_cropSize - (2 * _contextPad));
            var halfHeight = (float)((y2 - y1 + 1) / 2.0);
            var halfWidth = (float)((x2 - x1 + 1) / 2.0);
            var centerX = x1 + halfWidth;
            var centerY = y1 + halfHeight;
            if (_square)
            {
                halfHeight = halfWidth = Math.Max(halfHeight, halfWidth);
            }

            x1 = Round(centerX - (halfWidth * contextScale));
            x2 = Round(centerX + (halfWidth * contextScale));
            y1 = Round(centerY - (halfHeight * contextScale));
            y2 = Round(centerY + (halfHeight * contextScale));
            int unclippedWidth = x2 - x1 + 1, unclippedHeight = y2 - y1 + 1;
            int cutLeft = Math.Max(0, -x1), cutTop = Math.Max(0, -y1);
            int cutRight = Math.Max(0, x2 - _image.Width + 1), cutBottom = Math.Max(0, y2 - _image.Height + 1);
            (x1, x2, y1, y2) = (x1 + cutLeft, x2 - cutRight, y1 + cutTop, y2 - cutBottom);
            var scaleX = _cropSize / (float)unclippedWidth;
            var scaleY = _cropSize / (float)unclippedHeight;
            warpWidth = Round((x2 - x1 + 1) * scaleX);
            warpHeight = Round((y2 - y1 + 1) * scaleY);
            padTop = Round(cutTop * scaleY);
            padLeft = mirror ? Round(cutRight * scaleX) : Round(cutLeft * scaleX);

            // Rounding may leave the warped region one pixel too large for the crop.
            warpHeight = Math.Min(warpHeight, _cropSize - padTop);
            warpWidth = Math.Min(warpWidth, _cropSize - padLeft);
        }

        if (x1 < 0 || y1 < 0 || x2 >= _image.Width || y2 >= _image.Height || x2 < x1 || y2 < y1 || warpWidth <= 0 || warpHeight <= 0)
        {
            throw Error($"window {window.X1} {window.Y1} {window.X2} {window.Y2} (window file '{_source}', line {window.Line}) does not fit image '{_imagePaths[window.Image]}', {_image.Width} x {_image.Height}");
        }

        var region = _image.Pixels[(((y1 * _image.Width) + x1) * Channels)..];
        _resizer.Resize(region, x2 - x1 + 1, y2 - y1 + 1, _image.Stride, Channels, _warped, warpWidth, warpHeight);
        Place(warpWidth, warpHeight, padLeft, padTop, mirror, output);
    }

    /// <summary>Writes the warped region into the crop at the padding's offset, mirrored if asked, less the mean, scaled.</summary>
    private void Place(int warpWidth, int warpHeight, int padLeft, int padTop, bool mirror, Span<float> output)
    {
        var meanOffset = (_meanWidth - _cropSize) / 2;
        for (var c = 0; c < Channels; c++)
        {
            var channelMean = _channelMeans.Length > 0 ? _channelMeans[c] : 0f;
            for (var h = 0; h < warpHeight; h++)
            {
                var row = (((c * _cropSize) + h + padTop) * _cropSize) + padLeft;
                var meanRow = (((c * _meanHeight) + h + meanOffset + padTop) * _meanWidth) + meanOffset + padLeft;
                for (var w = 0; w < warpWidth; w++)
                {
                    var column = mirror ? warpWidth - 1 - w : w;
                    var pixel = (float)_warped[(((h * warpWidth) + column) * Channels) + c];
                    var mean = _mean is null ? channelMean : _mean[meanRow + w];
                    output[row + w] = (pixel - mean) * _scale;
                }
            }
        }
    }

    private void Decode(int index)
    {
        try
        {
            if (_cache is null)
            {
                _decoder.Read(_imagePaths[index], color: true, _image);
            }
            else
            {
                _decoder.Decode(_cache[index], color: true, _image);
            }
        }
        catch (InvalidDataException exception)
        {
            throw Error($"image '{_imagePaths[index]}' {exception.Message} (window file '{_source}', line {_images[index].Line})", exception);
        }
    }

    /// <summary>C's <c>round</c> of a float: halves away from zero.</summary>
    private static int Round(float value) => (int)MathF.Round(value, MidpointRounding.AwayFromZero);
}
