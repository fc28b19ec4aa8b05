using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// The default boxes of one feature map (the SSD fork's PriorBox). Bottoms: the feature map (its height and width)
/// and the image (its height and width, unless <c>img_size</c> or <c>img_h</c>/<c>img_w</c> are given). Top:
/// 1 x 2 x (H W P 4): the first channel holds each prior's corners (xmin, ymin, xmax, ymax, normalised by the image
/// size), the second the four variances of each.
/// </summary>
/// <remarks>
/// <para>
/// Cell (h, w) has its centre at ((w + offset) step_w, (h + offset) step_h), with step = image size / feature map
/// size unless given. For each min_size s (in the fork's order, truncated to an integer as the fork does): a square
/// box of side s; then, when max_size S is given, a square of side sqrt(s S); then for each aspect ratio r other
/// than 1 a box of width s sqrt(r) and height s / sqrt(r). (One intermediate commit of the fork used sqrt(s S) in
/// place of s for the ratios; its final form, which MobileNet-SSD and the fork's other published models were trained
/// with, uses s.)
/// The ratios are 1 followed by those given, each once (within 1e-6), each followed by 1 / r when flip is on.
/// </para>
/// <para>clip limits the corners to [0, 1]. Variances: one value for all four, four values, or 0.1. No gradient.</para>
/// </remarks>
public sealed class PriorBoxLayer : Layer
{
    private readonly List<float> _aspectRatios = [];
    private float[] _minSizes = [];
    private float[] _maxSizes = [];
    private float[] _variances = [];
    private int _imageHeight;
    private int _imageWidth;
    private float _stepHeight;
    private float _stepWidth;
    private float _offset;
    private bool _clip;

