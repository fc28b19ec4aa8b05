using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using CodeType = LayerNet.Samples.Ssd.PriorBoxParameter.Types.CodeType;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// SSD's detections (the fork's DetectionOutput, inference only). Bottoms: the location predictions
/// (N x P L 4, L = 1 with share_location, else the class count), the class confidences (N x P C, probabilities) and
/// the priors (1 x 2 x P 4, PriorBox's layout). Top: 1 x 1 x K x 7, one row per detection,
/// [image_id, label, confidence, xmin, ymin, xmax, ymax], by image, then by label, then best first.
/// </summary>
/// <remarks>
/// <para>
/// Each prediction is decoded against its prior (<c>code_type</c>, with or without the variances,
/// <see cref="BoxMath.Decode"/>; never clipped). For every image and every class but the background: the boxes whose
/// score is above <c>confidence_threshold</c>, best first (stable), at most <c>nms_param.top_k</c>, go through
/// non-maximum suppression (<c>nms_threshold</c>, adaptive with <c>eta</c> below 1). When an image keeps more than
/// <c>keep_top_k</c> detections over all classes, only the <c>keep_top_k</c> best stay (stable on equal scores, in
/// label then suppression order).
/// </para>
/// <para>
/// When no image keeps anything the top is 1 x 1 x N x 7, row i being [i, -1, -1, -1, -1, -1, -1], as the fork
/// writes it. No gradient. The fork's result files (<c>save_output_param.output_directory</c>) and its on-screen
/// drawing (<c>visualize</c>) are refused.
/// </para>
/// </remarks>
public sealed class DetectionOutputLayer : Layer
{
    private int _numClasses;
    private bool _shareLocation;
    private int _locationClasses;
    private int _backgroundLabel;
    private CodeType _codeType;
    private bool _varianceInTarget;
    private int _keepTopK;
    private float _confidenceThreshold;
    private float _nmsThreshold;
    private float _eta;
    private int _topK;
    private int _priors;
    private int _num;
    private int _rowsPerImage;

    private BoundingBox[] _priorBoxes = [];
    private BoundingBox[] _decoded = [];
    private float[] _scores = [];
    private int[] _candidates = [];
    private int[] _sortScratch = [];
    private int[] _kept = [];
    private int[] _keptCounts = [];
    private int[] _rows = [];
    private int[] _rowCounts = [];
    private float[] _pairScores = [];
    private int[] _pairPayload = [];
    private int[] _pairOrder = [];

