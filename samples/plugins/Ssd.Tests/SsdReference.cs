namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// An independent float64 implementation of the fork's box formulas (bbox_util.cpp), written from the formulas and
/// sharing no code with the plugin: the tests' expected values for decoding, overlaps, NMS, detections and the loss.
/// Boxes are double[4]: xmin, ymin, xmax, ymax.
/// </summary>
internal static class SsdReference
{
    public static double Size(double[] b) => b[2] < b[0] || b[3] < b[1] ? 0 : (b[2] - b[0]) * (b[3] - b[1]);

    public static double Iou(double[] a, double[] b)
    {
        if (b[0] > a[2] || b[2] < a[0] || b[1] > a[3] || b[3] < a[1])
        {
            return 0;
        }

        var w = Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]);
        var h = Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        return w * h / (Size(a) + Size(b) - (w * h));
    }

    /// <summary>CENTER_SIZE (code 2) or CORNER (code 1) decoding, variance in the target or not.</summary>
    public static double[] Decode(double[] prior, double[] variance, int code, bool varianceInTarget, double[] loc)
    {
        var v = varianceInTarget ? [1d, 1, 1, 1] : variance;
        if (code == 1)
        {
            return [prior[0] + (v[0] * loc[0]), prior[1] + (v[1] * loc[1]), prior[2] + (v[2] * loc[2]), prior[3] + (v[3] * loc[3])];
        }

        var pw = prior[2] - prior[0];
        var ph = prior[3] - prior[1];
        var cx = (v[0] * loc[0] * pw) + ((prior[0] + prior[2]) / 2);
        var cy = (v[1] * loc[1] * ph) + ((prior[1] + prior[3]) / 2);
        var w = Math.Exp(v[2] * loc[2]) * pw;
        var h = Math.Exp(v[3] * loc[3]) * ph;
        return [cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)];
    }

    /// <summary>CENTER_SIZE encoding with the variances.</summary>
    public static double[] EncodeCenterSize(double[] prior, double[] variance, double[] box)
    {
        var pw = prior[2] - prior[0];
        var ph = prior[3] - prior[1];
        var bw = box[2] - box[0];
        var bh = box[3] - box[1];
        return
        [
            (((box[0] + box[2]) / 2) - ((prior[0] + prior[2]) / 2)) / pw / variance[0],
            (((box[1] + box[3]) / 2) - ((prior[1] + prior[3]) / 2)) / ph / variance[1],
            Math.Log(bw / pw) / variance[2],
            Math.Log(bh / ph) / variance[3],
        ];
    }

    /// <summary>ApplyNMSFast: scores above the threshold, stable by descending score, top_k, adaptive threshold.</summary>
    public static List<int> Nms(IReadOnlyList<double[]> boxes, IReadOnlyList<double> scores, double scoreThreshold, double nmsThreshold, double eta, int topK)
    {
        var candidates = Enumerable.Range(0, scores.Count).Where(i => scores[i] > scoreThreshold).OrderByDescending(i => scores[i]).ToList();
        if (topK > -1 && topK < candidates.Count)
        {
            candidates = candidates.Take(topK).ToList();
        }

        var kept = new List<int>();
        var threshold = nmsThreshold;
        foreach (var i in candidates)
        {
            if (kept.All(k => Iou(boxes[i], boxes[k]) <= threshold))
            {
                kept.Add(i);
                if (eta < 1 && threshold > 0.5)
                {
                    threshold *= eta;
                }
            }
        }

        return kept;
    }

    /// <summary>
    /// DetectionOutput with share_location: rows [image, label, score, xmin, ymin, xmax, ymax], by image, label, then
    /// kept order; the fork's all -1 rows when nothing is kept.
    /// </summary>
    public static List<double[]> Detect(
        float[] loc, float[] conf, float[] priors, int num, int classes, int background, int code, bool varianceInTarget,
        double confidenceThreshold, double nmsThreshold, double eta, int topK, int keepTopK)
    {
        var p = priors.Length / 8;
        var rows = new List<double[]>();
        for (var i = 0; i < num; i++)
        {
            var boxes = new List<double[]>();
            for (var j = 0; j < p; j++)
            {
                double[] prior = [priors[j * 4], priors[(j * 4) + 1], priors[(j * 4) + 2], priors[(j * 4) + 3]];
                double[] variance = [priors[(p + j) * 4], priors[((p + j) * 4) + 1], priors[((p + j) * 4) + 2], priors[((p + j) * 4) + 3]];
                var o = ((i * p) + j) * 4;
                boxes.Add(Decode(prior, variance, code, varianceInTarget, [loc[o], loc[o + 1], loc[o + 2], loc[o + 3]]));
            }

            var detections = new List<(int Label, int Index, double Score)>();
            for (var c = 0; c < classes; c++)
            {
                if (c == background)
                {
                    continue;
                }

                var scores = Enumerable.Range(0, p).Select(j => (double)conf[(((i * p) + j) * classes) + c]).ToList();
                detections.AddRange(Nms(boxes, scores, confidenceThreshold, nmsThreshold, eta, topK).Select(j => (c, j, scores[j])));
            }

            if (keepTopK > -1 && detections.Count > keepTopK)
            {
                var best = detections.OrderByDescending(d => d.Score).Take(keepTopK).ToList();
                detections = best.OrderBy(d => d.Label).ToList(); // LINQ's OrderBy is stable: score order within a label
            }

            rows.AddRange(detections.Select(d => new[] { i, d.Label, d.Score, boxes[d.Index][0], boxes[d.Index][1], boxes[d.Index][2], boxes[d.Index][3] }));
        }

        if (rows.Count == 0)
        {
            for (var i = 0; i < num; i++)
            {
                rows.Add([i, -1, -1, -1, -1, -1, -1]);
            }
        }

        return rows;
    }

    public static double SmoothL1(double d) => Math.Abs(d) < 1 ? 0.5 * d * d : Math.Abs(d) - 0.5;

    /// <summary>-log softmax(logits)[label].</summary>
    public static double SoftmaxLoss(IReadOnlyList<double> logits, int label)
    {
        var max = logits.Max();
        var sum = logits.Sum(x => Math.Exp(x - max));
        return -(logits[label] - max - Math.Log(sum));
    }
}
