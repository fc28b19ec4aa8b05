using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Numerics;
using CodeType = LayerNet.Samples.Ssd.PriorBoxParameter.Types.CodeType;
using ConfLossType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.ConfLossType;
using LocLossType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.LocLossType;
using MatchType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.MatchType;
using MiningType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.MiningType;
using NormalizationMode = Caffe.LossParameter.Types.NormalizationMode;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// SSD's training loss (the fork's MultiBoxLoss). Bottoms: location predictions (N x P L 4), confidence logits
/// (N x P C), priors (1 x 2 x P 4) and ground truth (1 x 1 x G x 8, rows [item_id, label, instance_id, xmin, ymin,
/// xmax, ymax, difficult], item_id -1 for padding). Top: the loss. Gradients go to the predictions only.
/// </summary>
/// <remarks>
/// <para>
/// Matching (per image): the priors (or, with use_prior_for_matching false, the decoded predictions) are matched to
/// the ground truth bipartitely, then, for PER_PREDICTION, every prior still free takes the ground truth it overlaps
/// most if by at least overlap_threshold (<see cref="BoxMath.Match"/>). Difficult ground truth is dropped unless
/// use_difficult_gt; a ground truth with the background label is an error.
/// </para>
/// <para>
/// Mining: MAX_NEGATIVE ranks the unmatched priors overlapping no ground truth by neg_overlap or more by their
/// confidence loss against the background and keeps the floor(positives x neg_pos_ratio) worst of each image (stable
/// on equal losses; after suppression among them when nms_param is given); HARD_EXAMPLE ranks every prior by
/// confidence plus localisation loss, keeps sample_size of them and unmatches the positives it did not keep; NONE
/// uses every prior. The legacy do_neg_mining must agree with mining_type when given.
/// </para>
/// <para>
/// Loss: L = (loc_weight Lloc + Lconf) / Z. Lloc sums SMOOTH_L1 (0.5 d^2 where |d| &lt; 1, |d| - 0.5 elsewhere) or L2
/// (0.5 d^2) over the matched priors' four offsets, d = prediction - encoded ground truth (both divided by the
/// variances with encode_variance_in_target). Lconf sums the softmax cross-entropy -log(max(p_label, FLT_MIN)) (or the
/// logistic loss over every class) over the matched priors (their ground truth's label) and the mined negatives
/// (background). Z is loss_param.normalization's: VALID the number of matches, FULL N P, BATCH_SIZE N, NONE 1, never
/// below 1. A term whose predictions the layer's propagate_down turns off (false for bottom 0 or 1) is left out.
/// </para>
/// <para>
/// Gradient: d(L)/d(prediction) = loc_weight dLloc / Z and dLconf / Z at the rows that took part, 0 elsewhere; none to
/// the priors and the ground truth. Two fork behaviours are kept as the fork has them: with
/// encode_variance_in_target the localisation gradient is that of the divided prediction (not divided once more by
/// the variance), and LOGISTIC without mining writes image i's targets at offset i P (not i P C).
/// </para>
/// </remarks>
public sealed class MultiBoxLossLayer : Layer
{
    /// <summary>C's FLT_MIN, the smallest normal float: the fork's floor under a probability before its log.</summary>
    private const float FloatMin = 1.17549435e-38f;

    private MultiBoxLossParameter _p = new();
    private int _numClasses;
    private bool _shareLocation;
    private int _locationClasses;
    private int _backgroundLabel;
    private MiningType _mining;
    private bool _doNegativeMining;
    private NormalizationMode _normalization;
    private bool _locationInLoss;
    private bool _confidenceInLoss;
    private float _nmsThreshold;
    private int _nmsTopK;

    private int _num;
    private int _priors;
    private int _groundTruthRows;
    private int _matchCount;
    private int _negativeCount;
    private int _confidenceRows;
    private float _normalizer = 1f;

