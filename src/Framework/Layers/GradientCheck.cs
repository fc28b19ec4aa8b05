using LayerNet.Blobs;
using LayerNet.Fillers;

namespace LayerNet.Layers;

/// <summary>
/// Compares a layer's analytic gradients (its Backward) with numeric ones (central differences of its Forward),
/// on copies of the given bottoms so a net's blobs, in-place layers included, are left as they were.
/// </summary>
/// <remarks>
/// The objective is a fixed random projection of the tops, L = sum_i r_i * top_i with r_i ~ U(-1, 1), so the
/// gradient reaching the tops is r (scale-free, unlike Caffe's sum of squares). For each element x checked:
/// numeric = (L(x + h) - L(x - h)) / 2h, and the error is judged as Caffe does:
/// |analytic - numeric| &lt;= threshold * max(|analytic|, |numeric|, 1).
/// </remarks>
public sealed class GradientCheck
{
    /// <summary>The finite-difference step h (Caffe's usual 1e-2).</summary>
    public float Step { get; init; } = 1e-2f;

    /// <summary>The largest relative error accepted.</summary>
    public double Threshold { get; init; } = 1e-2;

    /// <summary>At most this many elements of each blob are checked (spread evenly over the blob); 0 checks all.</summary>
    public int MaxElements { get; init; } = 200;

    /// <summary>Seed of the projection and of the layer's random draws (reset before every forward).</summary>
    public ulong Seed { get; init; } = 1701;

    /// <summary>
    /// Checks every bottom the layer can propagate to and every learnable blob. The layer must be set up; it is
    /// reshaped onto copies of <paramref name="bottom"/> and fresh tops, then back onto <paramref name="restoreTop"/>.
    /// </summary>
    public IReadOnlyList<GradientCheckResult> Check(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> restoreTop)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(restoreTop);
        var inputs = new Blob[bottom.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new Blob { Name = bottom[i].Name };
            inputs[i].CopyFrom(bottom[i], reshape: true);
        }

        var tops = new Blob[restoreTop.Count];
        for (var i = 0; i < tops.Length; i++)
        {
            tops[i] = new Blob { Name = restoreTop[i].Name };
        }

        var randomState = layer.Random.SaveState();
        try
        {
            layer.Reshape(inputs, tops);
            return CheckOn(layer, inputs, tops, randomState);
        }
        finally
        {
            layer.Random.RestoreState(randomState);
            layer.Reshape(bottom, restoreTop);
        }
    }

    private List<GradientCheckResult> CheckOn(Layer layer, Blob[] bottom, Blob[] top, ulong[] randomState)
    {
        // Keep the inputs: in-place layers would overwrite them.
        var saved = new float[bottom.Length][];
        for (var i = 0; i < bottom.Length; i++)
        {
            saved[i] = bottom[i].Data.ToArray();
        }

        var projection = new float[top.Length][];
        var random = new RandomSource(Seed);
        for (var i = 0; i < top.Length; i++)
        {
            projection[i] = new float[top[i].Count];
            for (var k = 0; k < projection[i].Length; k++)
            {
                projection[i][k] = random.NextUniform(-1f, 1f);
            }
        }

        // Analytic gradients.
        Forward(layer, bottom, top, saved, randomState);

        // Parameters first: a top may share its diff with a parameter (the Parameter layer).
        foreach (var blob in layer.Blobs)
        {
            blob.Diff.Clear();
        }

        for (var i = 0; i < top.Length; i++)
        {
            projection[i].CopyTo(top[i].Diff);
        }

        var propagate = new bool[bottom.Length];
        for (var i = 0; i < propagate.Length; i++)
        {
            propagate[i] = layer.AllowForceBackward(i);
        }

        var paramFlags = new bool[layer.Blobs.Count];
        for (var p = 0; p < paramFlags.Length; p++)
        {
            paramFlags[p] = layer.ParamPropagateDown(p);
            layer.SetParamPropagateDown(p, true);
        }

        try
        {
            layer.Backward(top, propagate, bottom);
        }
        finally
        {
            for (var p = 0; p < paramFlags.Length; p++)
            {
                layer.SetParamPropagateDown(p, paramFlags[p]);
            }
        }

        var results = new List<GradientCheckResult>();
        for (var p = 0; p < layer.Blobs.Count; p++)
        {
            var blob = layer.Blobs[p];
            var analytic = blob.Diff.ToArray();
            results.Add(CheckBlob($"param {p}", blob.Data, analytic, () => Objective(layer, bottom, top, saved, projection, randomState)));
        }

        for (var b = 0; b < bottom.Length; b++)
        {
            if (!propagate[b])
            {
                continue;
            }

            var analytic = bottom[b].Diff.ToArray();
            results.Add(CheckBlob($"bottom {b} '{bottom[b].Name}'", saved[b], analytic, () => Objective(layer, bottom, top, saved, projection, randomState)));
        }

        return results;
    }

    private GradientCheckResult CheckBlob(string name, Span<float> values, float[] analytic, Func<double> objective)
    {
        var count = values.Length;
        var stride = MaxElements <= 0 || count <= MaxElements ? 1 : (double)count / MaxElements;
        var checkedCount = 0;
        double maxAbsolute = 0, maxRelative = 0, worstAnalytic = 0, worstNumeric = 0;
        var worstIndex = -1;
        var lastIndex = -1;
        for (double position = 0; position < count; position += stride)
        {
            var i = (int)position;
            if (i == lastIndex)
            {
                continue;
            }

            lastIndex = i;
            var original = values[i];
            values[i] = original + Step;
            var plus = objective();
            values[i] = original - Step;
            var minus = objective();
            values[i] = original;
            var numeric = (plus - minus) / (2.0 * Step);
            var error = Math.Abs(analytic[i] - numeric);
            var relative = error / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)), 1.0);
            maxAbsolute = Math.Max(maxAbsolute, error);
            if (relative >= maxRelative)
            {
                maxRelative = relative;
                worstIndex = i;
                worstAnalytic = analytic[i];
                worstNumeric = numeric;
            }

            checkedCount++;
        }

        return new GradientCheckResult(name, checkedCount, count, maxAbsolute, maxRelative, worstIndex, worstAnalytic, worstNumeric);
    }

    private static void Forward(Layer layer, Blob[] bottom, Blob[] top, float[][] saved, ulong[] randomState)
    {
        for (var i = 0; i < bottom.Length; i++)
        {
            if (IsInPlace(bottom[i], top))
            {
                saved[i].CopyTo(bottom[i].Data);
            }
        }

        layer.Random.RestoreState(randomState);
        layer.Forward(bottom, top);
    }

    private static double Objective(Layer layer, Blob[] bottom, Blob[] top, float[][] saved, float[][] projection, ulong[] randomState)
    {
        // The perturbed element lives in `saved` for bottoms (copied in before each forward) or in the param itself.
        for (var i = 0; i < bottom.Length; i++)
        {
            saved[i].CopyTo(bottom[i].Data);
        }

        Forward(layer, bottom, top, saved, randomState);
        var sum = 0.0;
        for (var i = 0; i < top.Length; i++)
        {
            var data = top[i].Data;
            for (var k = 0; k < data.Length; k++)
            {
                sum += (double)data[k] * projection[i][k];
            }
        }

        return sum;
    }

    private static bool IsInPlace(Blob blob, Blob[] top)
    {
        foreach (var t in top)
        {
            if (ReferenceEquals(t, blob))
            {
                return true;
            }
        }

        return false;
    }
}
