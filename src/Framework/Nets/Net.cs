using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Solvers;
using LayerNet.Text;

namespace LayerNet.Nets;

/// <summary>
/// A net built from a <see cref="NetParameter"/>: layers filtered by the net's state, Split layers inserted
/// where a blob feeds several consumers, blobs connected by name (in place where a top names its bottom),
/// learnable parameters collected (shared by <c>ParamSpec</c> name), and which layers need backward worked
/// out from the loss, the learning rates and <c>force_backward</c>. Caffe's Net, with its rules.
/// </summary>
/// <remarks>Forward and backward run over arrays prepared here and do not allocate.</remarks>
public sealed class Net
{
    private readonly List<Layer> _layers = [];
    private readonly List<Blob[]> _bottoms = [];
    private readonly List<Blob[]> _tops = [];
    private readonly List<bool[]> _bottomNeedBackward = [];
    private readonly List<bool> _layerNeedBackward = [];
    private readonly List<Blob> _blobs = [];
    private readonly Dictionary<string, Blob> _blobsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _layersByName = new(StringComparer.Ordinal);
    private readonly List<Blob> _learnableParams = [];
    private readonly List<float> _paramLrMults = [];
    private readonly List<float> _paramDecayMults = [];
    private readonly List<string> _learnableParamOwners = [];
    private readonly List<Blob> _inputs = [];
    private readonly List<Blob> _outputs = [];
    private readonly List<float> _blobLossWeights = [];
    private readonly MessageSource? _source;
    private readonly Origin _origin;
    private readonly DataShard _shard;
    private readonly TrainingLog _log;
    private static volatile Layer? s_currentLayer;
    private NetStep[] _steps = [];
    private int[][] _bottomShapeVersions = [];
    private HashSet<Blob>? _memoryPlanKeeps;
    private bool[]? _absorbed;

    // Per layer: seen drawing from Random in a forward pass; asked to pass over its draws and unable to.
    private bool[] _drewInForward = [];
    private bool[] _cannotSkipDraws = [];

    /// <summary>Builds and sets up the net.</summary>
    /// <param name="parameter">The net definition (from a model file).</param>
    /// <param name="factory">Creates layers by type.</param>
    /// <param name="options">State and random source.</param>
    /// <exception cref="LayerNetException">A mistake in the definition; the message names the layer and its place.</exception>
    public Net(NetParameter parameter, LayerFactory factory, NetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(factory);
        options ??= new NetOptions();
        Name = parameter.Name;
        State = parameter.State?.Clone() ?? new NetState();
        if (options.State is not null)
        {
            State.MergeFrom(options.State);
        }

        Random = options.Random ?? new RandomSource(0);
        Device = options.Device;
        _shard = options.Shard.Count >= 1 && options.Shard.Index >= 0 && options.Shard.Index < options.Shard.Count
            ? options.Shard
            : throw new ArgumentException($"shard {options.Shard.Index} of {options.Shard.Count} is not a worker of the run", nameof(options));
        _log = options.Log ?? new TrainingLog(Console.Error);
        _source = options.Source;
        if (NetUpgrade.DeprecatedForm(parameter) is { } form)
        {
            // Files are upgraded when they are read (MessageFile.ReadNetDocument); this is a definition built in code.
            var named = options.File ?? _source?.File ?? string.Empty;
            var notes = new List<string>();
            (parameter, _source) = NetUpgrade.Upgrade(parameter, _source, named, definition: true, notes);
            _log.Warning("net", named.Length > 0 ? NetUpgrade.Note(named, form) : $"net '{parameter.Name}' uses {form}; it was upgraded in memory");
            foreach (var note in notes)
            {
                _log.Warning("net", note);
            }
        }

        Parameter = parameter;
        _origin = _source is not null ? Origin.At(_source.Position) : options.File is { } file ? Origin.InFile(file) : default;
        var layers = CollectLayers(parameter);
        layers = SplitInsertion.Insert(layers);
        Build(parameter, layers, factory);
    }

    /// <summary>The net's name.</summary>
    public string Name { get; }

    /// <summary>The definition the net was built from.</summary>
    public NetParameter Parameter { get; }

    /// <summary>The state the net was built for.</summary>
    public NetState State { get; }

    /// <summary>The phase (TRAIN or TEST).</summary>
    public Phase Phase => State.Phase;

    /// <summary>The generator the layers draw from.</summary>
    public RandomSource Random { get; }

    /// <summary>The device the net offers its layers' passes to (<see cref="NetOptions.Device"/>); null on the CPU alone.</summary>
    public Devices.IDevice? Device { get; }

    /// <summary>The layers, in execution order (Split layers included).</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Each layer in its place: its bottoms and tops, and what backward does there; in execution order.</summary>
    public IReadOnlyList<NetStep> Steps => _steps;

    /// <summary>The bottom blobs of each layer.</summary>
    internal IReadOnlyList<IReadOnlyList<Blob>> Bottoms => _bottoms;

