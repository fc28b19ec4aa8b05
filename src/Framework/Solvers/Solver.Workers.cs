using System.Security.Cryptography;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Devices;
using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Solvers;

/// <summary>
/// The solver's part in a run spread over several workers (<see cref="SolverOptions.Workers"/>), and the exact
/// accumulation of <c>iter_size</c> passes that makes N workers and one worker with <c>iter_size: N</c> agree.
/// </summary>
public abstract partial class Solver
{
    private const float StopCode = 1024f;

    private readonly IWorkerGroup? _workers;

    // Every learnable gradient end to end, then the loss and the workers' requested action: one sum an iteration.
    private float[] _flat = [];

    // The gradients of the passes before the current one, when iter_size > 1.
    private float[] _accumulated = [];

    // The same on the device, one blob per parameter (its gradient holds the sum), when the device runs the solver's work.
    private readonly List<Blob> _accumulatedOnDevice = [];

    // On a worker other than 0: the snapshot worker 0 is writing, until the next sum shows it has finished.
    private string? _snapshotBeingWritten;

    // Whether worker 0 has named the layers that cannot pass over other workers' draws (once, after the first pass).
    private bool _drawsChecked;

    /// <summary>This worker's share of the train net's batches; the whole sequence when the solver trains alone.</summary>
    public DataShard Shard => _workers is null ? DataShard.Whole : new DataShard(_workers.Rank, _workers.Size);

    /// <summary>True for the worker that logs, tests and snapshots: worker 0, or the solver that trains alone.</summary>
    public bool IsLeader => _workers is null || _workers.Rank == 0;

    private int ParameterCount
    {
        get
        {
            var count = 0;
            foreach (var param in Net.LearnableParams)
            {
                count += param.Count;
            }

            return count;
        }
    }

    /// <summary>Sizes the buffers once (no allocation per iteration), and checks that every worker runs the same solver and net.</summary>
    private void PrepareWorkers()
    {
        var count = ParameterCount;
        if (Parameter.IterSize > 1 && Options.Device is ISolverDevice)
        {
            // The passes' gradients add up on the device, where they were computed.
            foreach (var param in Net.LearnableParams)
            {
                _accumulatedOnDevice.Add(new Blob([.. param.Shape]));
            }
        }
        else if (Parameter.IterSize > 1)
        {
            _accumulated = new float[count];
        }

        if (_workers is null)
        {
            return;
        }

        _flat = new float[count + 2];
        RequireSameDefinitions(_workers);
    }

    /// <summary>Before the first iteration: every worker starts from worker 0's weights (restored or drawn).</summary>
    private void StartWorkers()
    {
        if (_workers is null)
        {
            return;
        }

        Pack(data: true);
        _workers.Broadcast(_flat.AsSpan(0, _flat.Length - 2));
        Unpack(data: true, scale: 1f);
    }

    /// <summary>
    /// One forward and backward pass of an iteration's <paramref name="pass"/>-th. Passes after the first compute
    /// their gradient alone and then add the earlier ones' to it: the sum of fresh gradients, a + b, that N workers'
    /// sum also is (a layer accumulating into a gradient that already holds a value may round differently).
    /// </summary>
    private float ForwardBackwardAccumulating(int pass)
    {
        if (_workers is null)
        {
            return ForwardBackwardAlone(pass);
        }

        // Worker r's pass is pass r of the N one worker with iter_size N makes at this place (its batches are r, r + N,
        // ...): it passes over the random draws (dropout masks) of the passes before and after its own, so that its
        // draws are that pass's.
        Net.SkipForwardDraws(_workers.Rank);
        var loss = ForwardBackwardAlone(pass);
        Net.SkipForwardDraws(_workers.Size - 1 - _workers.Rank);
        if (!_drawsChecked && IsLeader)
        {
            _drawsChecked = true;
            foreach (var layer in Net.LayersThatCannotSkipDraws())
            {
                Log.Warning("solver", $"layer '{layer.Name}' ({layer.Type}) draws random numbers in its forward pass and cannot pass over the other workers' draws (Layer.SkipForwardDraws): this run is exact only against itself, not against one worker with iter_size {_workers.Size}");
            }
        }

        return loss;
    }

    private float ForwardBackwardAlone(int pass)
    {
        if (pass == 0)
        {
            return Net.ForwardBackward();
        }

        // Indexed loops: a foreach over the IReadOnlyList would allocate an enumerator every iteration.
        var parameters = Net.LearnableParams;
        if (_accumulatedOnDevice.Count > 0 && Options.Device is ISolverDevice device)
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                device.CopyDiff(parameters[i], _accumulatedOnDevice[i]);
            }