    /// <summary>Creates the layer from its definition (<c>prior_box_param</c>).</summary>
    public PriorBoxLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(2), tops: BlobArity.Exactly(1))
    {
    }

    /// <summary>The number of priors per feature-map cell.</summary>
    public int PriorsPerCell { get; private set; }

    /// <summary>The aspect ratios in the order the priors use them (1 first).</summary>
    public IReadOnlyList<float> AspectRatios => _aspectRatios;

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = ExtensionParameter(SsdExtensions.PriorBoxParam);
        if (p.MinSize.Count == 0)
        {
            throw Error("prior_box_param.min_size is required (at least one box size in pixels)");
        }

        foreach (var size in p.MinSize)
        {
            if (!(size > 0f))
            {
                throw Error(Text($"prior_box_param.min_size must be positive, got {size}"));
            }
        }

        _minSizes = [.. p.MinSize];
        _aspectRatios.Clear();
        _aspectRatios.Add(1f);
        foreach (var ratio in p.AspectRatio)
        {
            var exists = false;
            foreach (var known in _aspectRatios)
            {
                exists |= Math.Abs(ratio - known) < 1e-6;
            }

            if (exists)
            {
                continue;
            }

            _aspectRatios.Add(ratio);
            if (p.Flip)
            {
                _aspectRatios.Add((float)(1d / ratio));
            }
        }

        PriorsPerCell = _aspectRatios.Count * _minSizes.Length;
        if (p.MaxSize.Count > 0)
        {
            if (p.MaxSize.Count != p.MinSize.Count)
            {
                throw Error($"prior_box_param gives {p.MaxSize.Count} max_size for {p.MinSize.Count} min_size; give one per min_size or none");
            }

            for (var i = 0; i < p.MaxSize.Count; i++)
            {
                if (!(p.MaxSize[i] > p.MinSize[i]))
                {
                    throw Error(Text($"prior_box_param.max_size {p.MaxSize[i]} must be greater than min_size {p.MinSize[i]}"));
                }
            }

            PriorsPerCell += p.MaxSize.Count;
        }

        _maxSizes = [.. p.MaxSize];
        _clip = p.Clip;
        if (p.Variance.Count > 1 && p.Variance.Count != 4)
        {
            throw Error($"prior_box_param.variance must be given once or four times, got {p.Variance.Count} values");
        }

        foreach (var variance in p.Variance)
        {
            if (!(variance > 0f))
            {
                throw Error(Text($"prior_box_param.variance must be positive, got {variance}"));
            }
        }

        _variances = p.Variance.Count == 0 ? [0.1f] : [.. p.Variance];
        if (p.HasImgH || p.HasImgW)
        {
            if (p.HasImgSize)
            {
                throw Error("prior_box_param: give either img_size or img_h/img_w, not both");
            }

            _imageHeight = Positive(p.ImgH, "img_h");
            _imageWidth = Positive(p.ImgW, "img_w");
        }
        else if (p.HasImgSize)
        {
            _imageHeight = _imageWidth = Positive(p.ImgSize, "img_size");
        }

        if (p.HasStepH || p.HasStepW)
        {
            if (p.HasStep)
            {
                throw Error("prior_box_param: give either step or step_h/step_w, not both");
            }

            _stepHeight = PositiveStep(p.StepH, "step_h");
            _stepWidth = PositiveStep(p.StepW, "step_w");
        }
        else if (p.HasStep)
        {
            _stepHeight = _stepWidth = PositiveStep(p.Step, "step");
        }

        _offset = p.Offset;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireImageAxes(bottom[0], "PriorBox's feature map");
        if (_imageHeight == 0 || _imageWidth == 0)
        {
            RequireImageAxes(bottom[1], "PriorBox's image");
        }

        var dimension = (long)bottom[0].Height * bottom[0].Width * PriorsPerCell * 4;
        if (dimension <= 0 || dimension > int.MaxValue / 2)
        {
            throw Error($"bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} gives {dimension} prior coordinates; expected at least one");
        }

        top[0].Reshape([1, 2, (int)dimension]);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var layerHeight = bottom[0].Height;
        var layerWidth = bottom[0].Width;
        int imageHeight = _imageHeight, imageWidth = _imageWidth;
        if (imageHeight == 0 || imageWidth == 0)
        {
            imageHeight = bottom[1].Height;
            imageWidth = bottom[1].Width;
        }

        float stepHeight = _stepHeight, stepWidth = _stepWidth;
        if (stepHeight == 0f || stepWidth == 0f)
        {
            stepWidth = (float)imageWidth / layerWidth;
            stepHeight = (float)imageHeight / layerHeight;
        }

        var data = top[0].Data;
        var dimension = layerHeight * layerWidth * PriorsPerCell * 4;
        var corners = data[..dimension];
        var index = 0;
        for (var h = 0; h < layerHeight; h++)
        {
            for (var w = 0; w < layerWidth; w++)
            {
                var centerX = (w + _offset) * stepWidth;
                var centerY = (h + _offset) * stepHeight;
                for (var s = 0; s < _minSizes.Length; s++)
                {
                    // The fork reads the sizes into ints: 60.5 is 60.
                    var minSize = (int)_minSizes[s];
                    Write(corners, ref index, centerX, centerY, minSize, minSize, imageWidth, imageHeight);
                    if (_maxSizes.Length > 0)
                    {
                        var maxSize = (int)_maxSizes[s];
                        var box = (float)Math.Sqrt(minSize * maxSize);
                        Write(corners, ref index, centerX, centerY, box, box, imageWidth, imageHeight);
                    }

                    foreach (var ratio in _aspectRatios)
                    {
                        if (Math.Abs(ratio - 1d) < 1e-6)
                        {
                            continue;
                        }

                        var root = Math.Sqrt(ratio);
                        Write(corners, ref index, centerX, centerY, (float)(minSize * root), (float)(minSize / root), imageWidth, imageHeight);
                    }
                }
            }
        }

        if (_clip)
        {
            for (var d = 0; d < dimension; d++)
            {
                corners[d] = Math.Min(Math.Max(corners[d], 0f), 1f);
            }
        }

        var variances = data.Slice(dimension, dimension);
        if (_variances.Length == 1)
        {
            variances.Fill(_variances[0]);
        }
        else
        {
            for (var d = 0; d < dimension; d += 4)
            {
                _variances.CopyTo(variances.Slice(d, 4));
            }
        }
    }

    private static void Write(Span<float> corners, ref int index, float centerX, float centerY, float boxWidth, float boxHeight, int imageWidth, int imageHeight)
    {
        corners[index++] = (float)((centerX - (boxWidth / 2d)) / imageWidth);
        corners[index++] = (float)((centerY - (boxHeight / 2d)) / imageHeight);
        corners[index++] = (float)((centerX + (boxWidth / 2d)) / imageWidth);
        corners[index++] = (float)((centerY + (boxHeight / 2d)) / imageHeight);
    }

    private int Positive(uint value, string field) =>
        value > 0 && value <= int.MaxValue ? (int)value : throw Error($"prior_box_param.{field} must be larger than 0, got {value}");

    private float PositiveStep(float value, string field) =>
        value > 0f ? value : throw Error(Text($"prior_box_param.{field} must be larger than 0, got {value}"));

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