    /// <summary>The top blobs of each layer.</summary>
    internal IReadOnlyList<IReadOnlyList<Blob>> Tops => _tops;

    /// <summary>Every blob, in order of creation (an in-place top is its bottom, listed once).</summary>
    public IReadOnlyList<Blob> Blobs => _blobs;

    /// <summary>The net's inputs: the tops of its Input layers (and legacy <c>input</c> fields).</summary>
    public IReadOnlyList<Blob> Inputs => _inputs;

    /// <summary>The blobs no layer consumes: the net's outputs (losses, accuracies, predictions).</summary>
    public IReadOnlyList<Blob> Outputs => _outputs;

    /// <summary>The learnable parameters (shared ones once, under their first owner).</summary>
    public IReadOnlyList<Blob> LearnableParams => _learnableParams;

    /// <summary>The learning-rate multiplier of each learnable parameter.</summary>
    public IReadOnlyList<float> ParamLrMults => _paramLrMults;

    /// <summary>The weight-decay multiplier of each learnable parameter.</summary>
    public IReadOnlyList<float> ParamDecayMults => _paramDecayMults;

    /// <summary>The loss weight of each blob in <see cref="Blobs"/> (0 for blobs that are not losses).</summary>
    public IReadOnlyList<float> BlobLossWeights => _blobLossWeights;

    /// <summary>Whether each layer runs in backward.</summary>
    internal IReadOnlyList<bool> LayerNeedBackward => _layerNeedBackward;

    /// <summary>Whether each layer propagates a gradient to each of its bottoms.</summary>
    internal IReadOnlyList<IReadOnlyList<bool>> BottomNeedBackward => _bottomNeedBackward;

    /// <summary>The loss weight of one of the net's blobs (0 for a blob that is not a loss, or not the net's).</summary>
    public float LossWeightOf(Blob blob)
    {
        for (var i = 0; i < _blobs.Count; i++)
        {
            if (ReferenceEquals(_blobs[i], blob))
            {
                return _blobLossWeights[i];
            }
        }

        return 0f;
    }

    /// <summary>True when a blob of this name exists.</summary>
    public bool HasBlob(string name) => _blobsByName.ContainsKey(name);

    /// <summary>The blob of this name.</summary>
    /// <exception cref="LayerNetException">No such blob (the message lists the net's blobs).</exception>
    public Blob Blob(string name)
    {
        if (_blobsByName.TryGetValue(name, out var blob))
        {
            return blob;
        }

        var nearest = NearestName.Find(name, _blobsByName.Keys);
        throw new LayerNetException(
            $"net '{Name}' has no blob '{name}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Blobs: {string.Join(", ", _blobsByName.Keys)}");
    }

    /// <summary>
    /// The layer whose set-up, forward or backward pass is running now (in whichever net of the process last entered
    /// one), or null between layers: what a signal handler names when a layer does not return. One field written
    /// before and after each layer; nothing allocated.
    /// </summary>
    public static Layer? CurrentLayer => s_currentLayer;

    /// <summary>
    /// Whether a net in <paramref name="state"/> has <paramref name="layer"/>: Caffe's include/exclude rules, as the
    /// constructor filters the layers (for a tool that reads a definition without building it).
    /// </summary>
    /// <param name="state">The net's state (phase, level, stages).</param>
    /// <param name="layer">The layer's definition.</param>
    /// <param name="origin">Where the layer was defined (its error points there).</param>
    /// <exception cref="LayerNetException">The layer gives both include and exclude rules.</exception>
    public static bool Includes(NetState state, LayerParameter layer, Origin origin = default) =>
        NetStateRules.Includes(state, layer, origin);

    /// <summary>The layer of this name (the first, when the definition repeats a name), or null.</summary>
    public Layer? FindLayer(string name) => _layersByName.TryGetValue(name, out var index) ? _layers[index] : null;

    /// <summary>Runs every layer forward; returns the total weighted loss.</summary>
    /// <param name="observer">Told before and after each layer runs (timing, recording values, checking gradients); null for none.</param>
    /// <exception cref="LayerNetException">A layer failed; the message names it and its place.</exception>
    public float Forward(NetObserver? observer = null)
    {
        var loss = 0f;
        for (var i = 0; i < _steps.Length; i++)
        {
            var step = _steps[i];
            ReshapeIfBottomsChanged(i);
            if (_absorbed is { } absorbed && absorbed[i])
            {
                // Its effect is part of the forward pass of the layer before it; a top of its own shows that layer's.
                if (!ReferenceEquals(step.Top[0], step.Bottom[0]))
                {
                    step.Top[0].ShareData(step.Bottom[0]);
                }

                continue;
            }

            observer?.BeforeForward(step);
            var draws = Random.Draws;
            var layerLoss = ForwardLayer(step, Device);
            if (Random.Draws != draws)
            {
                _drewInForward[i] = true;
            }

            loss += layerLoss;
            observer?.AfterForward(step, layerLoss);
        }

        return loss;
    }