    /// <summary>Creates the layer from its definition (<c>detection_output_param</c>).</summary>
    public DetectionOutputLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(3), tops: BlobArity.Exactly(1))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = RequiredExtensionParameter(SsdExtensions.DetectionOutputParam, "detection_output_param is required (num_classes)");
        if (!p.HasNumClasses)
        {
            throw Error("detection_output_param.num_classes is required");
        }

        _numClasses = p.NumClasses is >= 1 and <= 1 << 20 ? (int)p.NumClasses : throw Error($"detection_output_param.num_classes {p.NumClasses} is out of range; expected at least 1");
        _shareLocation = p.ShareLocation;
        _locationClasses = _shareLocation ? 1 : _numClasses;
        // -1 means no background class: every class is detected. With shared locations the fork's CPU path then
        // skips the shared boxes (they carry label -1) and aborts; its GPU path decodes them, as here.
        _backgroundLabel = p.BackgroundLabelId;

        _codeType = p.CodeType;
        _varianceInTarget = p.VarianceEncodedInTarget;
        _keepTopK = p.KeepTopK;
        _confidenceThreshold = p.HasConfidenceThreshold ? p.ConfidenceThreshold : -float.MaxValue;
        var nms = p.NmsParam ?? new NonMaximumSuppressionParameter();
        _nmsThreshold = nms.NmsThreshold;
        if (!(_nmsThreshold >= 0f))
        {
            throw Error(Text($"detection_output_param.nms_param.nms_threshold must be non-negative, got {_nmsThreshold}"));
        }

        _eta = nms.Eta;
        if (!(_eta > 0f && _eta <= 1f))
        {
            throw Error(Text($"detection_output_param.nms_param.eta must be in (0, 1], got {_eta}"));
        }

        _topK = nms.HasTopK ? nms.TopK : -1;
        if (p.SaveOutputParam is { } save && !string.IsNullOrEmpty(save.OutputDirectory))
        {
            throw Error($"detection_output_param.save_output_param.output_directory '{save.OutputDirectory}': LayerNet does not write the fork's result files; remove save_output_param and read the detections from the top blob");
        }

        if (p.Visualize)
        {
            throw Error("detection_output_param.visualize: LayerNet does not draw detections on screen; remove visualize");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob location = bottom[0], confidence = bottom[1], priors = bottom[2];
        if (location.AxisCount < 2 || confidence.AxisCount < 2 || priors.AxisCount < 3)
        {
            throw Error($"bottoms '{location.Name}' ({location.ShapeString}), '{confidence.Name}' ({confidence.ShapeString}) and '{priors.Name}' ({priors.ShapeString}) must be N x P L 4, N x P C and 1 x 2 x P 4");
        }

        if (confidence.Num != location.Num)
        {
            throw Error($"bottoms '{location.Name}' ({location.ShapeString}) and '{confidence.Name}' ({confidence.ShapeString}) must have the same number of items (first axis)");
        }

        _num = location.Num;
        _priors = priors.Height / 4;
        if (priors.Count < 2 * _priors * 4)
        {
            throw Error($"bottom '{priors.Name}' ({priors.ShapeString}) must hold the priors and their variances, 1 x 2 x P 4");
        }

        if (location.CountFrom(1) != _priors * _locationClasses * 4)
        {
            throw Error($"bottom '{location.Name}' ({location.ShapeString}) must hold {_priors * _locationClasses * 4} location values per item ({_priors} priors x {_locationClasses} x 4)");
        }

        if (confidence.CountFrom(1) != _priors * _numClasses)
        {
            throw Error($"bottom '{confidence.Name}' ({confidence.ShapeString}) must hold {_priors * _numClasses} confidences per item ({_priors} priors x {_numClasses} classes)");
        }

        var perClass = _topK > -1 ? Math.Min(_topK, _priors) : _priors;
        var detectingClasses = _backgroundLabel >= 0 && _backgroundLabel < _numClasses ? _numClasses - 1 : _numClasses;
        var perImage = detectingClasses * perClass;
        Grow(ref _priorBoxes, _priors);
        Grow(ref _decoded, _num * _locationClasses * _priors);
        Grow(ref _scores, _priors);
        Grow(ref _candidates, Math.Max(_priors, perImage));
        Grow(ref _sortScratch, Math.Max(_priors, perImage));
        Grow(ref _kept, _num * _numClasses * perClass);
        Grow(ref _keptCounts, _num * _numClasses);
        _rowsPerImage = perImage;
        Grow(ref _rows, _num * perImage);
        Grow(ref _rowCounts, _num);
        Grow(ref _pairScores, perImage);
        Grow(ref _pairPayload, perImage);
        Grow(ref _pairOrder, perImage);

        // Reserve the most rows a forward pass can write, so that forward never grows the top.
        var mostRows = _keepTopK > -1 ? Math.Min(perImage, _keepTopK) : perImage;
        top[0].Reshape([1, 1, Math.Max(_num * mostRows, _num), 7]);
        top[0].Reshape([1, 1, 1, 7]);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> location = bottom[0].Data;
        ReadOnlySpan<float> confidence = bottom[1].Data;
        ReadOnlySpan<float> priorData = bottom[2].Data;
        int priors = _priors, classes = _numClasses, perClass = _topK > -1 ? Math.Min(_topK, priors) : priors;
        var variances = priorData.Slice(priors * 4, priors * 4);
        for (var p = 0; p < priors; p++)
        {
            _priorBoxes[p] = BoundingBox.Read(priorData, p * 4);
        }

        for (var i = 0; i < _num; i++)
        {
            for (var c = 0; c < _locationClasses; c++)
            {
                if (!_shareLocation && c == _backgroundLabel)
                {
                    continue;
                }

                var decoded = _decoded.AsSpan(((i * _locationClasses) + c) * priors, priors);
                for (var p = 0; p < priors; p++)
                {
                    var offsets = BoundingBox.Read(location, (((i * priors) + p) * _locationClasses * 4) + (c * 4));
                    decoded[p] = BoxMath.Decode(_priorBoxes[p], variances.Slice(p * 4, 4), _codeType, _varianceInTarget, offsets);
                }
            }
        }

        var kept = 0;
        for (var i = 0; i < _num; i++)
        {
            var detections = 0;
            for (var c = 0; c < classes; c++)
            {
                var slot = (i * classes) + c;
                _keptCounts[slot] = 0;
                if (c == _backgroundLabel)
                {
                    continue;
                }

                var scores = _scores.AsSpan(0, priors);
                for (var p = 0; p < priors; p++)
                {
                    scores[p] = confidence[(((i * priors) + p) * classes) + c];
                }

                var boxes = _decoded.AsSpan(((i * _locationClasses) + (_shareLocation ? 0 : c)) * priors, priors);
                var indices = _kept.AsSpan(slot * perClass, perClass);
                _keptCounts[slot] = BoxMath.SuppressFast(
                    boxes, scores, _confidenceThreshold, _nmsThreshold, _eta, _topK, indices, _candidates, _sortScratch);
                detections += _keptCounts[slot];
            }

            _rowCounts[i] = SelectRows(i, detections, confidence, perClass);
            kept += _rowCounts[i];
        }

        var output = top[0];
        if (kept == 0)
        {
            output.Reshape([1, 1, _num, 7]);
            var empty = output.Data;
            empty.Fill(-1f);
            for (var i = 0; i < _num; i++)
            {
                empty[i * 7] = i;
            }

            return;
        }

        output.Reshape([1, 1, kept, 7]);
        var data = output.Data;
        var row = 0;
        for (var i = 0; i < _num; i++)
        {
            for (var r = 0; r < _rowCounts[i]; r++)
            {
                var payload = _rows[(i * _rowsPerImage) + r];
                int label = payload / priors, index = payload % priors;
                var box = _decoded[(((i * _locationClasses) + (_shareLocation ? 0 : label)) * priors) + index];
                var values = data.Slice(row++ * 7, 7);
                values[0] = i;
                values[1] = label;
                values[2] = confidence[(((i * priors) + index) * classes) + label];
                values[3] = box.XMin;
                values[4] = box.YMin;
                values[5] = box.XMax;
                values[6] = box.YMax;
            }
        }
    }

    /// <summary>
    /// Writes image <paramref name="image"/>'s output rows (label * P + prior) into its slice of the row buffer, by label
    /// then in kept order, cut to keep_top_k when the image has more detections; returns how many.
    /// </summary>
    private int SelectRows(int image, int detections, ReadOnlySpan<float> confidence, int perClass)
    {
        int priors = _priors, classes = _numClasses;
        var rows = _rows.AsSpan(image * _rowsPerImage, _rowsPerImage);
        if (_keepTopK <= -1 || detections <= _keepTopK)
        {
            var count = 0;
            for (var c = 0; c < classes; c++)
            {
                var slot = (image * classes) + c;
                for (var k = 0; k < _keptCounts[slot]; k++)
                {
                    rows[count++] = (c * priors) + _kept[(slot * perClass) + k];
                }
            }

            return count;
        }

        // Every kept detection as (score, label * P + prior), in label then suppression order; the keep_top_k best
        // by a stable descending sort, then grouped by label again, keeping their score order within each label.
        var pairs = 0;
        for (var c = 0; c < classes; c++)
        {
            var slot = (image * classes) + c;
            for (var k = 0; k < _keptCounts[slot]; k++)
            {
                var index = _kept[(slot * perClass) + k];
                _pairScores[pairs] = confidence[(((image * priors) + index) * classes) + c];
                _pairPayload[pairs] = (c * priors) + index;
                _pairOrder[pairs] = pairs;
                pairs++;
            }
        }

        BoxMath.SortDescending(_pairOrder.AsSpan(0, pairs), _pairScores, _sortScratch);
        var written = 0;
        for (var c = 0; c < classes; c++)
        {
            for (var k = 0; k < _keepTopK; k++)
            {
                var payload = _pairPayload[_pairOrder[k]];
                if (payload / priors == c)
                {
                    rows[written++] = payload;
                }
            }
        }

        return written;
    }

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
