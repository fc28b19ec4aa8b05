using System.CommandLine;
using System.Globalization;
using LayerNet.Errors;

namespace LayerNet.Runner.Commands;

/// <summary>
/// The preprocessing options of the commands that read images into a net (<c>classify</c>, and <c>forward</c>'s
/// <c>--input NAME=IMAGE</c>): declared once, with one meaning each (see <see cref="ImagePreprocessing"/>).
/// </summary>
internal sealed class ImagePreprocessingOptions
{
    private readonly Option<string?> _mean = new("--mean") { Description = "A mean image (.binaryproto); the mean of each of its channels is subtracted (cpp_classification's rule)." };
    private readonly Option<string?> _meanValues = new("--mean-values") { Description = "B,G,R (or one value): subtracted from each channel, in the net's channel order." };
    private readonly Option<double> _scale = new("--scale") { Description = "Multiplies the values after the mean is subtracted (classify.py's input_scale; default 1).", DefaultValueFactory = _ => 1 };
    private readonly Option<double> _rawScale = new("--raw-scale") { Description = "Pixels are taken as 0 to 1 times this, before the mean (classify.py's raw_scale; default 255: the bytes as they are).", DefaultValueFactory = _ => 255 };
    private readonly Option<string?> _channelSwap = new("--channel-swap") { Description = "e.g. 2,1,0: channel c of the input is channel swap[c] of the image (default none: images are read B, G, R as cv::imread)." };
    private readonly Option<string?> _imagesDim = new("--images-dim") { Description = "H,W: resize images to this first, then crop the input's size (classify.py's images_dim; default the input's size)." };
    private readonly Option<bool> _centerOnly = new("--center-only") { Description = "Take the centre crop (the default)." };
    private readonly Option<bool> _oversample = new("--oversample") { Description = "Average over 10 crops: the 4 corners and the centre, and their mirrors (classify.py's oversampling)." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _mean, _meanValues, _scale, _rawScale, _channelSwap, _imagesDim, _centerOnly, _oversample })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The preprocessing the options given describe.</summary>
    /// <exception cref="LayerNetException">A malformed or contradictory option.</exception>
    public ImagePreprocessing Create(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Create(
            result.GetValue(_mean), result.GetValue(_meanValues), result.GetValue(_scale), result.GetValue(_rawScale),
            result.GetValue(_channelSwap), result.GetValue(_imagesDim), result.GetValue(_centerOnly), result.GetValue(_oversample));
    }

    /// <summary>
    /// The preprocessing the options' texts describe, as they are written on the command line (the dashboard's
    /// Inference page sends the same texts).
    /// </summary>
    /// <exception cref="LayerNetException">A malformed or contradictory option.</exception>
    public static ImagePreprocessing Create(
        string? mean, string? meanValues, double scale, double rawScale, string? channelSwap, string? imagesDim, bool centerOnly, bool oversample)
    {
        if (centerOnly && oversample)
        {
            throw new LayerNetException("give --center-only or --oversample, not both");
        }

        var dims = Numbers("--images-dim", imagesDim);
        if (dims is not null && (dims.Length != 2 || dims[0] < 1 || dims[1] < 1 || dims[0] != Math.Floor(dims[0]) || dims[1] != Math.Floor(dims[1])))
        {
            throw new LayerNetException($"--images-dim '{imagesDim}': expected H,W (two positive whole numbers)");
        }

        var swap = Numbers("--channel-swap", channelSwap);
        return new ImagePreprocessing(
            mean,
            Numbers("--mean-values", meanValues),
            scale,
            rawScale,
            swap is null ? null : [.. swap.Select(value => (int)value)],
            dims is null ? null : ((int)dims[0], (int)dims[1]),
            oversample);
    }

    private static double[]? Numbers(string option, string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new LayerNetException($"{option} '{text}': '{parts[i]}' is not a number");
            }
        }

        return values;
    }
}