    private BoundingBox[] _priorBoxes = [];
    private BoundingBox[] _groundTruth = [];
    private int[] _groundTruthLabels = [];
    private int[] _groundTruthStart = [];
    private int[] _groundTruthFill = [];
    private int[] _matchIndices = [];
    private int[] _allMatches = [];
    private float[] _allOverlaps = [];
    private int[] _rowPriors = [];
    private float[] _matchOverlaps = [];
    private float[] _overlapScratch = [];
    private int[] _groundTruthIndexScratch = [];
    private bool[] _unusedScratch = [];
    private BoundingBox[] _boxScratch = [];
    private float[] _priorLoss = [];
    private float[] _locationLossPerPrior = [];
    private int[] _eligible = [];
    private float[] _eligibleLoss = [];
    private int[] _order = [];
    private int[] _sortScratch = [];
    private int[] _kept = [];
    private bool[] _selected = [];
    private int[] _negatives = [];
    private int[] _negativeCounts = [];
    private float[] _locationPrediction = [];
    private float[] _locationTarget = [];
    private int[] _matchStarts = [];
    private ActiveMatch[] _active = [];
    private int _locationRows;
    private float[] _confidencePrediction = [];
    private float[] _confidenceTarget = [];
    private float[] _confidenceOutput = [];
    private float[] _softmaxScratch = new float[1];

