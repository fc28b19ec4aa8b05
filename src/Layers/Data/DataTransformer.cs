using System.Numerics;
using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Plugins;

namespace LayerNet.Layers.Data;

/// <summary>
/// Caffe's DataTransformer: turns one stored item (C x H x W bytes or floats) into a net input, as a data layer's
/// <c>transform_param</c> says: subtract a mean, scale, crop, mirror.
/// </summary>
/// <remarks>
/// <para>
/// <c>out[c, h, w] = (in[c, h + h_off, w' + w_off] - mean) * scale</c>, where <c>w' = width - 1 - w</c> when the
/// item is mirrored and <c>w</c> otherwise; <c>mean</c> is <c>mean_file[c, h + h_off, w' + w_off]</c> (a
/// .binaryproto BlobProto of the item's full C x H x W shape), <c>mean_value[c]</c> (one value for every
/// channel, or one per channel), or 0. Giving both mean_file and mean_value is an error, as in Caffe.
/// </para>
/// <para>
/// With <c>crop_size</c> = k the output is C x k x k: a random window at TRAIN, the centre one
/// (<c>(H - k) / 2</c>, <c>(W - k) / 2</c>) at TEST. <c>mirror</c> flips an item left-right with probability
/// 1/2. Random draws come in Caffe's order, mirror then row offset then column offset, from the generator the
/// caller passes (a data layer's transformer generator, seeded from its <see cref="Layer.Random"/> as Caffe's
/// <c>InitRand</c> seeds it); each draw is Caffe's <c>Rand(n)</c>, a raw draw modulo n.
/// </para>
/// <para>
/// Relative <c>mean_file</c> paths resolve against the working directory first, then the model file's folder.
/// </para>
/// </remarks>
public sealed class DataTransformer
{
    private readonly Layer _layer;
    private readonly float _scale;
    private readonly bool _mirror;
    private readonly int _cropSize;
    private readonly bool _randomCrop;
    private readonly float[] _meanValues;
    private readonly float[]? _meanFile;
    private readonly int[] _meanFileShape = [];
    private readonly string _meanFilePath = string.Empty;
    private float[] _channelMeans = [];
    private int _channels;
    private int _height;
    private int _width;
    private int _outputHeight;
    private int _outputWidth;

    /// <summary>
    /// Creates the transform of <paramref name="layer"/> from its <c>transform_param</c> (none: the identity) and
    /// phase; reads the mean file now. Errors name the layer.
    /// </summary>
    public DataTransformer(Layer layer)
        : this(layer, layer?.Parameter.TransformParam ?? new TransformationParameter())
    {
    }

    /// <summary>Creates a transform for <paramref name="layer"/> from <paramref name="parameter"/> instead of its <c>transform_param</c>.</summary>
    public DataTransformer(Layer layer, TransformationParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(parameter);
        _layer = layer;
        if (parameter.HasMeanFile && parameter.MeanValue.Count > 0)
        {
            throw layer.Error("transform_param: give mean_file or mean_value, not both");
        }

        if (parameter.ForceColor || parameter.ForceGray)
        {
            throw layer.Error("transform_param: force_color and force_gray apply where images are decoded (Data's encoded datums, ImageData), not to this layer");
        }

        _scale = parameter.Scale;
        _mirror = parameter.Mirror;
        _cropSize = parameter.CropSize > int.MaxValue ? throw layer.Error($"transform_param.crop_size {parameter.CropSize} is too large") : (int)parameter.CropSize;
        _randomCrop = layer.Phase == Phase.Train;
        _meanValues = [.. parameter.MeanValue];
        if (parameter.HasMeanFile)
        {
            var path = layer.ResolvePath(parameter.MeanFile, $"transform_param.mean_file '{parameter.MeanFile}'");
            BlobProto proto;
            try
            {
                proto = MessageFile.ReadBinary<BlobProto>(path, ParameterExtensions.None);
            }
            catch (LayerNetException exception)
            {
                throw layer.Error($"transform_param.mean_file: {exception.Message}", exception);
            }

            if (proto.Data.Count == 0 && proto.DoubleData.Count == 0)
            {
                throw layer.Error($"transform_param.mean_file '{path}' holds no values: an empty BlobProto is not a mean image");
            }

            var mean = new Blob();
            try
            {
                mean.FromProto(proto);
            }
            catch (LayerNetException exception)
            {
                throw layer.Error($"transform_param.mean_file '{path}': {exception.Message}", exception);
            }

            _meanFileShape = [.. mean.Shape];
            _meanFilePath = path;
            _meanFile = mean.Data.ToArray();
        }
    }

    /// <summary>
    /// A copy of <paramref name="transform"/> (none: the defaults) with the deprecated scale, mean_file, crop_size
    /// and mirror of a data layer's parameter (data_param, image_data_param, ...), where given, moved into it, as
    /// Caffe's net upgrade (UpgradeNetDataTransformation) does.
    /// </summary>
    internal static TransformationParameter WithDeprecatedFields(TransformationParameter? transform, IMessage parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var upgraded = transform?.Clone() ?? new TransformationParameter();
        foreach (var name in (ReadOnlySpan<string>)["scale", "mean_file", "crop_size", "mirror"])
        {
            var field = parameter.Descriptor.FindFieldByName(name);
            if (field is not null && field.Accessor.HasValue(parameter))
            {
                TransformationParameter.Descriptor.FindFieldByName(name).Accessor.SetValue(upgraded, field.Accessor.GetValue(parameter));
            }
        }

        return upgraded;
    }

