using System.Globalization;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers;

namespace LayerNet.Testing;

/// <summary>
/// Checks a layer's backward pass against central finite differences of its forward pass, as Caffe's
/// GradientChecker does; the one checker behind the layer tests, plugin tests and <c>layernet gradcheck</c>.
/// </summary>
/// <remarks>
/// <para>
/// An objective E is put on top of the layer: by default E = sum over all tops of top^2 / 2 (so dE/dtop = top;
/// see <see cref="Objective"/> for the scale-free random projection), or, when checking a single top element,
/// E = that element (dE/dtop is one there and zero elsewhere). The layer's own loss output is ignored: a loss top
/// is just another output here.
/// </para>
/// <para>
/// For every element v of every checked blob (the learnable blobs, then the checked bottoms) the analytic
/// gradient g from one backward pass is compared with the estimate (E(v + h) - E(v - h)) / 2h, h = stepsize, and
/// must satisfy |g - estimate| &lt;= threshold * max(|g|, |estimate|, 1). Values whose magnitude lies within
/// kinkRange of kink (a non-differentiable point such as ReLU's 0) are not checked; the default kinkRange of -1
/// checks everything. The layer's random generator is put back to one state before every forward pass, so random
/// layers (dropout) draw the same mask each time.
/// </para>
/// <para>
/// In-place layers (a top that is a bottom) are handled: the checker keeps the bottom's input values aside and
/// writes them back before every forward pass, and perturbs that saved input.
/// </para>
/// <para>
/// The <c>CheckGradient</c> methods set the layer up and throw <see cref="GradientCheckException"/> on the first
/// blob out of tolerance (any test framework reports it as a failure); <see cref="Measure"/> checks a layer already
/// set up inside a net, on copies of its blobs, and returns the errors instead.
/// </para>
/// </remarks>
public sealed class GradientChecker
{
    /// <summary>Creates a checker.</summary>
    /// <param name="stepsize">The finite-difference step h (Caffe's tests mostly use 1e-2).</param>
    /// <param name="threshold">The allowed relative error (Caffe's tests mostly use 1e-3).</param>
    /// <param name="seed">
    /// The seed the layer's generator is reset to before every forward pass of the <c>CheckGradient</c> methods,
    /// and the seed of the <see cref="GradientObjective.RandomProjection"/>.
    /// </param>
    /// <param name="kink">The magnitude of a non-differentiable point of the layer's inputs.</param>
    /// <param name="kinkRange">Values whose magnitude is within this of <paramref name="kink"/> are skipped; negative checks all.</param>
    public GradientChecker(float stepsize, double threshold, ulong seed = 1701, float kink = 0f, float kinkRange = -1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepsize);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        Stepsize = stepsize;
        Threshold = threshold;
        Seed = seed;
        Kink = kink;
        KinkRange = kinkRange;
    }

    /// <summary>The finite-difference step h.</summary>
    public float Stepsize { get; }

    /// <summary>The largest relative error |g - estimate| / max(|g|, |estimate|, 1) accepted.</summary>
    public double Threshold { get; }

    /// <summary>The seed of the layer's generator (<c>CheckGradient</c> methods) and of the random projection.</summary>
    public ulong Seed { get; }

    /// <summary>The magnitude of a non-differentiable point of the inputs.</summary>
    public float Kink { get; }

    /// <summary>Inputs whose magnitude is within this of <see cref="Kink"/> are not checked; negative checks all.</summary>
    public float KinkRange { get; }

    /// <summary>
    /// The objective of <see cref="CheckGradient"/> and <see cref="Measure"/>: Caffe's sum of squares (the default)
    /// or a random projection. The single-element checks always take one top element as the objective.
    /// </summary>
    public GradientObjective Objective { get; init; } = GradientObjective.SumOfSquares;

    /// <summary>At most this many elements of each blob are checked, spread evenly over it; 0 (the default) checks all.</summary>
    public int MaxElements { get; init; }

    /// <summary>
    /// Sets the layer up and checks the gradient of the <see cref="Objective"/> with respect to every learnable blob
    /// and every bottom (or only bottom <paramref name="checkBottom"/>).
    /// </summary>
    /// <param name="layer">The layer; <see cref="Layer.SetUp"/> is called here.</param>
    /// <param name="bottom">The bottoms, holding the input values.</param>
    /// <param name="top">The tops.</param>
    /// <param name="checkBottom">The one bottom to check (the others get no gradient), or -1 for all of them.</param>
    /// <exception cref="GradientCheckException">A gradient is out of tolerance.</exception>
    public void CheckGradient(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, int checkBottom = -1)
    {
        var session = SetUp(layer, bottom, top);
        session.ThrowIfFailed(session.Check(PropagateDown(layer, bottom, checkBottom), Session.WholeTop), required: true);
    }

    /// <summary>
    /// Sets the layer up and, for every element of every top in turn, checks the gradient of that element with
    /// respect to every learnable blob and every bottom (or only bottom <paramref name="checkBottom"/>).
    /// </summary>
    /// <param name="layer">The layer; <see cref="Layer.SetUp"/> is called here.</param>
    /// <param name="bottom">The bottoms, holding the input values.</param>
    /// <param name="top">The tops; there must be at least one.</param>
    /// <param name="checkBottom">The one bottom to check (the others get no gradient), or -1 for all of them.</param>
    /// <exception cref="GradientCheckException">A gradient is out of tolerance.</exception>
    public void CheckGradientExhaustive(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, int checkBottom = -1)
    {
        var session = SetUp(layer, bottom, top);
        Require(top.Count > 0, layer, "the exhaustive gradient check needs at least one top blob");
        var propagateDown = PropagateDown(layer, bottom, checkBottom);
        for (var i = 0; i < top.Count; i++)
        {
            for (var j = 0; j < top[i].Count; j++)
            {
                session.ThrowIfFailed(session.Check(propagateDown, new TopElement(i, j, ElementWise: false)), required: true);
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
    /// <exception cref="GradientCheckException">A gradient is out of tolerance.</exception>
    public void CheckGradientEltwise(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var session = SetUp(layer, bottom, top);
        Require(top.Count > 0, layer, "the element-wise gradient check needs at least one top blob");
        Require(layer.Blobs.Count == 0, layer, "the element-wise gradient check is for layers without learnable blobs");
        var propagateDown = PropagateDown(layer, bottom, -1);
        for (var i = 0; i < top.Count; i++)
        {
            for (var b = 0; b < bottom.Count; b++)
            {
                Require(bottom[b].Count == top[i].Count, layer, $"the element-wise gradient check needs bottom {b} to have the count of top {i}");
            }

            for (var j = 0; j < top[i].Count; j++)
            {
                session.ThrowIfFailed(session.Check(propagateDown, new TopElement(i, j, ElementWise: true)), required: true);
            }
        }
    }

    /// <summary>
    /// Measures, without throwing, the gradient errors of a layer already set up (inside a net, say): every learnable
    /// blob and every bottom the layer can propagate to (<see cref="Layer.AllowForceBackward"/>) is checked against
    /// the <see cref="Objective"/>. The layer runs on copies of <paramref name="bottom"/> and on fresh tops, then is
    /// reshaped back onto <paramref name="bottom"/> and <paramref name="top"/>, and its generator is left in the
    /// state it had, so the net around it is unchanged.
    /// </summary>
    /// <param name="layer">The layer, set up.</param>
    /// <param name="bottom">Its bottoms, holding the input values.</param>
    /// <param name="top">Its tops.</param>
    /// <returns>One result per blob checked, learnable blobs first; empty when there is nothing to check.</returns>
    public IReadOnlyList<GradientCheckResult> Measure(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        var inputs = new Blob[bottom.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new Blob { Name = bottom[i].Name };
            inputs[i].CopyFrom(bottom[i], reshape: true);
        }

        var outputs = new Blob[top.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = new Blob { Name = top[i].Name };
        }

        var randomState = layer.Random.SaveState();
        try
        {
            layer.Reshape(inputs, outputs);
            var propagateDown = new bool[inputs.Length];
            for (var i = 0; i < propagateDown.Length; i++)
            {
                propagateDown[i] = layer.AllowForceBackward(i);
            }

            return new Session(this, layer, inputs, outputs, randomState).Check(propagateDown, Session.WholeTop);
        }
        finally
        {
            layer.Random.RestoreState(randomState);
            layer.Reshape(bottom, top);
        }
    }

    private Session SetUp(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        layer.SetUp(bottom, top);
        layer.Random = new RandomSource(Seed);
        return new Session(this, layer, bottom, top, layer.Random.SaveState());
    }

    private static bool[] PropagateDown(Layer layer, IReadOnlyList<Blob> bottom, int checkBottom)
    {
        var propagateDown = new bool[bottom.Count];
        if (checkBottom < 0)
        {
            Array.Fill(propagateDown, true);
        }
        else
        {
            Require(checkBottom < bottom.Count, layer, $"there is no bottom {checkBottom} to check");
            propagateDown[checkBottom] = true;
        }

        return propagateDown;
    }

    private static void Require(bool condition, Layer layer, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{Describe(layer)}: {message}");
        }
    }

    private static string Named(Blob blob) => string.IsNullOrEmpty(blob.Name) ? string.Empty : $" '{blob.Name}'";

    private static string Describe(Layer layer) => $"layer '{layer.Name}' ({layer.Type})";

    /// <summary>The objective's target: one top element (<see cref="TopId"/> &gt;= 0) or all tops (-1).</summary>
    private readonly record struct TopElement(int TopId, int Element, bool ElementWise);

    /// <summary>One layer with its blobs, the in-place inputs kept aside, the generator state and the projection.</summary>
    private sealed class Session
    {
        public static readonly TopElement WholeTop = new(-1, -1, ElementWise: false);

        private readonly GradientChecker _checker;
        private readonly Layer _layer;
        private readonly IReadOnlyList<Blob> _bottom;
        private readonly IReadOnlyList<Blob> _top;
        private readonly float[]?[] _inputs;
        private readonly ulong[] _randomState;
        private readonly float[][]? _projection;
        private TopElement _target;

        public Session(GradientChecker checker, Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, ulong[] randomState)
        {
            _checker = checker;
            _layer = layer;
            _bottom = bottom;
            _top = top;
            _randomState = randomState;

            // A bottom that is also a top is overwritten by forward: keep its input to restore before every pass.
            _inputs = new float[]?[bottom.Count];
            for (var i = 0; i < bottom.Count; i++)
            {
                for (var j = 0; j < top.Count; j++)
                {
                    if (ReferenceEquals(bottom[i], top[j]))
                    {
                        _inputs[i] = bottom[i].Data.ToArray();
                    }
                }
            }

            if (checker.Objective == GradientObjective.RandomProjection)
            {
                var random = new RandomSource(checker.Seed);
                _projection = new float[top.Count][];
                for (var i = 0; i < top.Count; i++)
                {
                    _projection[i] = new float[top[i].Count];
                    for (var k = 0; k < _projection[i].Length; k++)
                    {
                        _projection[i][k] = random.NextUniform(-1f, 1f);
                    }
                }
            }
        }

        /// <summary>One backward pass, then central differences for every checked blob, against one objective.</summary>
        public List<GradientCheckResult> Check(bool[] propagateDown, TopElement target)
        {
            _target = target;

            // The blobs to check: the learnable ones, whose gradients accumulate and so start from zero, then the bottoms.
            var checks = new List<(string Name, Blob Blob, float[]? Input)>();
            for (var i = 0; i < _layer.Blobs.Count; i++)
            {
                _layer.Blobs[i].Diff.Clear();
                checks.Add(($"param {i}", _layer.Blobs[i], null));
            }

            for (var i = 0; i < _bottom.Count; i++)
            {
                if (propagateDown[i])
                {
                    checks.Add(($"bottom {i}{Named(_bottom[i])}", _bottom[i], _inputs[i]));
                }
            }

            var results = new List<GradientCheckResult>(checks.Count);
            if (checks.Count == 0)
            {
                return results;
            }

            // The analytic gradients, from one forward and backward pass with every learnable blob's gradient on.
            Forward();
            Objective();
            var paramFlags = new bool[_layer.Blobs.Count];
            for (var p = 0; p < paramFlags.Length; p++)
            {
                paramFlags[p] = _layer.ParamPropagateDown(p);
                _layer.SetParamPropagateDown(p, true);
            }

            try
            {
                _layer.Backward(_top, propagateDown, _bottom);
            }
            finally
            {
                for (var p = 0; p < paramFlags.Length; p++)
                {
                    _layer.SetParamPropagateDown(p, paramFlags[p]);
                }
            }

            var analytic = new float[checks.Count][];
            for (var c = 0; c < checks.Count; c++)
            {
                analytic[c] = checks[c].Blob.Diff.ToArray();
            }

            for (var c = 0; c < checks.Count; c++)
            {
                results.Add(CheckBlob(checks[c].Name, checks[c].Blob, checks[c].Input, analytic[c]));
            }

            return results;
        }

        /// <summary>Throws for the first result above the threshold, naming its worst element.</summary>
        public void ThrowIfFailed(List<GradientCheckResult> results, bool required)
        {
            if (required && results.Count == 0)
            {
                throw new ArgumentException($"{Describe(_layer)}: no blobs to check");
            }

            foreach (var r in results)
            {
                if (r.MaxRelativeError > _checker.Threshold)
                {
                    var difference = Math.Abs(r.WorstAnalytic - r.WorstNumeric);
                    var allowed = _checker.Threshold * Math.Max(Math.Max(Math.Abs(r.WorstAnalytic), Math.Abs(r.WorstNumeric)), 1d);
                    throw new GradientCheckException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{Describe(_layer)}: gradient of {Target()} with respect to {r.Blob} element {r.WorstIndex} (value {r.WorstValue}): analytic {r.WorstAnalytic:G7}, numeric {r.WorstNumeric:G7}, difference {difference:G3} > allowed {allowed:G3}"));
                }
            }
        }

        private GradientCheckResult CheckBlob(string name, Blob blob, float[]? input, float[] analytic)
        {
            var count = blob.Count;
            var maxElements = _checker.MaxElements;
            var stride = maxElements <= 0 || count <= maxElements ? 1 : (double)count / maxElements;
            var step = _checker.Stepsize;
            var kink = _checker.Kink;
            var kinkRange = _checker.KinkRange;
            var checkedCount = 0;
            double maxAbsolute = 0, maxRelative = 0, worstAnalytic = 0, worstNumeric = 0;
            var worstIndex = -1;
            var worstValue = 0f;
            var lastIndex = -1;
            for (double position = 0; position < count; position += stride)
            {
                var k = (int)position;
                if (k == lastIndex)
                {
                    continue;
                }

                lastIndex = k;
                var values = input is null ? blob.Data : input.AsSpan();
                var original = values[k];
                var feature = MathF.Abs(original);
                if (kink - kinkRange <= feature && feature <= kink + kinkRange)
                {
                    continue;
                }

                var estimate = 0d;
                if (!_target.ElementWise || k == _target.Element)
                {
                    values[k] = original + step;
                    Forward();
                    var positive = Objective();
                    values = input is null ? blob.Data : input.AsSpan();
                    values[k] = original - step;
                    Forward();
                    var negative = Objective();
                    values = input is null ? blob.Data : input.AsSpan();
                    values[k] = original;
                    estimate = (positive - negative) / step / 2d;
                }

                double computed = analytic[k];
                var error = Math.Abs(computed - estimate);
                var relative = error / Math.Max(Math.Max(Math.Abs(computed), Math.Abs(estimate)), 1d);
                if (double.IsNaN(relative))
                {
                    relative = double.PositiveInfinity;
                }

                maxAbsolute = Math.Max(maxAbsolute, error);
                if (relative >= maxRelative)
                {
                    maxRelative = relative;
                    worstIndex = k;
                    worstValue = original;
                    worstAnalytic = computed;
                    worstNumeric = estimate;
                }

                checkedCount++;
            }

            return new GradientCheckResult(name, checkedCount, count, maxAbsolute, maxRelative, worstIndex, worstAnalytic, worstNumeric, worstValue);
        }

        private void Forward()
        {
            for (var i = 0; i < _inputs.Length; i++)
            {
                if (_inputs[i] is { } input)
                {
                    input.CopyTo(_bottom[i].Data);
                }
            }

            _layer.Random.RestoreState(_randomState);
            _layer.Forward(_bottom, _top);
        }

        /// <summary>Computes the objective and writes its gradient into the tops' diffs (Caffe's GetObjAndGradient).</summary>
        private double Objective()
        {
            if (_target.TopId >= 0)
            {
                foreach (var blob in _top)
                {
                    blob.Diff.Clear();
                }

                _top[_target.TopId].Diff[_target.Element] = 1f;
                return _top[_target.TopId].Data[_target.Element];
            }

            var sum = 0d;
            for (var i = 0; i < _top.Count; i++)
            {
                var data = _top[i].Data;
                if (_projection is null)
                {
                    foreach (var value in data)
                    {
                        sum += (double)value * value;
                    }

                    data.CopyTo(_top[i].Diff);
                }
                else
                {
                    var projection = _projection[i];
                    for (var k = 0; k < data.Length; k++)
                    {
                        sum += (double)data[k] * projection[k];
                    }

                    projection.CopyTo(_top[i].Diff);
                }
            }

            return _projection is null ? sum / 2d : sum;
        }

        private string Target() => _target.TopId < 0
            ? _projection is null ? "sum(top^2)/2" : "a random projection of the tops"
            : $"top {_target.TopId}{Named(_top[_target.TopId])} element {_target.Element}";
    }
}
