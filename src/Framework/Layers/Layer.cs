using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Layers;

/// <summary>
/// The base of every layer, built in or plugin: Caffe's contract. <see cref="SetUp"/> (not overridable)
/// checks the blob counts against <see cref="BottomArity"/>/<see cref="TopArity"/>, runs
/// <see cref="LayerSetUp"/> once, then <see cref="Reshape"/>, then applies loss weights. Forward and
/// backward then only compute: they run once per iteration and must not allocate; they throw only for a mistake in
/// the data itself (a label out of range), found after the loop, never per element.
/// </summary>
/// <remarks>
/// Gradient rule (Caffe's): <see cref="Backward(IReadOnlyList{Blob}, IReadOnlyList{bool}, IReadOnlyList{Blob})"/> overwrites the diffs of the bottoms it propagates to
/// and accumulates into the diffs of the learnable <see cref="Blobs"/>; the solver zeroes those before
/// each iteration. A top carrying a loss weight w contributes w * sum(top) to the net's loss; the base
/// class stores w in the top's diff at set-up, so the top's gradient is already in place when
/// <see cref="Backward(IReadOnlyList{Blob}, IReadOnlyList{bool}, IReadOnlyList{Blob})"/> runs (Caffe's trick).
/// </remarks>
public abstract partial class Layer
{
    // The origin of the layer a factory is constructing on this thread: constructors (and the inner layers they
    // build) raise errors at the definition's place before the net could hand the layer its origin.
    [ThreadStatic]
    private static Origin s_constructing;

    private readonly List<Blob> _blobs = [];
    private float[] _lossWeights = [];
    private bool[] _paramPropagateDown = [];

    /// <summary>Creates a layer from its definition that takes any number of bottoms and tops.</summary>
    protected Layer(LayerParameter parameter)
        : this(parameter, BlobArity.Any, BlobArity.Any)
    {
    }