    /// <summary>
    /// Advances <see cref="Random"/> as <paramref name="passes"/> forward passes would, layer by layer in forward
    /// order, without running them (<see cref="Layer.SkipForwardDraws"/>): a worker of a run over several workers
    /// passes over the draws of the other workers' passes, so its own pass draws what one worker's pass at that place
    /// would.
    /// </summary>
    public void SkipForwardDraws(int passes)
    {
        for (var pass = 0; pass < passes; pass++)
        {
            for (var i = 0; i < _layers.Count; i++)
            {
                if ((_absorbed is null || !_absorbed[i]) && !_layers[i].SkipForwardDraws(1))
                {
                    _cannotSkipDraws[i] = true;
                }
            }
        }
    }

    /// <summary>
    /// The layers seen drawing random numbers in a forward pass that could not pass over such draws when asked
    /// (<see cref="SkipForwardDraws"/>): where there are any, a run over several workers is exact only against itself.
    /// </summary>
    public IEnumerable<Layer> LayersThatCannotSkipDraws()
    {
        for (var i = 0; i < _layers.Count; i++)
        {
            if (_drewInForward[i] && _cannotSkipDraws[i])
            {
                yield return _layers[i];
            }
        }
    }

    /// <summary>
    /// Reshapes every layer whose bottoms changed shape, in order, without running any (Caffe's <c>Net::Reshape</c>):
    /// after an input blob is reshaped, every top has its new shape before the next forward pass.
    /// </summary>
    /// <exception cref="LayerNetException">A layer refused the new shapes; the message names it and its place.</exception>
    public void Reshape()
    {
        for (var i = 0; i < _steps.Length; i++)
        {
            ReshapeIfBottomsChanged(i);
        }

        if (_memoryPlanKeeps is { } keeps)
        {
            // A blob that grew has storage of its own again: lay the net out anew for its new shapes.
            ApplyMemoryPlan(keeps);
        }
    }

    /// <summary>
    /// Lays out the blobs of a net whose backward never runs (a deploy or TEST-phase net) so that blobs never alive
    /// at the same time share one buffer: a blob's data is kept from the layer that first writes it until its last
    /// reader has run, and then serves a later blob. The net's inputs and outputs, the tops of layers with no bottoms
    /// (data and input layers), parameters, and the blobs named in <paramref name="keep"/> keep storage of their own,
    /// so their values can be read after <see cref="Forward"/>; any other blob's values are those of whichever blob
    /// used the buffer last. Forward's results are unchanged (to float rounding where layers are folded, see
    /// <paramref name="fold"/>). <see cref="Reshape"/> lays the net out again.
    /// </summary>
    /// <param name="keep">Names of blobs whose values the caller reads after a pass (besides the outputs).</param>
    /// <param name="fold">
    /// Also let each layer take the layers after it into its own pass (<see cref="Layer.AbsorbFollowing"/>: a
    /// convolution's BatchNorm, Scale and ReLU become one multiply-add per value, rounded once); false keeps every
    /// layer's own arithmetic, so the outputs are the unplanned net's bit for bit.
    /// </param>
    /// <returns>What was shared, and the bytes of blob data before and after.</returns>
    /// <exception cref="LayerNetException"><paramref name="keep"/> names no blob of the net.</exception>
    /// <remarks>
    /// The net runs forward only from then on: every layer's <see cref="Layer.RunsBackward"/> becomes false, and
    /// <see cref="Backward"/> refuses to run a layer (a TEST-phase net with a loss would otherwise compute gradients).
    /// </remarks>
    public BlobMemoryPlan PlanMemory(IEnumerable<string>? keep = null, bool fold = true)
    {
        var keeps = new HashSet<Blob>(ReferenceEqualityComparer.Instance);
        foreach (var name in keep ?? [])
        {
            keeps.Add(Blob(name));
        }

        _memoryPlanKeeps = keeps;
        foreach (var layer in _layers)
        {
            layer.RunsBackward = false;
        }

        if (fold)
        {
            foreach (var layer in _layers)
            {
                layer.AllowForwardOnlyArithmetic();
            }

            AbsorbFollowingLayers(keeps);
        }

        return ApplyMemoryPlan(keeps);
    }

