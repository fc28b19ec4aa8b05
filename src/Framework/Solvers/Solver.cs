using System.Diagnostics;
using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Text;

namespace LayerNet.Solvers;

/// <summary>
/// Caffe's Solver: builds the train net and the test nets from a <see cref="SolverParameter"/>, runs the
/// training loop (forward, backward, <see cref="ApplyUpdate"/>), tests, logs in Caffe's words, snapshots,
/// and restores. Update rules derive from it (<see cref="SgdSolver"/> and its family).
/// </summary>
/// <remarks>
/// One iteration: zero the parameter gradients; iter_size times forward+backward (the loss is their mean);
/// then the update rule. Tests run at iteration 0 (unless test_initialization is false), every
/// test_interval, and after the last iteration.
/// </remarks>
public abstract partial class Solver
{
    private readonly List<Net> _testNets = [];
    private readonly HashSet<string> _upgradeNoted = new(StringComparer.Ordinal);
    private readonly float[] _losses;
    private int _lossCount;

    // Caffe seeds one generator with random_seed (plus the solver's rank, 0 here) before it builds the train net;
    // the train net's layers draw from it in set-up order, then the test nets' layers go on drawing from it.
    private RandomSource? _random;

    /// <summary>Builds the nets a solver file describes.</summary>
    /// <exception cref="LayerNetException">A mistake in the solver file or the nets.</exception>
    protected Solver(SolverParameter parameter, SolverOptions options, LayerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factory);
        Parameter = parameter;
        Options = options;
        Log = options.Log;
        if (parameter.AverageLoss < 1)
        {
            throw new LayerNetException($"average_loss must be at least 1, got {parameter.AverageLoss}");
        }

        if (parameter.IterSize < 1)
        {
            throw new LayerNetException($"iter_size must be at least 1, got {parameter.IterSize}");
        }

        LearningRatePolicy.Validate(parameter);
        _losses = new float[parameter.AverageLoss];
        var seed = parameter.RandomSeed;
        _workers = options.Workers is { Size: > 1 } workers ? workers : null;
        Net = BuildTrainNet(factory, seed);
        BuildTestNets(factory, seed);
        foreach (var weights in parameter.Weights)
        {
            foreach (var path in weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                CopyWeights(Options.Resolve(path)).WarnMissing(Log);
            }
        }