    /// <summary>
    /// Creates a layer from its definition, stating in one line how many bottoms and tops it takes, e.g.
    /// <c>: base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))</c>; <see cref="SetUp"/> checks
    /// them and produces the error text.
    /// </summary>
    /// <param name="parameter">The layer's definition.</param>
    /// <param name="bottoms">How many bottom blobs the layer takes.</param>
    /// <param name="tops">How many top blobs the layer produces.</param>
    protected Layer(LayerParameter parameter, BlobArity bottoms, BlobArity tops)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        BottomArity = bottoms;
        TopArity = tops;
        Parameter = parameter;
        Phase = parameter.HasPhase ? parameter.Phase : Caffe.Phase.Train;
        Origin = s_constructing;
    }

    /// <summary>
    /// Constructs a layer at <paramref name="origin"/>: the layer, and any layer its constructor builds, start with
    /// that origin, so that errors raised while constructing already point at the definition. The layer factory
    /// builds every layer of a net this way; call it to build a layer outside a net (a test, an inner layer).
    /// </summary>
    public static TLayer ConstructAt<TLayer>(Origin origin, Func<TLayer> construct)
        where TLayer : Layer
    {
        ArgumentNullException.ThrowIfNull(construct);
        var outer = s_constructing;
        s_constructing = origin;
        try
        {
            var layer = construct();
            layer.Origin = origin;
            return layer;
        }
        finally
        {
            s_constructing = outer;
        }
    }

    /// <summary>The layer's definition as read from the model file.</summary>
    public LayerParameter Parameter { get; }

    /// <summary>The layer's name.</summary>
    public string Name => Parameter.Name;

    /// <summary>The layer's type string, as registered (e.g. "InnerProduct").</summary>
    public string Type => Parameter.Type;

    /// <summary>The phase the net runs in (TRAIN or TEST).</summary>
    public Phase Phase { get; internal set; }

    /// <summary>
    /// False when the net holding this layer never runs its backward pass (a deploy or TEST-phase net, or a layer no
    /// loss depends on): forward may then skip keeping what only backward reads (a copy of an input overwritten in
    /// place). True for a layer used on its own, and in a net until it has worked out which layers need backward.
    /// </summary>
    public bool RunsBackward { get; internal set; } = true;

    /// <summary><see cref="TopStorage"/>: the top has data storage of its own, which a memory plan may give to another blob once the top's last reader has run.</summary>
    public const int OwnTopStorage = -1;

    /// <summary><see cref="TopStorage"/>: the top's data storage must stay its own for the life of the net (it is shared with a parameter or with something the layer holds).</summary>
    public const int FixedTopStorage = -2;

    /// <summary>
    /// Where top <paramref name="top"/>'s data lives, for <see cref="Nets.Net.PlanMemory"/>: <see cref="OwnTopStorage"/>
    /// (the default), <see cref="FixedTopStorage"/>, or the index of the bottom whose data storage the top shares
    /// (<see cref="Blob.ShareData"/>: a view such as Flatten, a Split), so that the two are planned as one buffer. A
    /// layer whose forward writes every element of its tops and keeps no reference to their storage needs nothing here.
    /// </summary>
    public virtual int TopStorage(int top) => OwnTopStorage;

    /// <summary>
    /// Offered, in a net that runs forward only (<see cref="Nets.Net.PlanMemory"/>), the layer right after this one
    /// when its only bottom is this layer's only top (in place, or into a top nothing else reads): true when this
    /// layer takes <paramref name="following"/>'s effect into its own forward pass from now on (a convolution folding
    /// the BatchNorm, Scale and ReLU after it), so the net no longer runs <paramref name="following"/>'s forward and
    /// its top shares this layer's. The default takes nothing.
    /// </summary>
    public virtual bool AbsorbFollowing(Layer following) => false;

    /// <summary>
    /// Tells the layer that its net runs forward only and accepts arithmetic that rounds differently from the layer's
    /// own pass (<see cref="Nets.Net.PlanMemory"/> with folding): a 3 x 3 convolution then runs Winograd's
    /// F(2 x 2, 3 x 3), whose results are the convolution's to float rounding.
    /// </summary>
    internal virtual void AllowForwardOnlyArithmetic()
    {
    }

    /// <summary>
    /// The generator for this layer's random draws (fillers, dropout, shuffling). The net sets it from
    /// its random seed before <see cref="SetUp"/>; a layer built alone (a test) gets seed 0.
    /// </summary>
    public RandomSource Random { get; set; } = new(0);

    /// <summary>
    /// Advances <see cref="Random"/> as <paramref name="passes"/> forward passes of this layer, with its current shapes
    /// and phase, would, without computing them; true when done. A run over several workers calls it so that each
    /// worker's draws are those one worker with <c>iter_size</c> N makes in that pass (a dropout mask): worker r passes
    /// over the draws of the passes before its own in that order. A layer that draws in its forward pass overrides it
    /// (pass over a known count with <see cref="RandomSource.Discard"/>, or make the draws into a scratch buffer); the
    /// default, false, is right for a layer that draws nothing there, and a net names a layer it saw drawing that
    /// returns false (that run is then exact only against itself).
    /// </summary>
    public virtual bool SkipForwardDraws(int passes) => false;

    /// <summary>
    /// This worker's share of the batches a data layer reads (<see cref="Nets.DataShard"/>), set by the net before
    /// <see cref="SetUp"/>: a data layer reading a sequence passes over the other workers' batches. The whole
    /// sequence for a layer built alone, or a run on one worker.
    /// </summary>
    public Nets.DataShard Shard { get; set; } = Nets.DataShard.Whole;

    /// <summary>The learnable blobs (weights, biases), in Caffe's order.</summary>
    public IReadOnlyList<Blob> Blobs => _blobs;

    /// <summary>How many bottom blobs this layer takes, as given to the constructor.</summary>
    protected BlobArity BottomArity { get; }

    /// <summary>How many top blobs this layer produces, as given to the constructor.</summary>
    protected BlobArity TopArity { get; }

    /// <summary>True when the layer needs as many tops as bottoms (Caffe's EqualNumBottomTopBlobs).</summary>
    protected virtual bool EqualBottomTopCount => false;

    /// <summary>
    /// True when the net should create anonymous tops up to the minimum top count when the model file
    /// names fewer (Caffe's AutoTopBlobs).
    /// </summary>
    public virtual bool AutoTopBlobs => false;

    /// <summary>The fewest tops; used by the net for <see cref="AutoTopBlobs"/>.</summary>
    public int MinimumTopCount => TopArity.Minimum;

    /// <summary>
    /// Whether a bottom may receive a gradient. False for inputs that cannot (e.g. labels), and for every bottom of a
    /// layer without a backward pass (the default follows <see cref="HasBackward"/>); the net asks this before
    /// deciding which blobs need backward (Caffe's AllowForceBackward).
    /// </summary>
    public virtual bool AllowForceBackward(int bottomIndex) => HasBackward;

    /// <summary>True for a loss layer: its first top gets loss weight 1 unless the model file says otherwise.</summary>
    protected virtual bool IsLoss => false;

    /// <summary>The loss weight of each top (0 for a top that is not a loss).</summary>
    public ReadOnlySpan<float> LossWeights => _lossWeights;

    /// <summary>The loss weight of a top.</summary>
    public float LossWeight(int topIndex) => topIndex < _lossWeights.Length ? _lossWeights[topIndex] : 0f;

    /// <summary>Whether backward should compute the gradient of learnable blob <paramref name="index"/>.</summary>
    public bool ParamPropagateDown(int index) => index < _paramPropagateDown.Length && _paramPropagateDown[index];

    /// <summary>Sets whether backward computes the gradient of a learnable blob (the net decides from lr_mult).</summary>
    public void SetParamPropagateDown(int index, bool value)
    {
        if (_paramPropagateDown.Length < _blobs.Count)
        {
            Array.Resize(ref _paramPropagateDown, _blobs.Count);
        }

        _paramPropagateDown[index] = value;
    }

    /// <summary>
    /// Where the layer was defined: its block's place in the model file (when read from text) and the folder the
    /// paths it names resolve against. The net sets it before <see cref="SetUp"/>; a layer built alone has none.
    /// </summary>
    public Origin Origin { get; set; }

    /// <summary>Where the layer's block starts in its model file, when it was read from text.</summary>
    public SourcePosition? Position => Origin.Position;

    /// <summary>
    /// Checks blob counts, runs <see cref="LayerSetUp"/> and <see cref="Reshape"/>, and applies loss weights.
    /// Called once, by the net, before the first forward pass.
    /// </summary>
    public void SetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        CheckBlobCounts(bottom, top);
        LayerSetUp(bottom, top);
        if (_paramPropagateDown.Length < _blobs.Count)
        {
            var flags = new bool[_blobs.Count];
            Array.Fill(flags, true);
            _paramPropagateDown.CopyTo(flags, 0);
            _paramPropagateDown = flags;
        }

        Reshape(bottom, top);
        SetLossWeights(top);
    }

    /// <summary>
    /// One-time set-up: read parameters, create and fill the learnable blobs (unless already loaded).
    /// Top shapes are set in <see cref="Reshape"/>, not here.
    /// </summary>
    protected virtual void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <summary>Sets the top shapes (and any internal buffers) from the bottom shapes. Called at set-up and whenever bottoms change shape.</summary>
    public void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        ReshapeCore(bottom, top);
    }

    /// <summary>
    /// The shape computation: sets the tops (and internal buffers) from the bottoms. The base class has checked that
    /// both lists are given; <see cref="SetUp"/> has checked their counts.
    /// </summary>
    protected abstract void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Computes the tops from the bottoms and returns the weighted loss this layer contributes.</summary>
    public float Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => Forward(bottom, top, device: null);

    /// <summary>
    /// Runs the forward pass on <paramref name="device"/> when it has kernels for this layer, otherwise on the CPU
    /// (the blobs' values move to the host first where the device wrote them last); returns the weighted loss.
    /// </summary>
    public float Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, Devices.IDevice? device)
    {
        if (device is null || !device.TryForward(this, bottom, top))
        {
            ForwardCore(bottom, top);
        }

        var loss = 0f;
        for (var i = 0; i < _lossWeights.Length; i++)
        {
            if (_lossWeights[i] != 0f)
            {
                // The top's diff holds the loss weight (see SetLossWeights), so the weighted loss is their dot product.
                var t = top[i];
                loss += System.Numerics.Tensors.TensorPrimitives.Dot(t.Data, t.Diff);
            }
        }

        return loss;
    }

    /// <summary>
    /// Computes the bottom gradients (for each bottom whose <paramref name="propagateDown"/> is set) from the
    /// top gradients, and accumulates the learnable blobs' gradients (where <see cref="ParamPropagateDown"/>).
    /// </summary>
    public void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom) =>
        BackwardCore(top, propagateDown, bottom);

    /// <summary>Runs the backward pass on <paramref name="device"/> when it has kernels for this layer, otherwise on the CPU.</summary>
    public void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom, Devices.IDevice? device)
    {
        if (device is null || !device.TryBackward(this, top, propagateDown, bottom))
        {
            BackwardCore(top, propagateDown, bottom);
        }
    }

    /// <summary>The forward computation.</summary>
    protected abstract void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>The backward computation; the default is for layers that have no gradient (data layers).</summary>
    protected virtual void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
    }

    /// <summary>True when the layer has a backward pass (data and input layers do not).</summary>
    public virtual bool HasBackward => true;

    /// <summary>Adds a learnable blob (called from <see cref="LayerSetUp"/>).</summary>
    protected Blob AddBlob(params int[] shape)
    {
        var blob = new Blob(shape) { Name = $"{Name}[{_blobs.Count}]" };
        _blobs.Add(blob);
        return blob;
    }

    /// <summary>
    /// True when the layer's learnable blobs were given before set-up (from the model file's <c>blobs</c>
    /// or a weights file), in which case <see cref="LayerSetUp"/> must keep them and not fill.
    /// </summary>
    protected bool BlobsGiven => _blobs.Count > 0;

    /// <summary>
    /// Replaces the learnable blobs with those given (model file <c>blobs</c>); the layer's
    /// <see cref="LayerSetUp"/> then checks their shapes instead of filling.
    /// </summary>
    public void SetGivenBlobs(IEnumerable<Blob> blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        _blobs.Clear();
        _blobs.AddRange(blobs);
    }

    /// <summary>
    /// Checks that a given (loaded) learnable blob has the shape the layer needs; used by LayerSetUp when
    /// <see cref="BlobsGiven"/>.
    /// </summary>
    protected void RequireBlobShape(int index, ReadOnlySpan<int> shape, string what)
    {
        if (index >= _blobs.Count)
        {
            throw Error($"expected {index + 1} learnable blobs ({what} missing), the model gives {_blobs.Count}");
        }

        if (!_blobs[index].HasShape(shape))
        {
            throw Error($"{what} shape mismatch: the layer needs {Blob.FormatShape(shape)}, the given blob has {_blobs[index].ShapeString}");
        }
    }

    /// <summary>Creates a user-facing error that names this layer, its type and its place in the model file.</summary>
    public LayerNetException Error(string message)
    {
        var error = Origin.Error($"layer '{Name}' ({Type}): {message}");
        error.Layer = Name;
        return error;
    }

    /// <summary>Creates a user-facing error naming this layer, wrapping the exception that revealed the problem.</summary>
    public LayerNetException Error(string message, Exception innerException)
    {
        var error = Origin.Error($"layer '{Name}' ({Type}): {message}", innerException);
        error.Layer = Name;
        return error;
    }

    /// <summary>Checks that a bottom has the given count of axes... a shape helper producing a layer error.</summary>
    protected void RequireSameShape(Blob expected, Blob actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!actual.HasShape(expected.Shape.ToArray()))
        {
            throw Error($"bottom '{actual.Name}' has shape {actual.ShapeString}; expected the shape of '{expected.Name}', {expected.ShapeString}");
        }
    }

    private void CheckBlobCounts(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!BottomArity.Allows(bottom.Count))
        {
            throw Error($"expected {BottomArity.Describe()} bottom blob{Plural(BottomArity)}, got {bottom.Count}");
        }

        if (!TopArity.Allows(top.Count))
        {
            throw Error($"expected {TopArity.Describe()} top blob{Plural(TopArity)}, got {top.Count}");
        }

        if (EqualBottomTopCount && bottom.Count != top.Count)
        {
            throw Error($"expected as many top blobs as bottom blobs, got {bottom.Count} bottom and {top.Count} top");
        }
    }

    private static string Plural(BlobArity arity) => arity.Minimum == 1 && (arity.Maximum == 1 || arity.Maximum == int.MaxValue) ? string.Empty : "s";

    private void SetLossWeights(IReadOnlyList<Blob> top)
    {
        var given = Parameter.LossWeight;
        if (given.Count > 0 && given.Count != top.Count)
        {
            throw Error($"loss_weight must be given once per top blob or not at all: {given.Count} given for {top.Count} tops");
        }

        _lossWeights = new float[top.Count];
        if (given.Count > 0)
        {
            for (var i = 0; i < top.Count; i++)
            {
                _lossWeights[i] = given[i];
            }
        }
        else if (IsLoss && top.Count > 0)
        {
            _lossWeights[0] = 1f;
        }

        for (var i = 0; i < top.Count; i++)
        {
            if (_lossWeights[i] != 0f)
            {
                top[i].Diff.Fill(_lossWeights[i]);
            }
        }
    }
}