    // Offers each layer the layers right after it that take its only top as their only bottom (BatchNorm, Scale, ReLU
    // after a convolution), as long as it takes them. One that works in place is simply skipped; one with a top of its
    // own is skipped too, its top sharing the storage the first layer writes, provided nothing else reads the blob in
    // between and the caller does not keep it. The caller reads a kept blob only after the pass, when an in-place
    // chain has run in full, so keeping an in-place blob does not stop the folding.
    private void AbsorbFollowingLayers(HashSet<Blob> keeps)
    {
        _absorbed ??= new bool[_layers.Count];
        var readers = new Dictionary<Blob, int>(ReferenceEqualityComparer.Instance);
        foreach (var bottoms in _bottoms)
        {
            foreach (var bottom in bottoms)
            {
                readers[bottom] = readers.GetValueOrDefault(bottom) + 1;
            }
        }

        for (var i = 0; i < _layers.Count; i++)
        {
            if (_absorbed[i] || _tops[i].Length != 1 || _bottoms[i].Length == 0)
            {
                continue;
            }

            var blob = _tops[i][0];
            for (var j = i + 1; j < _layers.Count; j++)
            {
                if (_bottoms[j].Length != 1 || _tops[j].Length != 1 || !ReferenceEquals(_bottoms[j][0], blob))
                {
                    break;
                }

                if (_absorbed[j])
                {
                    // Taken by an earlier plan (PlanMemory called again): not offered twice.
                    blob = _tops[j][0];
                    continue;
                }

                var inPlace = ReferenceEquals(_tops[j][0], blob);
                var unshared = inPlace || (readers.GetValueOrDefault(blob) == 1 && !keeps.Contains(blob) && !_outputs.Contains(blob) && !_inputs.Contains(blob));
                if (!unshared || !_layers[i].AbsorbFollowing(_layers[j]))
                {
                    break;
                }

                _absorbed[j] = true;
                blob = _tops[j][0];
            }
        }
    }

    private BlobMemoryPlan ApplyMemoryPlan(HashSet<Blob> keeps)
    {
        if (Device is not null)
        {
            // On a device the blobs keep their own memory: with the planned buffers shared, LeNet's `test --gpu 0` on
            // ILGPU's CPU accelerator scored about one batch in ten differently from run to run (issue 20; the cause is
            // not found yet), and without the sharing it matched the CPU. Folding still applies.
            return new BlobMemoryPlan(0, 0, 0, 0);
        }

        var kept = new HashSet<Blob>(keeps, ReferenceEqualityComparer.Instance);
        kept.UnionWith(_inputs);
        kept.UnionWith(_outputs);
        var plan = MemoryPlanner.Plan(_layers, _bottoms, _tops, _blobs, kept, _absorbed);

        // The storage the blobs had before is garbage now; give it back before the first pass touches the new buffers.
        GC.Collect();
        return plan;
    }

    /// <summary>Runs backward through every layer that needs it, last to first.</summary>
    /// <param name="observer">Told before and after each layer that runs backward; null for none.</param>
    /// <exception cref="LayerNetException">A layer failed; the message names it and its place.</exception>
    public void Backward(NetObserver? observer = null)
    {
        for (var i = _steps.Length - 1; i >= 0; i--)
        {
            var step = _steps[i];
            if (!step.NeedsBackward)
            {
                continue;
            }

            if (_memoryPlanKeeps is not null)
            {
                throw new LayerNetException($"net '{Name}' runs forward only since its memory was planned (PlanMemory); layer '{step.Layer.Name}' would run backward");
            }

            observer?.BeforeBackward(step);
            BackwardLayer(step, Device);
            observer?.AfterBackward(step);
        }
    }

    // As Caffe reshapes every layer before its forward pass, but only when it matters: a layer whose bottoms changed
    // shape since it last reshaped (after a Filter, or a data layer whose batch changes) reshapes again. A net whose
    // shapes are fixed only compares a version number per bottom.
    private void ReshapeIfBottomsChanged(int index)
    {
        var bottoms = _bottoms[index];
        var seen = _bottomShapeVersions[index];
        var changed = false;
        for (var j = 0; j < bottoms.Length; j++)
        {
            changed |= bottoms[j].ShapeVersion != seen[j];
        }

        if (!changed)
        {
            return;
        }

        var layer = _layers[index];
        try
        {
            layer.Reshape(bottoms, _tops[index]);
        }
        catch (LayerNetException exception) when (exception.Position is null && exception.Layer is null)
        {
            throw layer.Error(exception.Message, exception);
        }

        for (var j = 0; j < bottoms.Length; j++)
        {
            seen[j] = bottoms[j].ShapeVersion;
        }
    }

    // The one place a layer's failure becomes the user's error: which layer, where it is defined, what it threw.
    private static float ForwardLayer(NetStep step, Devices.IDevice? device)
    {
        try
        {
            s_currentLayer = step.Layer;
            return step.Layer.Forward(step.Bottom, step.Top, device);
        }
        catch (Exception exception) when (exception is not LayerNetException and not OutOfMemoryException)
        {
            throw step.Layer.Error($"forward failed: {exception.GetType().Name}: {exception.Message}", exception);
        }
        finally
        {
            s_currentLayer = null;
        }
    }

    private static void BackwardLayer(NetStep step, Devices.IDevice? device)
    {
        try
        {
            s_currentLayer = step.Layer;
            step.Layer.Backward(step.Top, step.PropagateDown, step.Bottom, device);
        }
        catch (Exception exception) when (exception is not LayerNetException and not OutOfMemoryException)
        {
            throw step.Layer.Error($"backward failed: {exception.GetType().Name}: {exception.Message}", exception);
        }
        finally
        {
            s_currentLayer = null;
        }
    }