        PrepareWorkers();
    }

    /// <summary>The solver's definition.</summary>
    public SolverParameter Parameter { get; }

    /// <summary>Paths, log, signals.</summary>
    public SolverOptions Options { get; }

    /// <summary>The log.</summary>
    protected TrainingLog Log { get; }

    /// <summary>The solver's type name (e.g. "SGD"), as written in snapshots' logs.</summary>
    public abstract string TypeName { get; }

    /// <summary>The net being trained.</summary>
    public Net Net { get; }

    /// <summary>The test nets, sharing the train net's weights.</summary>
    public IReadOnlyList<Net> TestNets => _testNets;

    /// <summary>The number of updates done so far.</summary>
    public int Iteration { get; protected set; }

    /// <summary>The learning-rate policy's step counter (saved in snapshots).</summary>
    public int CurrentStep { get; protected set; }

    /// <summary>The loss averaged over the last average_loss iterations, as displayed.</summary>
    public float SmoothedLoss { get; private set; }

    /// <summary>True when the last <see cref="Solve"/> stopped early on request.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>Raised after every training iteration (after the update); progress displays listen to it.</summary>
    public event Action<Solver>? IterationCompleted;

    /// <summary>The loss of the last iteration (before smoothing).</summary>
    public float LastLoss { get; private set; }

    /// <summary>
    /// Each test's mean outputs, as (iteration, test net index, output name, value); filled by <see cref="TestAll"/>.
    /// </summary>
    public IList<TestScore> TestScores { get; } = [];

    /// <summary>Trains from the current iteration to max_iter, then snapshots and tests as Caffe does.</summary>
    /// <param name="resumeFrom">A <c>.solverstate</c> to restore first, or null.</param>
    public void Solve(string? resumeFrom = null)
    {
        Log.Info("solver", $"Solving {Net.Name}");
        Log.Info("solver", $"Learning Rate Policy: {Parameter.LrPolicy}");
        StoppedEarly = false;
        RequireSnapshotFolder();
        if (resumeFrom is not null)
        {
            Log.Info("solver", $"Restoring previous solver status from {resumeFrom}");
            Restore(resumeFrom);
        }

        StartWorkers();

        var startIteration = Iteration;
        Step(Parameter.MaxIter - Iteration);
        if (Parameter.SnapshotAfterTrain && (Parameter.Snapshot == 0 || Iteration % Parameter.Snapshot != 0) && IsLeader)
        {
            Snapshot();
        }

        if (StoppedEarly)
        {
            Log.Info("solver", "Optimization stopped early.");
            return;
        }

        // Caffe reports the loss after the last update with one more forward pass.
        if (Parameter.Display > 0 && Iteration % Parameter.Display == 0)
        {
            var loss = Net.Forward();
            CheckFinite(loss);
            UpdateSmoothedLoss(loss, startIteration);
            Log.Info("solver", $"Iteration {Iteration}, loss = {TrainingLog.Number(SmoothedLoss)}");
        }

        if (Parameter.TestInterval > 0 && Iteration % Parameter.TestInterval == 0)
        {
            TestAll();
        }

        Log.Info("solver", "Optimization Done.");
    }

    /// <summary>Runs <paramref name="iterations"/> training iterations.</summary>
    public void Step(int iterations)
    {
        var startIteration = Iteration;
        var stopIteration = Iteration + iterations;
        _lossCount = 0;
        SmoothedLoss = 0f;
        // A timestamp, not a Stopwatch: Step must not allocate (Solve and the runner call it in a loop).
        var lastDisplay = Stopwatch.GetTimestamp();
        var iterationsAtLastDisplay = Iteration;
        while (Iteration < stopIteration)
        {
            Net.ClearParamDiffs();
            if (Parameter.TestInterval > 0 && Iteration % Parameter.TestInterval == 0 && (Iteration > 0 || Parameter.TestInitialization))
            {
                TestAll();

                // With other workers, a stop asked during the test is agreed on at this iteration's sum instead.
                if (StoppedEarly && _workers is null)
                {
                    break;
                }
            }

            var display = Parameter.Display > 0 && Iteration % Parameter.Display == 0;
            var loss = 0f;
            for (var i = 0; i < Parameter.IterSize; i++)
            {
                loss += ForwardBackwardAccumulating(i);
            }

            loss /= Parameter.IterSize;
            var agreed = _workers is null ? SolverAction.None : SumOverWorkers(ref loss);
            CheckFinite(loss);
            LastLoss = loss;
            UpdateSmoothedLoss(loss, startIteration);
            if (display)
            {
                var seconds = Stopwatch.GetElapsedTime(lastDisplay).TotalSeconds;
                var rate = (Iteration - iterationsAtLastDisplay) / (seconds > 0 ? seconds : 1);
                Log.Info("solver", $"Iteration {Iteration} ({TrainingLog.Number(rate)} iter/s, {TrainingLog.Number(seconds)}s/{Parameter.Display} iters), loss = {TrainingLog.Number(SmoothedLoss)}");
                lastDisplay = Stopwatch.GetTimestamp();
                iterationsAtLastDisplay = Iteration;
                LogTrainOutputs();
            }

            ApplyUpdate();
            Iteration++;
            IterationCompleted?.Invoke(this);
            var action = _workers is null ? Options.RequestedAction?.Invoke() ?? SolverAction.None : agreed;
            if ((Parameter.Snapshot > 0 && Iteration % Parameter.Snapshot == 0) || action == SolverAction.Snapshot)
            {
                if (IsLeader)
                {
                    Snapshot();
                }
                else
                {
                    // Worker 0 writes it now; once the next sum is done, it is whole (see SumOverWorkers).
                    _snapshotBeingWritten = StateFile(Iteration);
                }
            }

            if (action == SolverAction.Stop)
            {
                StoppedEarly = true;
                break;
            }
        }
    }

    /// <summary>Runs every test net for its test_iter batches and logs the mean of each output.</summary>
    public void TestAll()
    {
        if (!IsLeader)
        {
            // Worker 0 tests alone; the others pass over the draws its test passes make (see SkipForwardDraws).
            for (var i = 0; i < _testNets.Count; i++)
            {
                _testNets[i].SkipForwardDraws(Parameter.TestIter[i]);
            }

            return;
        }

        for (var i = 0; i < _testNets.Count; i++)
        {
            Test(i);
            if (StoppedEarly)
            {
                return;
            }
        }
    }

    /// <summary>The update rule: turns the accumulated gradients into the step applied by <c>data -= diff</c>.</summary>
    protected abstract void ApplyUpdate();

    /// <summary>The history blobs written to and read from the solver state.</summary>
    protected abstract IReadOnlyList<Blob> History { get; }

    /// <summary>The learning rate for the current iteration (advancing the policy's step counter).</summary>
    protected float LearningRate()
    {
        var step = CurrentStep;
        var rate = LearningRatePolicy.Rate(Parameter, Iteration, ref step);
        if (step != CurrentStep && Parameter.LrPolicy == "multistep")
        {
            Log.Info("sgd_solver", $"MultiStep Status: Iteration {Iteration}, step = {step}");
        }

        CurrentStep = step;
        return rate;
    }

    /// <summary>The snapshot file prefix, resolved (Caffe's default: the solver file's path without extension; a folder gets the solver file's name).</summary>
    public string SnapshotPrefix
    {
        get
        {
            var solverStem = Options.SolverFile is null ? "snapshot" : Path.GetFileNameWithoutExtension(Options.SolverFile);
            if (!Parameter.HasSnapshotPrefix || Parameter.SnapshotPrefix.Length == 0)
            {
                return Options.ResolvePrefix(solverStem);
            }

            var prefix = Options.ResolvePrefix(Parameter.SnapshotPrefix);
            return Directory.Exists(prefix) ? Path.Combine(prefix, solverStem) : prefix;
        }
    }

    /// <summary>Writes <c>prefix_iter_N.caffemodel</c> and <c>prefix_iter_N.solverstate</c>, each atomically.</summary>
    public void Snapshot()
    {
        if (Parameter.SnapshotFormat == SolverParameter.Types.SnapshotFormat.Hdf5)
        {
            throw new LayerNetException("snapshot_format: HDF5 is not supported; use BINARYPROTO (the default)");
        }

        var modelFile = $"{SnapshotPrefix}_iter_{Iteration}.caffemodel";
        Log.Info("solver", $"Snapshotting to binary proto file {modelFile}");
        MessageFile.Write(modelFile, Net.ToProto(Parameter.SnapshotDiff), Options.Schema);
        var stateFile = StateFile(Iteration);
        Log.Info("sgd_solver", $"Snapshotting solver state to binary proto file {stateFile}");
        var state = new SolverState { Iter = Iteration, LearnedNet = modelFile, CurrentStep = CurrentStep };
        foreach (var blob in History)
        {
            state.History.Add(blob.ToProto());
        }

        MessageFile.Write(stateFile, state, Options.Schema);
        LastSnapshot = stateFile;
    }

    /// <summary>
    /// The solver state a resumed run starts from: the last one this solver wrote or restored, null before either. On
    /// a worker other than 0 (which does not write snapshots), the last one worker 0 has finished writing.
    /// </summary>
    public string? LastSnapshot { get; private set; }

    private string StateFile(int iteration) => $"{SnapshotPrefix}_iter_{iteration}.solverstate";

    /// <summary>
    /// Fails before training, as Caffe does, when snapshots are due and their folder does not exist: finding out at
    /// the first snapshot loses the iterations trained until then.
    /// </summary>
    private void RequireSnapshotFolder()
    {
        if (Parameter.Snapshot <= 0 && !Parameter.SnapshotAfterTrain)
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(SnapshotPrefix));
        if (folder is not null && File.Exists(folder))
        {
            throw SolverError(
                $"cannot write snapshots to snapshot_prefix '{Parameter.SnapshotPrefix}': '{folder}' is a file, not a folder; change snapshot_prefix");
        }

        if (folder is not null && !Directory.Exists(folder))
        {
            throw SolverError(
                $"cannot write snapshots to snapshot_prefix '{Parameter.SnapshotPrefix}': folder '{folder}' does not exist; create it or change snapshot_prefix");
        }
    }

    /// <summary>
    /// Restores iteration, step, history and weights from a <c>.solverstate</c> (ours or Caffe's). The weights
    /// file it names is looked for as written, then beside the state file.
    /// </summary>
    public void Restore(string stateFile)
    {
        var state = MessageFile.ReadBinary<SolverState>(stateFile, Options.Schema);
        LastSnapshot = stateFile;
        if (state.History.Count != History.Count)
        {
            throw new LayerNetException(
                $"{stateFile}: the solver state has {state.History.Count} history blobs; this {TypeName} solver for net '{Net.Name}' needs {History.Count}. Was it written for another net or solver type?");
        }

        for (var i = 0; i < History.Count; i++)
        {
            var shape = Blob.ShapeOf(state.History[i]);
            if (!History[i].HasShape(shape))
            {
                throw new LayerNetException(
                    $"{stateFile}: history blob {i} has shape {Blob.FormatShape(shape)}; this net's parameter {i} has {History[i].ShapeString}. Was it written for another net?");
            }
        }

        if (state.HasLearnedNet && state.LearnedNet.Length > 0)
        {
            var learned = state.LearnedNet;
            if (!File.Exists(learned))
            {
                var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(stateFile))!, Path.GetFileName(learned));
                if (!File.Exists(beside))
                {
                    throw new LayerNetException($"{stateFile}: the weights it names, '{learned}', are missing (looked for '{Path.GetFullPath(learned)}' and '{beside}')");
                }

                learned = beside;
            }

            // A snapshot's weights cover its own net: a layer they miss means a damaged or foreign file.
            CopyWeights(learned).RequireEveryLayer();
        }

        for (var i = 0; i < History.Count; i++)
        {
            History[i].FromProto(state.History[i], reshape: false);
        }

        Iteration = state.Iter;
        CurrentStep = state.CurrentStep;
    }

    /// <summary>
    /// Copies trained weights into the train net (test nets share them), as fine-tuning does: weights that match no
    /// layer of the net are refused; layers they leave without weights are returned, for the caller to name.
    /// </summary>
    /// <exception cref="LayerNetException">The file cannot be read, or matches no layer of the net.</exception>
    public TrainedLayersCopy CopyWeights(string weightsFile)
    {
        var trained = MessageFile.ReadBinary<NetParameter>(weightsFile, Options.Schema);
        var copy = Net.CopyTrainedLayersFrom(MessageFile.UpgradeNet(trained, null, weightsFile, definition: false, UpgradeLog(weightsFile)).Net, $"'{weightsFile}'");
        copy.RequireMatch();
        return copy;
    }

    private void Test(int testNetIndex)
    {
        Log.Info("solver", $"Iteration {Iteration}, Testing net (#{testNetIndex})");
        var net = _testNets[testNetIndex];
        var iterations = Parameter.TestIter[testNetIndex];
        var scores = new List<double>();
        var loss = 0.0;
        for (var i = 0; i < iterations; i++)
        {
            var action = Options.RequestedAction?.Invoke() ?? SolverAction.None;
            if (action == SolverAction.Stop)
            {
                StoppedEarly = true;
                return;
            }

            loss += net.Forward();
            var index = 0;
            foreach (var output in net.Outputs)
            {
                foreach (var value in output.Data)
                {
                    if (i == 0)
                    {
                        scores.Add(value);
                    }
                    else
                    {
                        scores[index] += value;
                    }

                    index++;
                }
            }
        }

        if (Parameter.TestComputeLoss)
        {
            Log.Info("solver", $"Test loss: {TrainingLog.Number(loss / iterations)}");
        }

        var scoreIndex = 0;
        foreach (var output in net.Outputs)
        {
            var weight = net.LossWeightOf(output);
            for (var k = 0; k < output.Count; k++)
            {
                var mean = scores[scoreIndex] / iterations;
                Log.Info("solver", $"    Test net output #{scoreIndex}: {TrainingLog.Output(output.Name, mean, weight)}");
                TestScores.Add(new TestScore(Iteration, testNetIndex, output.Name, mean));
                scoreIndex++;
            }
        }
    }

    private void LogTrainOutputs()
    {
        var scoreIndex = 0;
        foreach (var output in Net.Outputs)
        {
            var weight = Net.LossWeightOf(output);
            for (var k = 0; k < output.Count; k++)
            {
                Log.Info("solver", $"    Train net output #{scoreIndex++}: {TrainingLog.Output(output.Name, output.Data[k], weight)}");
            }
        }
    }

    private void UpdateSmoothedLoss(float loss, int startIteration)
    {
        var window = _losses.Length;
        if (_lossCount < window)
        {
            _losses[_lossCount++] = loss;
            SmoothedLoss = ((SmoothedLoss * (_lossCount - 1)) + loss) / _lossCount;
        }
        else
        {
            var index = (Iteration - startIteration) % window;
            SmoothedLoss += (loss - _losses[index]) / window;
            _losses[index] = loss;
        }
    }

    private void CheckFinite(float loss)
    {
        if (float.IsFinite(loss))
        {
            return;
        }

        // Find the first layer whose output went non-finite, to say where the divergence began.
        for (var i = 0; i < Net.Layers.Count; i++)
        {
            foreach (var top in Net.Tops[i])
            {
                foreach (var value in top.Data)
                {
                    if (!float.IsFinite(value))
                    {
                        var layer = Net.Layers[i];
                        throw new LayerNetException(
                            $"training diverged at iteration {Iteration}: the loss is {TrainingLog.Number(loss)}; the first non-finite value is in top '{top.Name}' of layer '{layer.Name}' ({layer.Type}). Lower base_lr, or check the input data. Snapshots written so far are intact.");
                    }
                }
            }
        }

        throw new LayerNetException($"training diverged at iteration {Iteration}: the loss is {TrainingLog.Number(loss)}. Lower base_lr. Snapshots written so far are intact.");
    }

    private Net BuildTrainNet(LayerFactory factory, long seed)
    {
        var p = Parameter;
        var sources = (p.TrainNetParam is not null ? 1 : 0) + (p.HasTrainNet ? 1 : 0) + (p.NetParam is not null ? 1 : 0) + (p.HasNet ? 1 : 0);
        if (sources == 0)
        {
            throw SolverError("the solver names no net: give one of net, net_param, train_net or train_net_param");
        }

        if (sources > 1)
        {
            throw SolverError("the solver names more than one train net: give only one of net, net_param, train_net and train_net_param");
        }

        NetParameter netParameter;
        MessageSource? source;
        if (p.TrainNetParam is not null)
        {
            Log.Info("solver", "Creating training net specified in train_net_param.");
            (netParameter, source) = InSolverFile(p.TrainNetParam, SolverParameter.TrainNetParamFieldNumber);
        }
        else if (p.HasTrainNet)
        {
            Log.Info("solver", $"Creating training net from train_net file: {p.TrainNet}");
            (netParameter, source) = ReadNet(p.TrainNet);
        }
        else if (p.NetParam is not null)
        {
            Log.Info("solver", "Creating training net specified in net_param.");
            (netParameter, source) = InSolverFile(p.NetParam, SolverParameter.NetParamFieldNumber);
        }
        else
        {
            Log.Info("solver", $"Creating training net from net file: {p.Net}");
            (netParameter, source) = ReadNet(p.Net);
        }

        var state = new NetState { Phase = Phase.Train };
        if (netParameter.State is not null)
        {
            state.MergeFrom(netParameter.State);
        }

        if (p.TrainState is not null)
        {
            state.MergeFrom(p.TrainState);
        }

        // The state is complete here; the net must not merge the file's own state over it again.
        netParameter.State = state;
        return new Net(netParameter, factory, new NetOptions { Random = _random ??= RandomSource.FromSeed(seed), Source = source, Log = Log, Shard = Shard, Device = Options.Device });
    }

    private void BuildTestNets(LayerFactory factory, long seed)
    {
        var p = Parameter;
        var hasGeneric = p.NetParam is not null || p.HasNet;
        var specific = p.TestNetParam.Count + p.TestNet.Count;
        var total = specific;
        if (hasGeneric)
        {
            total += Math.Max(0, p.TestIter.Count - specific);
        }

        if (p.TestIter.Count != total)
        {
            throw new LayerNetException($"test_iter must be given once per test net: {total} test net(s), {p.TestIter.Count} test_iter value(s)");
        }

        if (p.TestState.Count > 0 && p.TestState.Count != total)
        {
            throw new LayerNetException($"test_state must be given once per test net or not at all: {total} test net(s), {p.TestState.Count} test_state(s)");
        }

        if (total > 0 && p.TestInterval <= 0)
        {
            // Caffe builds the nets but never runs them without a test_interval; say so once.
            Log.Info("solver", "test_interval is 0: the test nets are built but not run during training.");
        }

        var index = 0;
        for (var i = 0; i < p.TestNetParam.Count; i++)
        {
            AddTestNet(InSolverFile(p.TestNetParam[i], SolverParameter.TestNetParamFieldNumber, i), index++, factory, seed);
        }

        foreach (var file in p.TestNet)
        {
            AddTestNet(ReadNet(file), index++, factory, seed);
        }

        while (index < total)
        {
            AddTestNet(p.NetParam is not null ? InSolverFile(p.NetParam, SolverParameter.NetParamFieldNumber) : ReadNet(p.Net), index++, factory, seed);
        }
    }

    private void AddTestNet((NetParameter Parameter, MessageSource? Source) definition, int index, LayerFactory factory, long seed)
    {
        var netParameter = definition.Parameter;
        var state = new NetState { Phase = Phase.Test };
        if (netParameter.State is not null)
        {
            state.MergeFrom(netParameter.State);
        }

        if (Parameter.TestState.Count > 0)
        {
            state.MergeFrom(Parameter.TestState[index]);
        }

        netParameter.State = state;
        Log.Info("solver", $"Creating test net (#{index}) specified by {(netParameter.Name.Length > 0 ? netParameter.Name : "the solver")}");
        var random = _random ??= RandomSource.FromSeed(seed);
        var net = new Net(netParameter, factory, new NetOptions { Random = random, Source = definition.Source, Log = Log, Device = Options.Device });
        net.ShareTrainedLayersWith(Net);
        _testNets.Add(net);
    }

    // A net written inside the solver file: a copy (the solver sets its state), with where it is in the solver file.
    // An old net there is upgraded (Caffe leaves it as it is and builds an empty net), said once for each of them.
    private (NetParameter Parameter, MessageSource? Source) InSolverFile(NetParameter net, int fieldNumber, int index = 0)
    {
        var source = Options.Source?.Child(fieldNumber, index);
        var file = Options.SolverFile ?? Options.Source?.File ?? string.Empty;
        var part = SolverParameter.Descriptor.FindFieldByNumber(fieldNumber).Name;
        var (upgraded, upgradedSource) = MessageFile.UpgradeNet(net, source, file, definition: true, UpgradeLog($"{file}\n{fieldNumber}\n{index}"), part);
        return (ReferenceEquals(upgraded, net) ? net.Clone() : upgraded, upgradedSource);
    }

    // The log for the note that a file was upgraded: the solver's for the first reading of a file, none after.
    private TrainingLog UpgradeLog(string key) => _upgradeNoted.Add(key) ? Log : TrainingLog.None;

    /// <summary>An error about the solver file itself, placed at the solver file when it was read from text.</summary>
    private LayerNetException SolverError(string message) =>
        LayerNetException.At(Options.Source?.Position, message);

    private (NetParameter Parameter, MessageSource? Source) ReadNet(string path)
    {
        var resolved = Options.Resolve(path);
        var document = MessageFile.ReadNetDocument(resolved, Options.Schema, UpgradeLog(resolved));
        return (document.Message, document.Source);
    }
}