            Net.ClearParamDiffs();
            var passLoss = Net.ForwardBackward();
            for (var i = 0; i < parameters.Count; i++)
            {
                device.AddDiff(_accumulatedOnDevice[i], parameters[i]);
            }

            return passLoss;
        }

        var offset = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].Diff.CopyTo(_accumulated.AsSpan(offset));
            offset += parameters[i].Count;
        }

        Net.ClearParamDiffs();
        var loss = Net.ForwardBackward();
        offset = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            var diff = parameters[i].Diff;
            System.Numerics.Tensors.TensorPrimitives.Add(diff, _accumulated.AsSpan(offset, diff.Length), diff);
            offset += diff.Length;
        }

        return loss;
    }

    /// <summary>
    /// Sums the gradients and the loss over the workers and scales both by 1 / workers (Caffe's multi-GPU rule), and
    /// agrees on a stop or snapshot any worker was asked for; returns the agreed action.
    /// </summary>
    private SolverAction SumOverWorkers(ref float loss)
    {
        var workers = _workers!;
        var requested = StoppedEarly ? SolverAction.Stop : Options.RequestedAction?.Invoke() ?? SolverAction.None;
        Pack(data: false);
        var n = _flat.Length - 2;
        _flat[n] = loss;
        _flat[n + 1] = requested switch
        {
            SolverAction.Stop => StopCode,
            SolverAction.Snapshot => 1f,
            _ => 0f,
        };
        workers.Sum(_flat);

        // Worker 0 writes a snapshot before it takes part in the next sum: past this one, the file is whole.
        if (_snapshotBeingWritten is not null)
        {
            LastSnapshot = _snapshotBeingWritten;
            _snapshotBeingWritten = null;
        }

        Unpack(data: false, scale: 1f / workers.Size);
        loss = _flat[n] / workers.Size;
        var actions = _flat[n + 1];
        return actions >= StopCode ? SolverAction.Stop : actions > 0f ? SolverAction.Snapshot : SolverAction.None;
    }

    private void Pack(bool data)
    {
        var parameters = Net.LearnableParams;
        var offset = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            (data ? parameters[i].Data : parameters[i].Diff).CopyTo(_flat.AsSpan(offset));
            offset += parameters[i].Count;
        }
    }

    private void Unpack(bool data, float scale)
    {
        var parameters = Net.LearnableParams;
        var offset = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            var target = data ? parameters[i].Data : parameters[i].Diff;
            var source = _flat.AsSpan(offset, target.Length);
            if (scale == 1f)
            {
                source.CopyTo(target);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(source, scale, target);
            }

            offset += target.Length;
        }
    }

    /// <summary>
    /// Refuses to start when the workers were given different solvers or nets (another file on one machine): every
    /// worker compares its definitions' digests with worker 0's, and every worker learns which differ.
    /// </summary>
    private void RequireSameDefinitions(IWorkerGroup workers)
    {
        var mine = new byte[64];
        SHA256.HashData(Parameter.ToByteArray(), mine.AsSpan(0, 32));
        SHA256.HashData(Net.Parameter.ToByteArray(), mine.AsSpan(32, 32));
        var leaders = (byte[])mine.Clone();
        workers.Broadcast(leaders);

        // One slot per worker and part: 1 where that worker's part differs from worker 0's.
        var differs = new float[2 * workers.Size];
        differs[2 * workers.Rank] = mine.AsSpan(0, 32).SequenceEqual(leaders.AsSpan(0, 32)) ? 0f : 1f;
        differs[(2 * workers.Rank) + 1] = mine.AsSpan(32, 32).SequenceEqual(leaders.AsSpan(32, 32)) ? 0f : 1f;
        workers.Sum(differs);
        var named = new List<string>();
        for (var rank = 1; rank < workers.Size; rank++)
        {
            if (differs[2 * rank] != 0f)
            {
                named.Add($"worker {rank}'s solver");
            }

            if (differs[(2 * rank) + 1] != 0f)
            {
                named.Add($"worker {rank}'s train net");
            }
        }

        if (named.Count > 0)
        {
            throw new LayerNetException(
                $"the workers disagree: {string.Join(", ", named)} differ{(named.Count == 1 ? "s" : string.Empty)} from worker 0's (another solver or model file on that machine?); every worker must run the same files");
        }
    }
}
