using System.Globalization;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers;

namespace LayerNet.Testing;

/// <summary>
/// Checks a layer's backward pass against central finite differences of its forward pass, as Caffe's
/// GradientChecker does.
/// </summary>
/// <remarks>
/// <para>
/// The objective put on top of the layer is E = sum over all tops of top^2 / 2 (so dE/dtop = top), or, when
/// checking a single top element, E = that element (dE/dtop is one there and zero elsewhere). The layer's own
/// loss output is ignored: a loss top is just another output here.
/// </para>
/// <para>
/// For every element v of every checked blob (the learnable blobs, then the checked bottoms) the analytic
/// gradient g from one backward pass is compared with the estimate (E(v + h) - E(v - h)) / 2h, h = stepsize, and
/// must satisfy |g - estimate| &lt;= threshold * max(|g|, |estimate|, 1). Values whose magnitude lies within
/// kinkRange of kink (a non-differentiable point such as ReLU's 0) are not checked; the default kinkRange of -1
/// checks everything. The layer's random generator is reseeded before every forward pass, so random layers
/// (dropout) draw the same mask each time.
/// </para>
/// <para>
/// In-place layers (a top that is a bottom) are handled: the checker keeps the bottom's input values aside and
/// writes them back before every forward pass, and perturbs that saved input.
/// </para>
/// </remarks>
public sealed class GradientChecker
{
    private readonly float _stepsize;
    private readonly float _threshold;
    private readonly ulong _seed;
    private readonly float _kink;
    private readonly float _kinkRange;

    /// <summary>Creates a checker.</summary>
    /// <param name="stepsize">The finite-difference step h (Caffe's tests mostly use 1e-2).</param>
    /// <param name="threshold">The allowed relative error (Caffe's tests mostly use 1e-3).</param>
    /// <param name="seed">The seed the layer's generator is reset to before every forward pass.</param>
    /// <param name="kink">The magnitude of a non-differentiable point of the layer's inputs.</param>
    /// <param name="kinkRange">Values whose magnitude is within this of <paramref name="kink"/> are skipped; negative checks all.</param>
    public GradientChecker(float stepsize, float threshold, ulong seed = 1701, float kink = 0f, float kinkRange = -1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepsize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        _stepsize = stepsize;
        _threshold = threshold;
        _seed = seed;
        _kink = kink;
        _kinkRange = kinkRange;
    }

    /// <summary>
    /// Sets the layer up and checks the gradient of E = sum(top^2) / 2 with respect to every learnable blob and
    /// every bottom (or only bottom <paramref name="checkBottom"/>).
    /// </summary>
    /// <param name="layer">The layer; <see cref="Layer.SetUp"/> is called here.</param>
    /// <param name="bottom">The bottoms, holding the input values.</param>
    /// <param name="top">The tops.</param>
    /// <param name="checkBottom">The one bottom to check (the others get no gradient), or -1 for all of them.</param>
    public void CheckGradient(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, int checkBottom = -1)
    {
        var inputs = SetUp(layer, bottom, top);
        CheckSingle(layer, bottom, top, inputs, checkBottom, -1, -1, elementWise: false);
    }

    /// <summary>
    /// Sets the layer up and, for every element of every top in turn, checks the gradient of that element with
    /// respect to every learnable blob and every bottom (or only bottom <paramref name="checkBottom"/>).
    /// </summary>
    /// <param name="layer">The layer; <see cref="Layer.SetUp"/> is called here.</param>
    /// <param name="bottom">The bottoms, holding the input values.</param>
    /// <param name="top">The tops; there must be at least one.</param>
    /// <param name="checkBottom">The one bottom to check (the others get no gradient), or -1 for all of them.</param>
    public void CheckGradientExhaustive(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, int checkBottom = -1)
    {
        var inputs = SetUp(layer, bottom, top);
        Assert.That(top, Is.Not.Empty, $"{Describe(layer)}: the exhaustive gradient check needs at least one top blob");
        for (var i = 0; i < top.Count; i++)
        {
            for (var j = 0; j < top[i].Count; j++)
            {
                CheckSingle(layer, bottom, top, inputs, checkBottom, i, j, elementWise: false);
            }
        }
    }

    /// <summary>
    /// For an element-wise layer (no learnable blobs; every top and bottom of the same count, top element j
    /// depending only on bottom elements j): checks each top element against the same element of every bottom,
    /// and checks that its gradient with respect to every other element is zero, without perturbing those.
    /// </summary>
    /// <param name="layer">The layer; <see cref="Layer.SetUp"/> is called here.</param>
    /// <param name="bottom">The bottoms, holding the input values.</param>
    /// <param name="top">The tops; there must be at least one.</param>
    public void CheckGradientEltwise(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var inputs = SetUp(layer, bottom, top);
        Assert.That(top, Is.Not.Empty, $"{Describe(layer)}: the element-wise gradient check needs at least one top blob");
        Assert.That(layer.Blobs, Is.Empty, $"{Describe(layer)}: the element-wise gradient check is for layers without learnable blobs");
        for (var i = 0; i < top.Count; i++)
        {
            for (var b = 0; b < bottom.Count; b++)
            {
                Assert.That(bottom[b].Count, Is.EqualTo(top[i].Count), $"{Describe(layer)}: the element-wise gradient check needs bottom {b} to have the count of top {i}");
            }

            for (var j = 0; j < top[i].Count; j++)
            {
                CheckSingle(layer, bottom, top, inputs, -1, i, j, elementWise: true);
            }
        }
    }