    /// <summary>Creates the layer from its definition (<c>multibox_loss_param</c>, <c>loss_param</c>).</summary>
    public MultiBoxLossLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(4), tops: BlobArity.Exactly(1))
    {
    }

    /// <inheritdoc/>
    protected override bool IsLoss => true;

    /// <inheritdoc/>
    public override bool AutoTopBlobs => true;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex < 2;

    /// <summary>The number of matched priors (positives) after the last forward pass's mining.</summary>
    public int MatchCount => _matchCount;

    /// <summary>The number of mined negatives in the last forward pass (0 without mining).</summary>
    public int NegativeCount => _negativeCount;

    /// <summary>The loss normaliser Z of the last forward pass.</summary>
    public float Normalizer => _normalizer;

    /// <summary>
    /// The ground truth prior <paramref name="prior"/> of image <paramref name="item"/> was matched to in the last
    /// forward pass (for location class <paramref name="locationClass"/>, 0 with share_location): its index among the
    /// image's ground-truth rows kept (in row order), -1 when unmatched, -2 when ignored as crossing the border.
    /// </summary>
    public int MatchOf(int item, int prior, int locationClass = 0) =>
        _matchIndices[(((item * _locationClasses) + locationClass) * _priors) + prior];

    /// <summary>The priors mined as negatives for image <paramref name="item"/> in the last forward pass, in prior order.</summary>
    public ReadOnlySpan<int> NegativesOf(int item) => _negatives.AsSpan(item * _priors, _negativeCounts[item]);

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _p = RequiredExtensionParameter(SsdExtensions.MultiboxLossParam, "multibox_loss_param is required (num_classes)");
        if (!_p.HasNumClasses)
        {
            throw Error("multibox_loss_param.num_classes is required");
        }

        _numClasses = _p.NumClasses is >= 1 and <= 1 << 20 ? (int)_p.NumClasses : throw Error($"multibox_loss_param.num_classes {_p.NumClasses} is out of range; expected at least 1");
        _shareLocation = _p.ShareLocation;
        _locationClasses = _shareLocation ? 1 : _numClasses;
        _backgroundLabel = (int)_p.BackgroundLabelId;
        if (_p.MapObjectToAgnostic && _numClasses != 2)
        {
            throw Error($"multibox_loss_param.map_object_to_agnostic needs num_classes 2 (background and object), got {_numClasses}");
        }

        _mining = _p.MiningType;
        _doNegativeMining = _mining != MiningType.None;

        // The fork checks the background class only where it is used as a class: the softmax loss, and mining.
        if (_p.BackgroundLabelId >= _numClasses && (_p.ConfLossType == ConfLossType.Softmax || _doNegativeMining))
        {
            throw Error($"multibox_loss_param.background_label_id {_p.BackgroundLabelId} is out of range for {_numClasses} classes");
        }
        if (_p.HasDoNegMining && _p.DoNegMining != _doNegativeMining)
        {
            throw Error($"multibox_loss_param.do_neg_mining {(_p.DoNegMining ? "true" : "false")} contradicts mining_type {MultiBoxLossParameter.Descriptor.FindFieldByName("mining_type").EnumType.FindValueByNumber((int)_mining).Name} (do_neg_mining is deprecated: set mining_type, NONE for no mining)");
        }

        if (_doNegativeMining && !_shareLocation)
        {
            throw Error("multibox_loss_param: negative mining (mining_type other than NONE) needs share_location true");
        }

        if (_mining == MiningType.HardExample && _p.SampleSize <= 0)
        {
            throw Error($"multibox_loss_param.sample_size must be positive for HARD_EXAMPLE mining, got {_p.SampleSize}");
        }

        var nms = _p.NmsParam;
        _nmsThreshold = nms is null ? 0f : nms.NmsThreshold;
        _nmsTopK = nms is null ? -1 : nms.TopK; // the fork reads top_k's default, 0, when nms_param leaves it out

        var loss = Parameter.LossParam ?? new LossParameter();
        _normalization = !loss.HasNormalization && loss.HasNormalize
            ? (loss.Normalize ? NormalizationMode.Valid : NormalizationMode.BatchSize)
            : loss.Normalization;

        // The fork's default propagate_down is true, true, false, false; the forward loss leaves out a term whose
        // predictions it turns off.
        var propagate = Parameter.PropagateDown;
        _locationInLoss = propagate.Count == 0 || propagate[0];
        _confidenceInLoss = propagate.Count == 0 || (propagate.Count > 1 && propagate[1]);
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob location = bottom[0], confidence = bottom[1], priors = bottom[2], truth = bottom[3];
        if (location.AxisCount < 2 || confidence.AxisCount < 2 || priors.AxisCount < 3 || truth.AxisCount < 3)
        {
            throw Error($"bottoms '{location.Name}' ({location.ShapeString}), '{confidence.Name}' ({confidence.ShapeString}), '{priors.Name}' ({priors.ShapeString}) and '{truth.Name}' ({truth.ShapeString}) must be N x P L 4, N x P C, 1 x 2 x P 4 and 1 x 1 x G x 8");
        }

        if (confidence.Num != location.Num)
        {
            throw Error($"bottoms '{location.Name}' ({location.ShapeString}) and '{confidence.Name}' ({confidence.ShapeString}) must have the same number of items (first axis)");
        }

        _num = location.Num;
        _priors = priors.Height / 4;
        _groundTruthRows = truth.Height;
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

        if (truth.Count != _groundTruthRows * 8)
        {
            throw Error($"bottom '{truth.Name}' ({truth.ShapeString}) must be 1 x 1 x G x 8 (item_id, label, instance_id, xmin, ymin, xmax, ymax, difficult)");
        }

        int n = _num, p = _priors, g = _groundTruthRows, c = _numClasses, slots = n * _locationClasses * p;
        Grow(ref _priorBoxes, p);
        Grow(ref _groundTruth, g);
        Grow(ref _groundTruthLabels, g);
        Grow(ref _groundTruthStart, n + 1);
        Grow(ref _groundTruthFill, n);
        Grow(ref _matchIndices, slots);
        Grow(ref _matchOverlaps, slots);
        Grow(ref _allMatches, p);
        Grow(ref _allOverlaps, p);
        Grow(ref _rowPriors, n * p);
        Grow(ref _overlapScratch, p * g);
        Grow(ref _groundTruthIndexScratch, g);
        Grow(ref _unusedScratch, g);
        Grow(ref _boxScratch, p);
        Grow(ref _priorLoss, p);
        Grow(ref _locationLossPerPrior, n * p);
        Grow(ref _eligible, p);
        Grow(ref _eligibleLoss, p);
        Grow(ref _order, p);
        Grow(ref _sortScratch, p);
        Grow(ref _kept, p);
        Grow(ref _selected, p);
        Grow(ref _negatives, n * p);
        Grow(ref _negativeCounts, n);
        Grow(ref _locationPrediction, slots * 4);
        Grow(ref _locationTarget, slots * 4);
        Grow(ref _matchStarts, slots);
        Grow(ref _active, slots);
        Grow(ref _confidencePrediction, n * p * c);
        Grow(ref _confidenceTarget, n * p * c);
        Grow(ref _confidenceOutput, n * p * c);
        top[0].Reshape([]);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> location = bottom[0].Data;
        ReadOnlySpan<float> confidence = bottom[1].Data;
        ReadOnlySpan<float> priorData = bottom[2].Data;
        ReadOnlySpan<float> variances = priorData.Slice(_priors * 4, _priors * 4);
        for (var p = 0; p < _priors; p++)
        {
            _priorBoxes[p] = BoundingBox.Read(priorData, p * 4);
        }

        ReadGroundTruth(bottom[3].Data);
        FindMatches(location, variances);
        _matchCount = 0;
        for (var s = 0; s < _num * _locationClasses * _priors; s++)
        {
            _matchCount += _matchIndices[s] > -1 ? 1 : 0;
        }

        _negativeCount = 0;
        _negativeCounts.AsSpan(0, _num).Clear();
        if (_doNegativeMining)
        {
            MineHardExamples(location, confidence, variances);
        }

        var locationLoss = 0d;
        _locationRows = 0;
        if (_matchCount >= 1)
        {
            var written = EncodeLocation(location, variances, _locationPrediction, _locationTarget);
            _locationRows = written;
            for (var k = 0; k < written * 4; k++)
            {
                var d = _locationPrediction[k] - _locationTarget[k];
                locationLoss += _p.LocLossType == LocLossType.SmoothL1 ? SmoothL1(d) : 0.5f * d * d;
            }
        }

        var confidenceLoss = 0d;
        _confidenceRows = _doNegativeMining ? _matchCount + _negativeCount : _num * _priors;
        if (_confidenceRows >= 1)
        {
            confidenceLoss = ConfidenceLoss(confidence);
        }

        _normalizer = NormalizerOf(_normalization, _num, _priors, _matchCount);
        var value = 0f;
        if (_locationInLoss)
        {
            value += _p.LocWeight * (float)locationLoss / _normalizer;
        }

        if (_confidenceInLoss)
        {
            value += (float)confidenceLoss / _normalizer;
        }

        top[0].Data[0] = value;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var scale = top[0].Diff[0] / _normalizer;
        if (propagateDown[0])
        {
            var diff = bottom[0].Diff;
            diff.Clear();
            if (_matchCount >= 1)
            {
                var weight = _p.LocWeight * scale;
                // The rows the forward pass encoded, each with where its prediction is.
                for (var row = 0; row < _locationRows; row++)
                {
                    var start = _matchStarts[row];
                    for (var k = 0; k < 4; k++)
                    {
                        var d = _locationPrediction[(row * 4) + k] - _locationTarget[(row * 4) + k];
                        var gradient = _p.LocLossType == LocLossType.SmoothL1 ? (Math.Abs(d) < 1f ? d : Math.Sign(d)) : d;
                        diff[start + k] = weight * gradient;
                    }
                }
            }
        }

        if (propagateDown[1])
        {
            var diff = bottom[1].Diff;
            diff.Clear();
            if (_confidenceRows >= 1)
            {
                WriteConfidenceGradient(diff, scale);
            }
        }
    }

    /// <summary>The fork's GetNormalizer: never below 1.</summary>
    private static float NormalizerOf(NormalizationMode mode, int outer, int inner, int valid) =>
        Math.Max(1f, mode switch
        {
            NormalizationMode.Full => outer * inner,
            NormalizationMode.Valid => valid == -1 ? outer * inner : valid,
            NormalizationMode.BatchSize => outer,
            _ => 1f,
        });

    private static float SmoothL1(float d)
    {
        var magnitude = Math.Abs(d);
        return magnitude < 1f ? 0.5f * d * d : magnitude - 0.5f;
    }

    /// <summary>
    /// The current matches of the active slots, in the fork's order (image, location class, prior): what its loops
    /// over the match map visit. Collected again at each use, since hard-example mining drops matches.
    /// </summary>
    private ReadOnlySpan<ActiveMatch> ActiveMatches()
    {
        var count = 0;
        for (var i = 0; i < _num; i++)
        {
            for (var slot = 0; slot < _locationClasses; slot++)
            {
                if (!SlotActive(i, slot))
                {
                    continue;
                }

                var matches = _matchIndices.AsSpan(((i * _locationClasses) + slot) * _priors, _priors);
                for (var j = 0; j < _priors; j++)
                {
                    if (matches[j] > -1)
                    {
                        _active[count++] = new ActiveMatch(i, slot, j, matches[j]);
                    }
                }
            }
        }

        return _active.AsSpan(0, count);
    }

    /// <summary>Whether image <paramref name="item"/> has location class <paramref name="slot"/> in its matches (the fork's map keys).</summary>
    private bool SlotActive(int item, int slot) =>
        _groundTruthStart[item + 1] > _groundTruthStart[item] && (_shareLocation || slot != _backgroundLabel);

    /// <summary>The fork's GetGroundTruth: the kept rows of each image, in row order.</summary>
    private void ReadGroundTruth(ReadOnlySpan<float> data)
    {
        var counts = _groundTruthFill.AsSpan(0, _num);
        counts.Clear();
        for (var pass = 0; pass < 2; pass++)
        {
            if (pass == 1)
            {
                _groundTruthStart[0] = 0;
                for (var i = 0; i < _num; i++)
                {
                    _groundTruthStart[i + 1] = _groundTruthStart[i] + counts[i];
                }

                counts.Clear();
            }

            for (var r = 0; r < _groundTruthRows; r++)
            {
                var row = data.Slice(r * 8, 8);
                var item = (int)row[0];
                if (item == -1)
                {
                    continue;
                }

                var label = (int)row[1];
                if (pass == 0)
                {
                    CheckLabel(r, label);
                }

                var difficult = row[7] != 0f;
                if ((!_p.UseDifficultGt && difficult) || item < 0 || item >= _num)
                {
                    continue;
                }

                if (pass == 1)
                {
                    var at = _groundTruthStart[item] + counts[item];
                    _groundTruth[at] = new BoundingBox(row[3], row[4], row[5], row[6]);
                    _groundTruthLabels[at] = label;
                }

                counts[item]++;
            }
        }
    }

    private void CheckLabel(int row, int label)
    {
        if (label == _backgroundLabel)
        {
            throw Error($"ground truth row {row} of bottom 3 has the background label {label}");
        }

        if ((!_p.MapObjectToAgnostic || _doNegativeMining) && (label < 0 || label >= _numClasses))
        {
            throw Error($"ground truth row {row} of bottom 3 has label {label}, out of range for {_numClasses} classes");
        }
    }

    /// <summary>The fork's FindMatches.</summary>
    private void FindMatches(ReadOnlySpan<float> location, ReadOnlySpan<float> variances)
    {
        _matchIndices.AsSpan(0, _num * _locationClasses * _priors).Fill(-1);
        _matchOverlaps.AsSpan(0, _num * _locationClasses * _priors).Clear();
        for (var i = 0; i < _num; i++)
        {
            var start = _groundTruthStart[i];
            var count = _groundTruthStart[i + 1] - start;
            if (count == 0)
            {
                continue;
            }

            ReadOnlySpan<BoundingBox> truth = _groundTruth.AsSpan(start, count);
            ReadOnlySpan<int> labels = _groundTruthLabels.AsSpan(start, count);
            if (!_p.UsePriorForMatching)
            {
                for (var slot = 0; slot < _locationClasses; slot++)
                {
                    if (!SlotActive(i, slot))
                    {
                        continue;
                    }

                    var decoded = Decoded(location, variances, i, slot);
                    Match(truth, labels, decoded, _shareLocation ? -1 : slot, i, slot);
                }

                continue;
            }

            // One match over all classes (into the scratch), handed to the location class of each match's label.
            var all = _allMatches.AsSpan(0, _priors);
            var allOverlaps = _allOverlaps.AsSpan(0, _priors);
            BoxMath.Match(
                truth, labels, _priorBoxes.AsSpan(0, _priors), -1, _p.MatchType, _p.OverlapThreshold, _p.IgnoreCrossBoundaryBbox,
                all, allOverlaps, _overlapScratch, _groundTruthIndexScratch, _unusedScratch);
            if (_shareLocation)
            {
                all.CopyTo(_matchIndices.AsSpan(i * _priors, _priors));
                allOverlaps.CopyTo(_matchOverlaps.AsSpan(i * _priors, _priors));
                continue;
            }

            for (var slot = 0; slot < _locationClasses; slot++)
            {
                if (slot == _backgroundLabel)
                {
                    continue;
                }

                var indices = _matchIndices.AsSpan(((i * _locationClasses) + slot) * _priors, _priors);
                allOverlaps.CopyTo(_matchOverlaps.AsSpan(((i * _locationClasses) + slot) * _priors, _priors));
                for (var m = 0; m < _priors; m++)
                {
                    indices[m] = all[m] > -1 && labels[all[m]] == slot ? all[m] : -1;
                }
            }
        }
    }

    private void Match(ReadOnlySpan<BoundingBox> truth, ReadOnlySpan<int> labels, ReadOnlySpan<BoundingBox> predictions, int label, int item, int slot)
    {
        var at = ((item * _locationClasses) + slot) * _priors;
        BoxMath.Match(
            truth,
            labels,
            predictions,
            label,
            _p.MatchType,
            _p.OverlapThreshold,
            _p.IgnoreCrossBoundaryBbox,
            _matchIndices.AsSpan(at, _priors),
            _matchOverlaps.AsSpan(at, _priors),
            _overlapScratch,
            _groundTruthIndexScratch,
            _unusedScratch);
    }

    /// <summary>Image <paramref name="item"/>'s predictions of location class <paramref name="slot"/>, decoded (unclipped) into the box scratch.</summary>
    private ReadOnlySpan<BoundingBox> Decoded(ReadOnlySpan<float> location, ReadOnlySpan<float> variances, int item, int slot)
    {
        var decoded = _boxScratch.AsSpan(0, _priors);
        for (var p = 0; p < _priors; p++)
        {
            var offsets = BoundingBox.Read(location, (((item * _priors) + p) * _locationClasses * 4) + (slot * 4));
            decoded[p] = BoxMath.Decode(_priorBoxes[p], variances.Slice(p * 4, 4), _p.CodeType, _p.EncodeVarianceInTarget, offsets);
        }

        return decoded;
    }

    /// <summary>
    /// The fork's EncodeLocPrediction: for every match (image, location class, prior in order), the prediction and the
    /// encoded ground truth; returns how many matches were written.
    /// </summary>
    private int EncodeLocation(ReadOnlySpan<float> location, ReadOnlySpan<float> variances, Span<float> prediction, Span<float> target)
    {
        var row = 0;
        foreach (var match in ActiveMatches())
        {
            var (i, slot, j) = (match.Image, match.Slot, match.Prior);
            var variance = variances.Slice(j * 4, 4);
            var truth = _groundTruth[_groundTruthStart[i] + match.Truth];
            var encoded = BoxMath.Encode(_priorBoxes[j], variance, _p.CodeType, _p.EncodeVarianceInTarget, truth);
            var predicted = BoundingBox.Read(location, (((i * _priors) + j) * _locationClasses * 4) + (slot * 4));
            if (_p.BpInside)
            {
                // Where the matched box's corner leaves the image, the target stands in for the prediction: no gradient there.
                var matched = _p.UsePriorForMatching
                    ? _priorBoxes[j]
                    : BoxMath.Decode(_priorBoxes[j], variance, _p.CodeType, _p.EncodeVarianceInTarget, predicted);
                predicted = new BoundingBox(
                    matched.XMin < 0f || matched.XMin > 1f ? encoded.XMin : predicted.XMin,
                    matched.YMin < 0f || matched.YMin > 1f ? encoded.YMin : predicted.YMin,
                    matched.XMax < 0f || matched.XMax > 1f ? encoded.XMax : predicted.XMax,
                    matched.YMax < 0f || matched.YMax > 1f ? encoded.YMax : predicted.YMax);
            }

            Write(prediction, row, predicted);
            Write(target, row, encoded);
            _matchStarts[row] = (((i * _priors) + j) * _locationClasses * 4) + (slot * 4);
            if (_p.EncodeVarianceInTarget)
            {
                for (var k = 0; k < 4; k++)
                {
                    prediction[(row * 4) + k] /= variance[k];
                    target[(row * 4) + k] /= variance[k];
                }
            }

            row++;
        }

        return row;
    }

    private static void Write(Span<float> values, int row, in BoundingBox box)
    {
        values[row * 4] = box.XMin;
        values[(row * 4) + 1] = box.YMin;
        values[(row * 4) + 2] = box.XMax;
        values[(row * 4) + 3] = box.YMax;
    }

    /// <summary>The fork's MineHardExamples (share_location: one location class).</summary>
    private void MineHardExamples(ReadOnlySpan<float> location, ReadOnlySpan<float> confidence, ReadOnlySpan<float> variances)
    {
        var locationLoss = _locationLossPerPrior.AsSpan(0, _num * _priors);
        locationLoss.Clear();
        if (_mining == MiningType.HardExample && _matchCount >= 1)
        {
            // Each match's localisation loss, at its prior.
            var written = EncodeLocation(location, variances, _locationPrediction, _locationTarget);
            var row = 0;
            for (var i = 0; i < _num && row < written; i++)
            {
                var matches = _matchIndices.AsSpan(i * _priors, _priors);
                for (var j = 0; j < _priors; j++)
                {
                    if (matches[j] <= -1)
                    {
                        continue;
                    }

                    var loss = 0f;
                    for (var k = 0; k < 4; k++)
                    {
                        var d = _locationPrediction[(row * 4) + k] - _locationTarget[(row * 4) + k];
                        loss += _p.LocLossType == LocLossType.SmoothL1 ? SmoothL1(d) : 0.5f * d * d;
                    }

                    locationLoss[(i * _priors) + j] = loss;
                    row++;
                }
            }
        }

        var selected = _selected.AsSpan(0, _priors);
        for (var i = 0; i < _num; i++)
        {
            if (!SlotActive(i, 0))
            {
                continue;
            }

            var matches = _matchIndices.AsSpan(i * _priors, _priors);
            var overlaps = _matchOverlaps.AsSpan(i * _priors, _priors);
            var loss = _priorLoss.AsSpan(0, _priors);
            for (var j = 0; j < _priors; j++)
            {
                var label = matches[j] > -1 ? _groundTruthLabels[_groundTruthStart[i] + matches[j]] : _backgroundLabel;
                loss[j] = ConfidenceLossOf(confidence.Slice(((i * _priors) + j) * _numClasses, _numClasses), label) + locationLoss[(i * _priors) + j];
            }

            var eligible = 0;
            var positives = 0;
            for (var j = 0; j < _priors; j++)
            {
                positives += matches[j] > -1 ? 1 : 0;
                if (_mining == MiningType.HardExample || (matches[j] == -1 && overlaps[j] < _p.NegOverlap))
                {
                    _eligible[eligible] = j;
                    _eligibleLoss[eligible] = loss[j];
                    eligible++;
                }
            }

            var pick = _mining == MiningType.MaxNegative
                ? Math.Min((int)(positives * _p.NegPosRatio), eligible)
                : Math.Min(_p.SampleSize, eligible);
            selected.Clear();
            var order = _order.AsSpan(0, eligible);
            if (_p.NmsParam is not null && _nmsThreshold > 0f)
            {
                var boxes = _boxScratch.AsSpan(0, eligible);
                if (_p.UsePriorForNms)
                {
                    for (var e = 0; e < eligible; e++)
                    {
                        boxes[e] = _priorBoxes[_eligible[e]];
                    }
                }
                else
                {
                    for (var e = 0; e < eligible; e++)
                    {
                        var j = _eligible[e];
                        var offsets = BoundingBox.Read(location, ((i * _priors) + j) * 4);
                        boxes[e] = BoxMath.Decode(_priorBoxes[j], variances.Slice(j * 4, 4), _p.CodeType, _p.EncodeVarianceInTarget, offsets);
                    }
                }

                var kept = BoxMath.Suppress(boxes, _eligibleLoss.AsSpan(0, eligible), _nmsThreshold, _nmsTopK, _kept, _order, _sortScratch);
                pick = Math.Min(kept, pick);
                for (var k = 0; k < pick; k++)
                {
                    selected[_eligible[_kept[k]]] = true;
                }
            }
            else
            {
                for (var e = 0; e < eligible; e++)
                {
                    order[e] = e;
                }

                BoxMath.SortDescending(order, _eligibleLoss, _sortScratch);
                for (var k = 0; k < pick; k++)
                {
                    selected[_eligible[order[k]]] = true;
                }
            }

            var negatives = _negatives.AsSpan(i * _priors, _priors);
            for (var j = 0; j < _priors; j++)
            {
                if (matches[j] > -1)
                {
                    if (_mining == MiningType.HardExample && !selected[j])
                    {
                        matches[j] = -1;
                        _matchCount--;
                    }
                }
                else if (matches[j] == -1 && selected[j])
                {
                    negatives[_negativeCounts[i]++] = j;
                    _negativeCount++;
                }
            }
        }
    }

    /// <summary>The fork's ComputeConfLoss for one prior's logits against <paramref name="label"/>.</summary>
    private float ConfidenceLossOf(ReadOnlySpan<float> logits, int label)
    {
        if (_p.ConfLossType == ConfLossType.Softmax)
        {
            var max = logits[0];
            for (var c = 1; c < logits.Length; c++)
            {
                max = Math.Max(max, logits[c]);
            }

            var sum = 0f;
            for (var c = 0; c < logits.Length; c++)
            {
                sum += MathF.Exp(logits[c] - max);
            }

            var probability = MathF.Exp(logits[label] - max) / sum;
            return -MathF.Log(Math.Max(probability, FloatMin));
        }

        var loss = 0f;
        for (var c = 0; c < logits.Length; c++)
        {
            loss -= LogisticTerm(logits[c], c == label ? 1f : 0f);
        }

        return loss;
    }

    /// <summary>x (t - [x &gt;= 0]) - log(1 + exp(x - 2 x [x &gt;= 0])): minus the logistic loss of one logit.</summary>
    private static float LogisticTerm(float x, float target)
    {
        var positive = x >= 0f ? 1f : 0f;
        return (x * (target - positive)) - MathF.Log(1f + MathF.Exp(x - (2f * x * positive)));
    }

    /// <summary>
    /// The fork's EncodeConfPrediction and its internal loss layer (SoftmaxWithLoss with normalization NONE, or
    /// SigmoidCrossEntropyLoss over a 1 x rows x C blob): the summed confidence loss.
    /// </summary>
    private double ConfidenceLoss(ReadOnlySpan<float> confidence)
    {
        int classes = _numClasses, rows = _confidenceRows;
        var softmax = _p.ConfLossType == ConfLossType.Softmax;
        var targets = _confidenceTarget.AsSpan(0, softmax ? rows : rows * classes);
        targets.Fill(_backgroundLabel); // the fork fills the logistic targets with the background id too
        ReadOnlySpan<float> predictions;
        if (_doNegativeMining)
        {
            var copy = _confidencePrediction.AsSpan(0, rows * classes);
            var row = 0;
            for (var i = 0; i < _num; i++)
            {
                if (!SlotActive(i, 0))
                {
                    continue;
                }

                var matches = _matchIndices.AsSpan(i * _priors, _priors);
                for (var j = 0; j < _priors; j++)
                {
                    if (matches[j] > -1)
                    {
                        _rowPriors[row] = (i * _priors) + j;
                        SetTarget(targets, row, TargetLabel(i, matches[j]), classes);
                        confidence.Slice(((i * _priors) + j) * classes, classes).CopyTo(copy.Slice(row * classes, classes));
                        row++;
                    }
                }

                foreach (var j in NegativesOf(i))
                {
                    _rowPriors[row] = (i * _priors) + j;
                    confidence.Slice(((i * _priors) + j) * classes, classes).CopyTo(copy.Slice(row * classes, classes));
                    if (!softmax)
                    {
                        targets[(row * classes) + _backgroundLabel] = 1f;
                    }

                    row++;
                }
            }

            predictions = copy;
        }
        else
        {
            predictions = confidence;
            foreach (var match in ActiveMatches())
            {
                var (i, j) = (match.Image, match.Prior);
                if (softmax)
                {
                    targets[(i * _priors) + j] = TargetLabel(i, match.Truth);
                }
                else
                {
                    // The fork's offset for image i: i P, not i P C.
                    targets[(i * _priors) + (j * classes) + TargetLabel(i, match.Truth)] = 1f;
                }
            }
        }

        var output = _confidenceOutput.AsSpan(0, rows * classes);
        var loss = 0d;
        if (softmax)
        {
            predictions[..(rows * classes)].CopyTo(output);
            Softmax.Forward(output, rows, classes, 1, _softmaxScratch);
            for (var r = 0; r < rows; r++)
            {
                var label = (int)targets[r];
                loss -= MathF.Log(Math.Max(output[(r * classes) + label], FloatMin));
            }
        }
        else
        {
            for (var k = 0; k < rows * classes; k++)
            {
                loss -= LogisticTerm(predictions[k], targets[k]);
                output[k] = 1f / (1f + MathF.Exp(-predictions[k]));
            }
        }

        return loss;
    }

    private int TargetLabel(int item, int match) =>
        _p.MapObjectToAgnostic ? _backgroundLabel + 1 : _groundTruthLabels[_groundTruthStart[item] + match];

    private void SetTarget(Span<float> targets, int row, int label, int classes)
    {
        if (_p.ConfLossType == ConfLossType.Softmax)
        {
            targets[row] = label;
        }
        else
        {
            targets[(row * classes) + label] = 1f;
        }
    }

    /// <summary>The confidence rows' gradient (softmax: p - onehot; logistic: sigmoid - target), scaled, at their priors.</summary>
    private void WriteConfidenceGradient(Span<float> diff, float scale)
    {
        int classes = _numClasses, rows = _confidenceRows;
        var softmax = _p.ConfLossType == ConfLossType.Softmax;
        for (var r = 0; r < rows; r++)
        {
            var destination = _doNegativeMining ? _rowPriors[r] * classes : r * classes;
            for (var c = 0; c < classes; c++)
            {
                var target = softmax ? ((int)_confidenceTarget[r] == c ? 1f : 0f) : _confidenceTarget[(r * classes) + c];
                diff[destination + c] = (_confidenceOutput[(r * classes) + c] - target) * scale;
            }
        }
    }

    /// <summary>One match of the map: image, location class, prior, and the ground-truth row (within the image) it matched.</summary>
    private readonly record struct ActiveMatch(int Image, int Slot, int Prior, int Truth);

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }
}
