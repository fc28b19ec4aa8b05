using LayerNet.Errors;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// The solver's side of a run over several workers, without MPI: an in-process stand-in for the other worker. The
/// real two-process runs are in LayerNet.Runner.Tests (MpiTrainTests).
/// </summary>
public sealed class WorkerGroupTests
{
    [Test]
    public void A_partner_with_the_same_gradient_leaves_training_bit_for_bit_as_alone()
    {
        // The sum of two equal gradients is 2g, scaled by 1/2 back to g exactly: any slip in packing, offsets or the
        // scale shows in the weights.
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.Write("solver.prototxt", "net: 'net.prototxt' type: 'SGD' momentum: 0.9 base_lr: 1e-5 lr_policy: 'fixed' max_iter: 20 display: 0 random_seed: 1701 weights: 'init_iter_0.caffemodel'");
        var alone = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        var partner = new EchoPartner();
        var paired = Create(solverFile, partner);

        alone.Step(20);
        paired.Step(20);

        Assert.That(partner.Sums, Is.EqualTo(1 + 20), "the files' check at start, then one sum an iteration");
        for (var p = 0; p < alone.Net.LearnableParams.Count; p++)
        {
            Assert.That(paired.Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(alone.Net.LearnableParams[p].Data.ToArray()), $"param {p}");
        }

        Assert.That(paired.LastLoss, Is.EqualTo(alone.LastLoss));
        Assert.That(paired.Shard, Is.EqualTo(new LayerNet.Nets.DataShard(0, 2)));
        Assert.That(paired.IsLeader, Is.True);
    }

    [Test]
    public void The_sum_and_the_iter_size_passes_allocate_nothing_once_warm()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.Write("solver.prototxt", "net: 'net.prototxt' type: 'SGD' iter_size: 2 base_lr: 1e-5 lr_policy: 'fixed' max_iter: 1000 display: 0 random_seed: 1701");
        var solver = Create(solverFile, new EchoPartner());
        solver.Step(3);

        SteadyStateAllocationTests.AssertStepsAllocateNothing(solver);
    }

    [Test]
    public void A_stop_asked_of_one_worker_stops_both_at_the_same_iteration()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.Write("solver.prototxt", "net: 'net.prototxt' type: 'SGD' base_lr: 1e-5 lr_policy: 'fixed' max_iter: 50 display: 0 random_seed: 1701");
        var partner = new EchoPartner { StopAtSum = 1 + 5 }; // after the files' check, the fifth iteration's sum
        var solver = Create(solverFile, partner);

        solver.Solve();

        Assert.That(solver.StoppedEarly, Is.True);
        Assert.That(solver.Iteration, Is.EqualTo(5));
    }

    [Test]
    public void A_worker_whose_files_differ_from_worker_0s_is_named()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.Write("solver.prototxt", "net: 'net.prototxt' type: 'SGD' base_lr: 1e-5 lr_policy: 'fixed' max_iter: 5 display: 0 random_seed: 1701");

        var error = Assert.Throws<LayerNetException>(() => Create(solverFile, new EchoPartner { Rank = 1, LeaderDigests = new byte[64] }))!;

        Assert.That(error.Message, Is.EqualTo("the workers disagree: worker 1's solver, worker 1's train net differ from worker 0's (another solver or model file on that machine?); every worker must run the same files"));
    }

    private static Solver Create(string solverFile, IWorkerGroup workers) =>
        TrainingRun.Solvers.Create(TrainingRun.ReadSolver(solverFile).Message, new SolverOptions { SolverFile = solverFile, Log = TrainingLog.None, Schema = TrainingRun.Schema.Value, Workers = workers });

    /// <summary>
    /// The other worker of two, standing in for MPI: its gradient and loss equal this worker's (the sum doubles
    /// them), its weights are this worker's (broadcast changes nothing), unless <see cref="LeaderDigests"/> says
    /// worker 0 holds other files; at sum <see cref="StopAtSum"/> it asks to stop.
    /// </summary>
    private sealed class EchoPartner : IWorkerGroup
    {
        public int Rank { get; init; }

        public int Size => 2;

        public int Sums { get; private set; }

        public int StopAtSum { get; init; } = -1;

        public byte[]? LeaderDigests { get; init; }

        public void Sum(Span<float> values)
        {
            Sums++;
            var stop = Sums == StopAtSum;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] += values[i];
            }

            if (stop)
            {
                // The partner's request: the action slot (last) gains a stop.
                values[^1] += 1024f;
            }
        }

        public void Broadcast(Span<float> values)
        {
        }

        public void Broadcast(Span<byte> values) => LeaderDigests?.CopyTo(values);
    }
}