    private static float[]?[] SetUp(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        layer.SetUp(bottom, top);

        // A bottom that is also a top is overwritten by forward: keep its input to restore before every pass.
        var inputs = new float[]?[bottom.Count];
        for (var i = 0; i < bottom.Count; i++)
        {
            for (var j = 0; j < top.Count; j++)
            {
                if (ReferenceEquals(bottom[i], top[j]))
                {
                    inputs[i] = bottom[i].Data.ToArray();
                }
            }
        }

        return inputs;
    }

    private void CheckSingle(
        Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, float[]?[] inputs,
        int checkBottom, int topId, int topDataId, bool elementWise)
    {
        // The blobs to check: the learnable ones, whose gradients accumulate and so start from zero, then the bottoms.
        var checks = new List<(string Name, Blob Blob, float[]? Input)>();
        for (var i = 0; i < layer.Blobs.Count; i++)
        {
            layer.Blobs[i].Diff.Clear();
            checks.Add(($"param {i}", layer.Blobs[i], null));
        }

        var propagateDown = new bool[bottom.Count];
        if (checkBottom < 0)
        {
            Array.Fill(propagateDown, true);
            for (var i = 0; i < bottom.Count; i++)
            {
                checks.Add(($"bottom {i}", bottom[i], inputs[i]));
            }
        }
        else
        {
            Assert.That(checkBottom, Is.LessThan(bottom.Count), $"{Describe(layer)}: there is no bottom {checkBottom} to check");
            propagateDown[checkBottom] = true;
            checks.Add(($"bottom {checkBottom}", bottom[checkBottom], inputs[checkBottom]));
        }

        Assert.That(checks, Is.Not.Empty, $"{Describe(layer)}: no blobs to check");

        // The analytic gradients, from one forward and backward pass.
        Forward(layer, bottom, top, inputs);
        Objective(top, topId, topDataId);
        layer.Backward(top, propagateDown, bottom);
        var analytic = new float[checks.Count][];
        for (var c = 0; c < checks.Count; c++)
        {
            analytic[c] = checks[c].Blob.Diff.ToArray();
        }

        // The numeric estimates, by central differences.
        for (var c = 0; c < checks.Count; c++)
        {
            var (name, blob, input) = checks[c];
            for (var k = 0; k < blob.Count; k++)
            {
                var values = input is null ? blob.Data : input.AsSpan();
                var original = values[k];
                var estimate = 0d;
                if (!elementWise || k == topDataId)
                {
                    values[k] = original + _stepsize;
                    Forward(layer, bottom, top, inputs);
                    var positive = Objective(top, topId, topDataId);
                    values = input is null ? blob.Data : input.AsSpan();
                    values[k] = original - _stepsize;
                    Forward(layer, bottom, top, inputs);
                    var negative = Objective(top, topId, topDataId);
                    values = input is null ? blob.Data : input.AsSpan();
                    values[k] = original;
                    estimate = (positive - negative) / _stepsize / 2d;
                }

                var feature = MathF.Abs(original);
                if (_kink - _kinkRange > feature || feature > _kink + _kinkRange)
                {
                    double computed = analytic[c][k];
                    var tolerance = _threshold * Math.Max(Math.Max(Math.Abs(computed), Math.Abs(estimate)), 1d);
                    var withinTolerance = Math.Abs(computed - estimate) <= tolerance;
                    Assert.That(
                        withinTolerance,
                        Is.True,
                        () => string.Create(
                            CultureInfo.InvariantCulture,
                            $"{Describe(layer)}: gradient of {Target(top, topId, topDataId)} with respect to {name}{Named(blob)} element {k} (value {original}): analytic {computed:G7}, numeric {estimate:G7}, difference {Math.Abs(computed - estimate):G3} > allowed {tolerance:G3}"));
                }
            }
        }
    }

    private void Forward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, float[]?[] inputs)
    {
        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is { } input)
            {
                input.CopyTo(bottom[i].Data);
            }
        }

        layer.Random = new RandomSource(_seed);
        layer.Forward(bottom, top);
    }

    /// <summary>Computes the objective and writes its gradient into the tops' diffs (Caffe's GetObjAndGradient).</summary>
    private static double Objective(IReadOnlyList<Blob> top, int topId, int topDataId)
    {
        if (topId < 0)
        {
            var sum = 0d;
            foreach (var blob in top)
            {
                foreach (var value in blob.Data)
                {
                    sum += (double)value * value;
                }

                blob.Data.CopyTo(blob.Diff);
            }

            return sum / 2d;
        }

        foreach (var blob in top)
        {
            blob.Diff.Clear();
        }

        top[topId].Diff[topDataId] = 1f;
        return top[topId].Data[topDataId];
    }

    private static string Target(IReadOnlyList<Blob> top, int topId, int topDataId) =>
        topId < 0 ? "sum(top^2)/2" : $"top {topId}{Named(top[topId])} element {topDataId}";

    private static string Named(Blob blob) => string.IsNullOrEmpty(blob.Name) ? string.Empty : $" '{blob.Name}'";

    private static string Describe(Layer layer) => $"layer '{layer.Name}' ({layer.Type})";
}