    /// <summary>Forward then backward; returns the loss.</summary>
    public float ForwardBackward(NetObserver? observer = null)
    {
        var loss = Forward(observer);
        Backward(observer);
        return loss;
    }

    /// <summary>
    /// Zeroes the gradients of the learnable parameters (layers accumulate into them): on the device when the net's
    /// device runs the solver's work (<see cref="Devices.ISolverDevice"/>), so that they stay there, else on the host.
    /// </summary>
    public void ClearParamDiffs()
    {
        if (Device is Devices.ISolverDevice device)
        {
            foreach (var param in _learnableParams)
            {
                device.ClearDiff(param);
            }

            return;
        }

        foreach (var param in _learnableParams)
        {
            param.Diff.Clear();
        }
    }

    /// <summary>Applies the computed updates: data -= diff for each learnable parameter.</summary>
    public void Update()
    {
        foreach (var param in _learnableParams)
        {
            param.Update();
        }
    }

    /// <summary>
    /// Copies learned blobs from a trained net (a <c>.caffemodel</c>), matching layers by name. Layers the
    /// source has and this net lacks are ignored, as Caffe does; a blob whose shape differs is an error.
    /// </summary>
    /// <returns>How many of the source's layers matched, and this net's layers with learned blobs that got none: the caller decides whether that is an error.</returns>
    public TrainedLayersCopy CopyTrainedLayersFrom(NetParameter trained, string sourceName = "weights")
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (NetUpgrade.NeedsUpgrade(trained))
        {
            // Weights read from a file were upgraded (and said so) by MessageFile.ReadWeights; these were built in code.
            trained = NetUpgrade.Upgrade(trained, definition: false);
        }

        var matched = 0;
        var copied = new bool[_layers.Count];
        foreach (var source in trained.Layer)
        {
            if (_layersByName.TryGetValue(source.Name, out var index) && CopyLayerBlobs(index, source.Blobs, sourceName))
            {
                matched++;
                copied[index] = true;
            }
        }

        var without = new List<Layer>();
        for (var i = 0; i < _layers.Count; i++)
        {
            if (_layers[i].Blobs.Count > 0 && !copied[i])
            {
                without.Add(_layers[i]);
            }
        }

