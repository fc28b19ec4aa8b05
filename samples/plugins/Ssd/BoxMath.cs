using CodeType = LayerNet.Samples.Ssd.PriorBoxParameter.Types.CodeType;
using MatchType = LayerNet.Samples.Ssd.MultiBoxLossParameter.Types.MatchType;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// The box arithmetic DetectionOutput and MultiBoxLoss share, as the fork's bbox_util does it: Jaccard overlap,
/// encoding and decoding against a prior, the two non-maximum suppressions, the stable descending sort and the
/// bipartite / per-prediction matching. Every buffer is the caller's: nothing here allocates.
/// </summary>
/// <remarks>
/// <para>Jaccard(a, b) = |a ∩ b| / (|a| + |b| - |a ∩ b|), 0 when the boxes do not overlap (float, as the fork).</para>
/// <para>
/// CENTER_SIZE encoding of a target t against a prior p with variances v: ((tcx - pcx) / pw / v0, (tcy - pcy) / ph / v1,
/// log(tw / pw) / v2, log(th / ph) / v3); CORNER: (t - p) / v corner by corner; CORNER_SIZE: (t - p) / (pw or ph) / v.
/// With the variance encoded in the target the divisions by v are left out. Decoding inverts each.
/// </para>
/// </remarks>
internal static class BoxMath
{
    /// <summary>The fork's JaccardOverlap of two normalised boxes.</summary>
    public static float Jaccard(in BoundingBox a, in BoundingBox b)
    {
        if (b.XMin > a.XMax || b.XMax < a.XMin || b.YMin > a.YMax || b.YMax < a.YMin)
        {
            return 0f;
        }

        var width = Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin);
        var height = Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin);
        if (!(width > 0f && height > 0f))
        {
            return 0f;
        }

        var intersection = width * height;
        return intersection / (a.Size + b.Size - intersection);
    }

    /// <summary>The four factors the offsets are scaled by: the prior's variances, or ones when the offsets include them.</summary>
    private static (float V0, float V1, float V2, float V3) Scales(ReadOnlySpan<float> variance, bool varianceInTarget) =>
        varianceInTarget ? (1f, 1f, 1f, 1f) : (variance[0], variance[1], variance[2], variance[3]);

    /// <summary>The fork's DecodeBBox (never clipped here: both layers decode with clip off).</summary>
    /// <param name="prior">The prior box.</param>
    /// <param name="variance">The prior's four variances.</param>
    /// <param name="code">How the offsets are encoded.</param>
    /// <param name="varianceInTarget">True when the offsets already include the variances.</param>
    /// <param name="offsets">The predicted offsets, in the box's four slots.</param>
    public static BoundingBox Decode(in BoundingBox prior, ReadOnlySpan<float> variance, CodeType code, bool varianceInTarget, in BoundingBox offsets)
    {
        var (v0, v1, v2, v3) = Scales(variance, varianceInTarget);

        switch (code)
        {
            case CodeType.Corner:
                return varianceInTarget
                    ? new(prior.XMin + offsets.XMin, prior.YMin + offsets.YMin, prior.XMax + offsets.XMax, prior.YMax + offsets.YMax)
                    : new(prior.XMin + (v0 * offsets.XMin), prior.YMin + (v1 * offsets.YMin), prior.XMax + (v2 * offsets.XMax), prior.YMax + (v3 * offsets.YMax));
            case CodeType.CenterSize:
            {
                var priorWidth = prior.XMax - prior.XMin;
                var priorHeight = prior.YMax - prior.YMin;
                var priorCenterX = (float)((prior.XMin + prior.XMax) / 2d);
                var priorCenterY = (float)((prior.YMin + prior.YMax) / 2d);
                float centerX, centerY, width, height;
                if (varianceInTarget)
                {
                    centerX = (offsets.XMin * priorWidth) + priorCenterX;
                    centerY = (offsets.YMin * priorHeight) + priorCenterY;
                    width = (float)(Math.Exp(offsets.XMax) * priorWidth);
                    height = (float)(Math.Exp(offsets.YMax) * priorHeight);
                }
                else
                {
                    centerX = (v0 * offsets.XMin * priorWidth) + priorCenterX;
                    centerY = (v1 * offsets.YMin * priorHeight) + priorCenterY;
                    width = (float)(Math.Exp(v2 * offsets.XMax) * priorWidth);
                    height = (float)(Math.Exp(v3 * offsets.YMax) * priorHeight);
                }

                return new(
                    (float)(centerX - (width / 2d)),
                    (float)(centerY - (height / 2d)),
                    (float)(centerX + (width / 2d)),
                    (float)(centerY + (height / 2d)));
            }

            default:
            {
                var priorWidth = prior.XMax - prior.XMin;
                var priorHeight = prior.YMax - prior.YMin;
                return new(
                    prior.XMin + (v0 * offsets.XMin * priorWidth),
                    prior.YMin + (v1 * offsets.YMin * priorHeight),
                    prior.XMax + (v2 * offsets.XMax * priorWidth),
                    prior.YMax + (v3 * offsets.YMax * priorHeight));
            }
        }
    }

    /// <summary>The fork's EncodeBBox: the offsets that <see cref="Decode"/> turns back into <paramref name="target"/>.</summary>
    /// <param name="prior">The prior box.</param>
    /// <param name="variance">The prior's four variances.</param>
    /// <param name="code">How the offsets are encoded.</param>
    /// <param name="varianceInTarget">True to leave the variances out (the loss divides by them instead).</param>
    /// <param name="target">The ground-truth box.</param>
    public static BoundingBox Encode(in BoundingBox prior, ReadOnlySpan<float> variance, CodeType code, bool varianceInTarget, in BoundingBox target)
    {
        var (v0, v1, v2, v3) = Scales(variance, varianceInTarget);

        switch (code)
        {
            case CodeType.Corner:
                return new(
                    (target.XMin - prior.XMin) / v0,
                    (target.YMin - prior.YMin) / v1,
                    (target.XMax - prior.XMax) / v2,
                    (target.YMax - prior.YMax) / v3);
            case CodeType.CenterSize:
            {
                var priorWidth = prior.XMax - prior.XMin;
                var priorHeight = prior.YMax - prior.YMin;
                var priorCenterX = (float)((prior.XMin + prior.XMax) / 2d);
                var priorCenterY = (float)((prior.YMin + prior.YMax) / 2d);
                var width = target.XMax - target.XMin;
                var height = target.YMax - target.YMin;
                var centerX = (float)((target.XMin + target.XMax) / 2d);
                var centerY = (float)((target.YMin + target.YMax) / 2d);
                return new(
                    (centerX - priorCenterX) / priorWidth / v0,
                    (centerY - priorCenterY) / priorHeight / v1,
                    (float)(Math.Log(width / priorWidth) / v2),
                    (float)(Math.Log(height / priorHeight) / v3));
            }

            default:
            {
                var priorWidth = prior.XMax - prior.XMin;
                var priorHeight = prior.YMax - prior.YMin;
                return new(
                    (target.XMin - prior.XMin) / priorWidth / v0,
                    (target.YMin - prior.YMin) / priorHeight / v1,
                    (target.XMax - prior.XMax) / priorWidth / v2,
                    (target.YMax - prior.YMax) / priorHeight / v3);
            }
        }
    }

    /// <summary>
    /// Sorts <paramref name="order"/>, whose entries index <paramref name="keys"/>, by descending key; equal keys
    /// keep their order (the fork's std::stable_sort with SortScorePairDescend). A bottom-up merge sort.
    /// </summary>
    /// <param name="order">The entries to sort, in place.</param>
    /// <param name="keys">The key of each entry.</param>
    /// <param name="scratch">At least as long as <paramref name="order"/>.</param>
    public static void SortDescending(Span<int> order, ReadOnlySpan<float> keys, Span<int> scratch)
    {
        var count = order.Length;
        var source = order;
        var target = scratch[..count];
        for (var width = 1; width < count; width *= 2)
        {
            for (var start = 0; start < count; start += 2 * width)
            {
                var middle = Math.Min(start + width, count);
                var end = Math.Min(start + (2 * width), count);
                int left = start, right = middle, k = start;
                while (left < middle && right < end)
                {
                    // Right before left only when strictly greater: equal keys stay in order.
                    target[k++] = keys[source[right]] > keys[source[left]] ? source[right++] : source[left++];
                }

                while (left < middle)
                {
                    target[k++] = source[left++];
                }

                while (right < end)
                {
                    target[k++] = source[right++];
                }
            }

            var swap = source;
            source = target;
            target = swap;
        }

        if (source != order)
        {
            source.CopyTo(order);
        }
    }

    /// <summary>
    /// The fork's ApplyNMSFast (DetectionOutput): the boxes scoring above <paramref name="scoreThreshold"/>, by
    /// descending score (stable), at most <paramref name="topK"/> of them (-1: all); each is kept when it overlaps
    /// no kept box by more than the threshold, which adaptive NMS multiplies by <paramref name="eta"/> after each
    /// kept box while it is above 0.5.
    /// </summary>
    /// <param name="boxes">The decoded boxes.</param>
    /// <param name="scores">Their scores.</param>
    /// <param name="scoreThreshold">Scores must be above this.</param>
    /// <param name="nmsThreshold">The starting overlap threshold.</param>
    /// <param name="eta">The adaptive factor, in (0, 1].</param>
    /// <param name="topK">The most candidates, or -1.</param>
    /// <param name="kept">Receives the kept box indices, best first; as long as <paramref name="boxes"/>.</param>
    /// <param name="candidates">Working space, as long as <paramref name="boxes"/>.</param>
    /// <param name="scratch">Working space, as long as <paramref name="boxes"/>.</param>
    /// <returns>How many boxes were kept.</returns>
    public static int SuppressFast(
        ReadOnlySpan<BoundingBox> boxes,
        ReadOnlySpan<float> scores,
        float scoreThreshold,
        float nmsThreshold,
        float eta,
        int topK,
        Span<int> kept,
        Span<int> candidates,
        Span<int> scratch)
    {
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > scoreThreshold)
            {
                candidates[count++] = i;
            }
        }

        SortDescending(candidates[..count], scores, scratch);
        if (topK > -1 && topK < count)
        {
            count = topK;
        }

        var threshold = nmsThreshold;
        var keptCount = 0;
        for (var c = 0; c < count; c++)
        {
            var index = candidates[c];
            var keep = true;
            for (var k = 0; k < keptCount && keep; k++)
            {
                keep = Jaccard(boxes[index], boxes[kept[k]]) <= threshold;
            }

            if (keep)
            {
                kept[keptCount++] = index;
                if (eta < 1f && threshold > 0.5f)
                {
                    threshold *= eta;
                }
            }
        }

        return keptCount;
    }

    /// <summary>
    /// The fork's ApplyNMS (MultiBoxLoss's mining): by descending score (stable), at most <paramref name="topK"/>
    /// candidates (-1: all); boxes smaller than 1e-5 are dropped, the best remaining box is kept and every later one
    /// overlapping it by more than <paramref name="threshold"/> is dropped; stops once <paramref name="topK"/> are kept.
    /// </summary>
    /// <param name="boxes">The candidate boxes.</param>
    /// <param name="scores">Their scores (losses, in mining).</param>
    /// <param name="threshold">The overlap threshold.</param>
    /// <param name="topK">The most candidates and kept boxes, or -1.</param>
    /// <param name="kept">Receives the kept indices, best first; as long as <paramref name="boxes"/>.</param>
    /// <param name="candidates">Working space, as long as <paramref name="boxes"/>.</param>
    /// <param name="scratch">Working space, as long as <paramref name="boxes"/>.</param>
    /// <returns>How many boxes were kept.</returns>
    public static int Suppress(
        ReadOnlySpan<BoundingBox> boxes,
        ReadOnlySpan<float> scores,
        float threshold,
        int topK,
        Span<int> kept,
        Span<int> candidates,
        Span<int> scratch)
    {
        var count = scores.Length;
        for (var i = 0; i < count; i++)
        {
            candidates[i] = i;
        }

        SortDescending(candidates[..count], scores, scratch);
        if (topK > -1 && topK < count)
        {
            count = topK;
        }

        var keptCount = 0;
        var start = 0;
        while (start < count)
        {
            var best = candidates[start++];
            if (boxes[best].Size < 1e-5f)
            {
                continue;
            }

            kept[keptCount++] = best;
            if (topK > -1 && keptCount >= topK)
            {
                break;
            }

            var remaining = start;
            for (var c = start; c < count; c++)
            {
                var current = candidates[c];
                if (boxes[current].Size >= 1e-5f && Jaccard(boxes[best], boxes[current]) <= threshold)
                {
                    candidates[remaining++] = current;
                }
            }

            count = remaining;
        }

        return keptCount;
    }

    /// <summary>
    /// The fork's MatchBBox: matches predictions (priors or decoded boxes) to ground truth. Bipartite first: the
    /// highest overlap among unmatched predictions and unused ground truths, again and again (ties: the lowest
    /// prediction, then the earliest ground truth); then, for PER_PREDICTION, every prediction still unmatched takes
    /// the ground truth it overlaps most, when that overlap is at least <paramref name="overlapThreshold"/>.
    /// </summary>
    /// <param name="groundTruth">The image's ground-truth boxes.</param>
    /// <param name="groundTruthLabels">Their labels.</param>
    /// <param name="predictions">The boxes to match.</param>
    /// <param name="label">Only ground truth of this label; -1 for all.</param>
    /// <param name="matchType">BIPARTITE or PER_PREDICTION.</param>
    /// <param name="overlapThreshold">PER_PREDICTION's threshold.</param>
    /// <param name="ignoreCrossBoundary">Predictions crossing the border match nothing (index -2).</param>
    /// <param name="matchIndices">Receives each prediction's ground-truth index (into <paramref name="groundTruth"/>), -1 or -2.</param>
    /// <param name="matchOverlaps">Receives each prediction's overlap (its best, or its match's).</param>
    /// <param name="overlaps">Working space: predictions x ground truths.</param>
    /// <param name="groundTruthIndices">Working space: one per ground truth.</param>
    /// <param name="unused">Working space: one per ground truth.</param>
    public static void Match(
        ReadOnlySpan<BoundingBox> groundTruth,
        ReadOnlySpan<int> groundTruthLabels,
        ReadOnlySpan<BoundingBox> predictions,
        int label,
        MatchType matchType,
        float overlapThreshold,
        bool ignoreCrossBoundary,
        Span<int> matchIndices,
        Span<float> matchOverlaps,
        Span<float> overlaps,
        Span<int> groundTruthIndices,
        Span<bool> unused)
    {
        var predictionCount = predictions.Length;
        matchIndices[..predictionCount].Fill(-1);
        matchOverlaps[..predictionCount].Clear();
        var count = 0;
        for (var g = 0; g < groundTruth.Length; g++)
        {
            if (label == -1 || groundTruthLabels[g] == label)
            {
                groundTruthIndices[count++] = g;
            }
        }

        if (count == 0)
        {
            return;
        }

        // Overlaps of 1e-6 or less are not stored by the fork: 0 stands for "none" here.
        for (var i = 0; i < predictionCount; i++)
        {
            var row = overlaps.Slice(i * count, count);
            row.Clear();
            if (ignoreCrossBoundary && predictions[i].CrossesBoundary)
            {
                matchIndices[i] = -2;
                continue;
            }

            for (var j = 0; j < count; j++)
            {
                var overlap = Jaccard(predictions[i], groundTruth[groundTruthIndices[j]]);
                if (overlap > 1e-6f)
                {
                    matchOverlaps[i] = Math.Max(matchOverlaps[i], overlap);
                    row[j] = overlap;
                }
            }
        }

        unused[..count].Fill(true);
        for (var round = 0; round < count; round++)
        {
            int bestPrediction = -1, bestTruth = -1;
            var bestOverlap = -1f;
            for (var i = 0; i < predictionCount; i++)
            {
                if (matchIndices[i] != -1)
                {
                    continue;
                }

                for (var j = 0; j < count; j++)
                {
                    var overlap = overlaps[(i * count) + j];
                    if (unused[j] && overlap > 0f && overlap > bestOverlap)
                    {
                        bestPrediction = i;
                        bestTruth = j;
                        bestOverlap = overlap;
                    }
                }
            }

            if (bestPrediction == -1)
            {
                break;
            }

            matchIndices[bestPrediction] = groundTruthIndices[bestTruth];
            matchOverlaps[bestPrediction] = bestOverlap;
            unused[bestTruth] = false;
        }

        if (matchType != MatchType.PerPrediction)
        {
            return;
        }

        for (var i = 0; i < predictionCount; i++)
        {
            if (matchIndices[i] != -1)
            {
                continue;
            }

            var bestTruth = -1;
            var bestOverlap = -1f;
            for (var j = 0; j < count; j++)
            {
                var overlap = overlaps[(i * count) + j];
                if (overlap > 0f && overlap >= overlapThreshold && overlap > bestOverlap)
                {
                    bestTruth = j;
                    bestOverlap = overlap;
                }
            }

            if (bestTruth != -1)
            {
                matchIndices[i] = groundTruthIndices[bestTruth];
                matchOverlaps[i] = bestOverlap;
            }
        }
    }
}