    /// <summary>True when transforming draws random numbers (mirror, or a random crop at TRAIN), as Caffe's <c>InitRand</c> decides.</summary>
    public bool NeedsRandom => _mirror || (_cropSize > 0 && _randomCrop);

    /// <summary>
    /// Sets the shape of the stored items, checks it against the mean and the crop size, and returns the shape
    /// of one transformed item: <c>[channels, crop or height, crop or width]</c>.
    /// </summary>
    public int[] Initialize(int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw _layer.Error($"data items must have positive channels, height and width, got {channels} x {height} x {width}");
        }

        if (_cropSize > 0 && (_cropSize > height || _cropSize > width))
        {
            throw _layer.Error($"transform_param.crop_size {_cropSize} is larger than the data items, {height} x {width}");
        }

        if (_meanFile is not null)
        {
            // Caffe's mean file is a 1 x C x H x W blob; its leading axes of size 1 are not part of the item's shape.
            var shape = _meanFileShape.AsSpan();
            while (shape.Length > 3 && shape[0] == 1)
            {
                shape = shape[1..];
            }

            if (!shape.SequenceEqual([channels, height, width]))
            {
                throw _layer.Error($"transform_param.mean_file '{_meanFilePath}' has shape {Blob.FormatShape(_meanFileShape)}; the data items are {channels} x {height} x {width}");
            }
        }

        if (_meanValues.Length > 0)
        {
            if (_meanValues.Length != 1 && _meanValues.Length != channels)
            {
                throw _layer.Error($"transform_param.mean_value must be given once or once per channel ({channels}), got {_meanValues.Length} values");
            }

            _channelMeans = new float[channels];
            for (var c = 0; c < channels; c++)
            {
                _channelMeans[c] = _meanValues[_meanValues.Length == 1 ? 0 : c];
            }
        }

        (_channels, _height, _width) = (channels, height, width);
        _outputHeight = _cropSize > 0 ? _cropSize : height;
        _outputWidth = _cropSize > 0 ? _cropSize : width;
        return [channels, _outputHeight, _outputWidth];
    }

    /// <summary>The number of values in one transformed item.</summary>
    public int OutputCount => _channels * _outputHeight * _outputWidth;

    /// <summary>Transforms one item of unsigned bytes (C x H x W as given to <see cref="Initialize"/>) into <paramref name="output"/>.</summary>
    public void Transform(ReadOnlySpan<byte> item, Span<float> output, RandomSource random) => TransformItem(item, output, random);

    /// <summary>Transforms one item of floats (C x H x W as given to <see cref="Initialize"/>) into <paramref name="output"/>.</summary>
    public void Transform(ReadOnlySpan<float> item, Span<float> output, RandomSource random) => TransformItem(item, output, random);

    /// <summary>
    /// Draws from <paramref name="random"/> what transforming one item draws (a mirror coin, a random crop's two
    /// offsets), without transforming one: an item another worker transforms, so that this worker's later draws
    /// are the ones a single worker makes for its items. Each draw is one raw value whatever its bound, so the
    /// item's content is not needed.
    /// </summary>
    public void PassOver(RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (_mirror)
        {
            random.NextUInt32();
        }

        if (_cropSize > 0 && _randomCrop)
        {
            random.NextUInt32();
            random.NextUInt32();
        }
    }

    private void TransformItem<T>(ReadOnlySpan<T> item, Span<float> output, RandomSource random)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        if (item.Length != _channels * _height * _width || output.Length != OutputCount)
        {
            throw new ArgumentException($"expected an item of {_channels * _height * _width} values and an output of {OutputCount}, got {item.Length} and {output.Length}");
        }

        // Caffe's order of draws: mirror, then the crop's row offset, then its column offset.
        var mirror = _mirror && random.NextInt(2) == 1;
        int rowOffset = 0, columnOffset = 0;
        if (_cropSize > 0)
        {
            if (_randomCrop)
            {
                rowOffset = random.NextInt(_height - _cropSize + 1);
                columnOffset = random.NextInt(_width - _cropSize + 1);
            }
            else
            {
                rowOffset = (_height - _cropSize) / 2;
                columnOffset = (_width - _cropSize) / 2;
            }
        }

        var meanFile = _meanFile.AsSpan();
        for (var c = 0; c < _channels; c++)
        {
            var channelMean = _channelMeans.Length > 0 ? _channelMeans[c] : 0f;
            for (var h = 0; h < _outputHeight; h++)
            {
                var sourceRow = ((c * _height) + h + rowOffset) * _width;
                var targetRow = ((c * _outputHeight) + h) * _outputWidth;
                for (var w = 0; w < _outputWidth; w++)
                {
                    var source = sourceRow + columnOffset + w;
                    var target = targetRow + (mirror ? _outputWidth - 1 - w : w);
                    var mean = meanFile.IsEmpty ? channelMean : meanFile[source];
                    output[target] = (float.CreateTruncating(item[source]) - mean) * _scale;
                }
            }
        }
    }
}