        return new TrainedLayersCopy(sourceName, Name, trained.Layer.Count, matched, without);
    }

    /// <summary>Uses another net's learned parameters (the test net shares the train net's weights).</summary>
    public void ShareTrainedLayersWith(Net other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < other._layers.Count; i++)
        {
            var source = other._layers[i];
            if (!_layersByName.TryGetValue(source.Name, out var target))
            {
                continue;
            }

            var targetBlobs = _layers[target].Blobs;
            if (targetBlobs.Count != source.Blobs.Count)
            {
                throw _layers[target].Error($"cannot share weights with layer '{source.Name}': {source.Blobs.Count} blobs there, {targetBlobs.Count} here");
            }

            for (var j = 0; j < targetBlobs.Count; j++)
            {
                if (!targetBlobs[j].HasShape(source.Blobs[j].Shape.ToArray()))
                {
                    throw _layers[target].Error($"cannot share param {j} with layer '{source.Name}': shape {source.Blobs[j].ShapeString} there, {targetBlobs[j].ShapeString} here");
                }

                targetBlobs[j].ShareData(source.Blobs[j]);
            }
        }
    }

    /// <summary>The net as a <see cref="NetParameter"/> with every layer's learned blobs: the contents of a <c>.caffemodel</c>.</summary>
    public NetParameter ToProto(bool writeDiff = false)
    {
        var proto = new NetParameter { Name = Name };
        foreach (var layer in _layers)
        {
            var layerProto = layer.Parameter.Clone();
            layerProto.Blobs.Clear();
            foreach (var blob in layer.Blobs)
            {
                layerProto.Blobs.Add(blob.ToProto(writeDiff));
            }

            proto.Layer.Add(layerProto);
        }

        return proto;
    }

    private List<LayerDefinition> CollectLayers(NetParameter parameter)
    {
        if (parameter.InputShape.Count > 0 || parameter.InputDim.Count > 0)
        {
            // The upgrade turns input names with their shapes into an Input layer; shapes without names are left here.
            throw _origin.Error($"net '{parameter.Name}' gives input_shape or input_dim without 'input' names");
        }

        var layers = new List<LayerDefinition>();
        for (var i = 0; i < parameter.Layer.Count; i++)
        {
            var layer = parameter.Layer[i];
            var origin = OriginOf(NetParameter.LayerFieldNumber, i);
            if (NetStateRules.Includes(State, layer, origin))
            {
                layers.Add(new LayerDefinition(layer, origin));
            }
        }

        return layers;
    }

    // Where a message nested in the net's definition came from (a layer block), in the net's file.
    private Origin OriginOf(int fieldNumber, int index) =>
        _origin.WithPosition(_source?.Child(fieldNumber, index)?.Position);

    private void Build(NetParameter parameter, List<LayerDefinition> layers, LayerFactory factory)
    {
        if (factory.UnknownTypes(layers.Select(layer => (layer.Parameter, layer.Origin))) is { } unknown)
        {
            throw unknown;
        }

        var available = new List<string>();
        var anonymousOutputs = new List<Blob>();
        var blobNeedBackward = new Dictionary<Blob, bool>();
        var paramOwners = new Dictionary<string, (Blob Blob, int Learnable, ParamSpec? Spec, Layer Layer)>(StringComparer.Ordinal);
        var firstOrigins = new Dictionary<string, Origin>(StringComparer.Ordinal);

        for (var layerIndex = 0; layerIndex < layers.Count; layerIndex++)
        {
            var (layerParameter, origin) = layers[layerIndex];
            if (!layerParameter.HasPhase)
            {
                // The layer sees the net's phase (Caffe sets it on each layer's parameter).
                layerParameter = layerParameter.Clone();
                layerParameter.Phase = Phase;
            }

            var definition = new LayerDefinition(layerParameter, origin);
            if (layerParameter.PropagateDown.Count > 0 && layerParameter.PropagateDown.Count != layerParameter.Bottom.Count)
            {
                throw definition.Error($"propagate_down must be given once per bottom ({layerParameter.Bottom.Count}) or not at all, got {layerParameter.PropagateDown.Count}");
            }

            if (layerParameter.Name.Length > 0 && !firstOrigins.TryAdd(layerParameter.Name, origin))
            {
                // Caffe accepts a repeated name (HED's deploy file names two layers 'crop'); its weights go to the
                // first layer of that name, as Caffe's CopyTrainedLayersFrom and ShareTrainedLayersWith find it.
                var first = firstOrigins[layerParameter.Name].Position;
                var here = origin.Position;
                _log.Warning("net", $"layer name '{layerParameter.Name}' is used twice{(first is null ? string.Empty : $", at {first}")}{(here is null ? string.Empty : $" and at {here}")}; weights given by name go to the first");
            }

            var layer = factory.Create(layerParameter, origin);

            // A plugin's parameter rule may have rewritten the definition: the net wires what the layer was built from.
            layerParameter = layer.Parameter;
            layer.Random = Random;
            layer.Shard = _shard;
            layer.Phase = Phase;

            // Bottoms: existing blobs by name.
            var bottoms = new Blob[layerParameter.Bottom.Count];
            var bottomNeed = new bool[bottoms.Length];
            var needBackward = false;
            for (var j = 0; j < bottoms.Length; j++)
            {
                var name = layerParameter.Bottom[j];
                if (!_blobsByName.TryGetValue(name, out var blob))
                {
                    throw layer.Error($"unknown bottom blob '{name}' (bottom {j})");
                }

                bottoms[j] = blob;
                available.Remove(name);
                bottomNeed[j] = layerParameter.PropagateDown.Count > 0 ? layerParameter.PropagateDown[j] : blobNeedBackward[blob];
                needBackward |= blobNeedBackward[blob];
            }

            // Tops: new blobs, or the bottom of the same index when the names match (in place).
            var topCount = layerParameter.Top.Count;
            if (layer.AutoTopBlobs && topCount < layer.MinimumTopCount)
            {
                topCount = layer.MinimumTopCount;
            }

            var tops = new Blob[topCount];
            for (var j = 0; j < topCount; j++)
            {
                if (j >= layerParameter.Top.Count)
                {
                    // An anonymous top the layer needs but the model file does not name (Caffe's AutoTopBlobs).
                    var anonymous = new Blob { Name = "(automatic)" };
                    _blobs.Add(anonymous);
                    blobNeedBackward[anonymous] = false;
                    tops[j] = anonymous;
                    anonymousOutputs.Add(anonymous);
                    continue;
                }

                var name = layerParameter.Top[j];
                if (j < bottoms.Length && layerParameter.Bottom[j] == name)
                {
                    tops[j] = bottoms[j];
                }
                else if (_blobsByName.ContainsKey(name))
                {
                    throw layer.Error($"top blob '{name}' is already produced by an earlier layer; a top may reuse a name only in place (as the bottom of the same index)");
                }
                else
                {
                    var blob = new Blob { Name = name };
                    _blobs.Add(blob);
                    _blobsByName.Add(name, blob);
                    blobNeedBackward[blob] = false;
                    tops[j] = blob;
                }

                if (!available.Contains(name))
                {
                    available.Add(name);
                }
            }

            // Learnable blobs given in the model file (blobs { ... }) replace the fillers.
            if (layerParameter.Blobs.Count > 0)
            {
                var given = new List<Blob>();
                for (var b = 0; b < layerParameter.Blobs.Count; b++)
                {
                    var blob = new Blob { Name = $"{layerParameter.Name}[{b}]" };
                    blob.FromProto(layerParameter.Blobs[b]);
                    given.Add(blob);
                }

                layer.SetGivenBlobs(given);
            }

            try
            {
                s_currentLayer = layer;
                layer.SetUp(bottoms, tops);
            }
            catch (LayerNetException exception) when (exception.Position is null && exception.Layer is null)
            {
                // An error from a blob or helper (an absurd shape, say) knows no place; the layer being set up is it.
                throw layer.Error(exception.Message, exception);
            }
            catch (Exception exception) when (exception is not LayerNetException)
            {
                // A layer (often a plugin's) crashed on its definition: say which, where, which plugin and what it
                // threw, as Forward does. An OutOfMemoryException here is the layer's own (blobs refuse what does
                // not fit with a LayerNetException of their own), so it is reported as any other.
                var plugin = Plugins.PluginFault.PluginOf(layer.GetType()) is { } file ? $" in plugin '{file}'" : string.Empty;
                throw layer.Error($"setup failed{plugin}: {Plugins.PluginFault.Describe(exception)}", exception);
            }
            finally
            {
                s_currentLayer = null;
            }
            if (layerParameter.Type == "Input")
            {
                _inputs.AddRange(tops);
            }

            for (var j = 0; j < tops.Length; j++)
            {
                var weight = layer.LossWeight(j);
                var index = _blobs.IndexOf(tops[j]);
                while (_blobLossWeights.Count < _blobs.Count)
                {
                    _blobLossWeights.Add(0f);
                }

                if (weight != 0f)
                {
                    _blobLossWeights[index] = weight;
                }
            }

            // Parameters: lr_mult decides whether a parameter gets a gradient; a named ParamSpec may share.
            for (var p = 0; p < layer.Blobs.Count; p++)
            {
                var spec = p < layerParameter.Param.Count ? layerParameter.Param[p] : null;
                var lrMult = spec?.LrMult ?? 1f;
                var decayMult = spec?.DecayMult ?? 1f;
                var paramNeedBackward = lrMult != 0f;
                needBackward |= paramNeedBackward;
                layer.SetParamPropagateDown(p, paramNeedBackward);
                var blob = layer.Blobs[p];
                var sharedName = spec is { Name.Length: > 0 } ? spec.Name : null;
                if (sharedName is not null && paramOwners.TryGetValue(sharedName, out var owner))
                {
                    var strict = spec!.ShareMode != ParamSpec.Types.DimCheckMode.Permissive;
                    var compatible = strict ? blob.HasShape(owner.Blob.Shape.ToArray()) : blob.Count == owner.Blob.Count;
                    if (!compatible)
                    {
                        throw layer.Error(
                            $"cannot share param '{sharedName}' (param {p}) with layer '{owner.Layer.Name}': its shape is {owner.Blob.ShapeString} there and {blob.ShapeString} here{(strict ? " (share_mode STRICT needs equal shapes)" : " (PERMISSIVE needs equal counts)")}");
                    }

                    if (spec.HasLrMult && owner.Spec is { HasLrMult: true } && owner.Spec.LrMult != spec.LrMult)
                    {
                        throw layer.Error($"shared param '{sharedName}' has lr_mult {spec.LrMult} here and {owner.Spec.LrMult} in layer '{owner.Layer.Name}'");
                    }

                    if (spec.HasDecayMult && owner.Spec is { HasDecayMult: true } && owner.Spec.DecayMult != spec.DecayMult)
                    {
                        throw layer.Error($"shared param '{sharedName}' has decay_mult {spec.DecayMult} here and {owner.Spec.DecayMult} in layer '{owner.Layer.Name}'");
                    }

                    // As Caffe: a multiplier the owner left unset is taken from the first sharer that sets it.
                    if (spec.HasLrMult && owner.Spec is not { HasLrMult: true })
                    {
                        _paramLrMults[owner.Learnable] = spec.LrMult;
                    }

                    if (spec.HasDecayMult && owner.Spec is not { HasDecayMult: true })
                    {
                        _paramDecayMults[owner.Learnable] = spec.DecayMult;
                    }

                    blob.ShareData(owner.Blob);
                    blob.ShareDiff(owner.Blob);
                    continue;
                }

                _learnableParams.Add(blob);
                _paramLrMults.Add(lrMult);
                _paramDecayMults.Add(decayMult);
                _learnableParamOwners.Add(layer.Name);
                if (sharedName is not null)
                {
                    paramOwners.Add(sharedName, (blob, _learnableParams.Count - 1, spec, layer));
                }
            }

            if (needBackward)
            {
                foreach (var top in tops)
                {
                    blobNeedBackward[top] = true;
                }
            }

            _layersByName.TryAdd(layer.Name, _layers.Count);
            _layers.Add(layer);
            _bottoms.Add(bottoms);
            _tops.Add(tops);
            _bottomNeedBackward.Add(bottomNeed);
            _layerNeedBackward.Add(needBackward);
        }

        while (_blobLossWeights.Count < _blobs.Count)
        {
            _blobLossWeights.Add(0f);
        }

        PruneBackward();
        if (parameter.ForceBackward)
        {
            ForceBackward();
        }

        _steps = new NetStep[_layers.Count];
        _drewInForward = new bool[_layers.Count];
        _cannotSkipDraws = new bool[_layers.Count];
        _bottomShapeVersions = new int[_layers.Count][];
        for (var i = 0; i < _steps.Length; i++)
        {
            _steps[i] = new NetStep(i, _layers[i], _bottoms[i], _tops[i], _bottomNeedBackward[i], _layerNeedBackward[i]);
            _layers[i].RunsBackward = _layerNeedBackward[i];
            _bottomShapeVersions[i] = new int[_bottoms[i].Length];
            for (var j = 0; j < _bottoms[i].Length; j++)
            {
                _bottomShapeVersions[i][j] = _bottoms[i][j].ShapeVersion;
            }
        }

        // Caffe keeps the unconsumed blob names in a std::set, so its outputs (and the "#i" of its log lines)
        // come in byte order of their names; anonymous tops are all named "(automatic)".
        var outputs = new List<(string Name, Blob Blob)>();
        foreach (var name in available)
        {
            outputs.Add((name, _blobsByName[name]));
        }

        foreach (var blob in anonymousOutputs)
        {
            outputs.Add((blob.Name, blob));
        }

        outputs.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        foreach (var (_, blob) in outputs)
        {
            _outputs.Add(blob);
        }
    }

    // Walking back from the losses, a layer needs backward only if some top feeds a loss and some top
    // carries a gradient; a bottom needs a gradient only if its layer contributes to a loss (Caffe's rules).
    private void PruneBackward()
    {
        var underLoss = new HashSet<Blob>();
        var skipBackward = new HashSet<Blob>();
        for (var i = _layers.Count - 1; i >= 0; i--)
        {
            var contributesLoss = false;
            var skipPropagateDown = true;
            var tops = _tops[i];
            for (var j = 0; j < tops.Length; j++)
            {
                if (_layers[i].LossWeight(j) != 0f || underLoss.Contains(tops[j]))
                {
                    contributesLoss = true;
                }

                if (!skipBackward.Contains(tops[j]))
                {
                    skipPropagateDown = false;
                }

                if (contributesLoss && !skipPropagateDown)
                {
                    break;
                }
            }

            var bottomNeed = _bottomNeedBackward[i];
            if (_layerNeedBackward[i] && skipPropagateDown)
            {
                _layerNeedBackward[i] = false;
                Array.Clear(bottomNeed);
            }

            if (!contributesLoss)
            {
                _layerNeedBackward[i] = false;
            }

            var bottoms = _bottoms[i];
            for (var j = 0; j < bottoms.Length; j++)
            {
                if (contributesLoss)
                {
                    underLoss.Add(bottoms[j]);
                }
                else
                {
                    bottomNeed[j] = false;
                }

                if (!bottomNeed[j])
                {
                    skipBackward.Add(bottoms[j]);
                }
            }
        }
    }

    private void ForceBackward()
    {
        for (var i = 0; i < _layers.Count; i++)
        {
            _layerNeedBackward[i] = true;
            var bottomNeed = _bottomNeedBackward[i];
            for (var j = 0; j < bottomNeed.Length; j++)
            {
                bottomNeed[j] = bottomNeed[j] || _layers[i].AllowForceBackward(j);
            }

            for (var p = 0; p < _layers[i].Blobs.Count; p++)
            {
                _layers[i].SetParamPropagateDown(p, true);
            }
        }
    }

    // True when the layer got learned blobs.
    private bool CopyLayerBlobs(int index, Google.Protobuf.Collections.RepeatedField<BlobProto> blobs, string sourceName)
    {
        var target = _layers[index];
        if (blobs.Count == 0)
        {
            return false;
        }

        if (blobs.Count != target.Blobs.Count)
        {
            throw target.Error($"{sourceName} has {blobs.Count} learned blobs for this layer; the layer has {target.Blobs.Count}");
        }

        for (var j = 0; j < blobs.Count; j++)
        {
            var shape = LayerNet.Blobs.Blob.ShapeOf(blobs[j]);
            var blob = target.Blobs[j];
            if (!blob.ShapeEquals(blobs[j]))
            {
                throw target.Error(
                    $"cannot copy param {j} from {sourceName}: shape mismatch; the stored blob is {LayerNet.Blobs.Blob.FormatShape(shape)}, the layer's is {blob.ShapeString}");
            }

            blob.FromProto(blobs[j], reshape: false);
        }

        return true;
    }
}
