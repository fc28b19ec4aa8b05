using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Two workers on two threads of this process (an in-process group standing in for MPI) against one worker with
/// <c>iter_size: 2</c>, on nets that draw random numbers in their forward passes: a dropout mask, a DummyData refill
/// (a gaussian filler, whose draws vary in number), a test net that draws. Each worker passes over the other's draws,
/// so the runs agree bit for bit.
/// </summary>
public sealed class RandomDrawsOverWorkersTests
{
    private const string Net = """
        name: "drawing"
        layer {
          name: "data" type: "DummyData" top: "x" top: "y"
          dummy_data_param {
            shape { dim: 16 dim: 20 } shape { dim: 16 dim: 5 }
            data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -1 max: 1 }
          }
        }
        layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 30 weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "constant" value: 0.1 } } }
        layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
        layer { name: "drop" type: "Dropout" bottom: "h" top: "h" dropout_param { dropout_ratio: 0.4 } }
        layer { name: "fc2" type: "InnerProduct" bottom: "h" top: "p" inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
        """;

    private const string Solver = "net: 'net.prototxt' type: 'SGD' momentum: 0.9 base_lr: 0.05 lr_policy: 'fixed' max_iter: 12 display: 0 random_seed: 1701 test_iter: 2 test_interval: 4 test_initialization: true";

    [TestCase(1)]
    [TestCase(2)]
    public void Two_workers_drawing_dropout_masks_and_data_equal_one_worker_with_twice_the_iter_size(int iterSize)
    {
        using var folder = new TemporaryFolder();
        folder.Write("net.prototxt", Net);
        var alone = Create(folder.Write("alone.prototxt", $"{Solver} iter_size: {2 * iterSize}"), workers: null);
        var pairFile = folder.Write("pair.prototxt", $"{Solver} iter_size: {iterSize}");
        using var group = new ThreadGroup(2);
        var workers = new Solver[2];
        var threads = Enumerable.Range(0, 2).Select(rank => new Thread(() =>
        {
            workers[rank] = Create(pairFile, group.Member(rank));
            workers[rank].Step(12);
        })).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        alone.Step(12);
        foreach (var thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True, "both workers finish");
        }

        for (var p = 0; p < alone.Net.LearnableParams.Count; p++)
        {
            var expected = alone.Net.LearnableParams[p].Data.ToArray();
            if (iterSize == 1)
            {
                // a + b for two workers and for two passes of one: the same bits.
                Assert.That(workers[0].Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(expected), $"param {p}");
            }
            else
            {
                // (a + c) + (b + d) against ((a + b) + c) + d: the same passes and masks, summed in another order.
                Assert.That(workers[0].Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(expected).Within(1e-5f), $"param {p}");
            }

            Assert.That(workers[1].Net.LearnableParams[p].Data.ToArray(), Is.EqualTo(workers[0].Net.LearnableParams[p].Data.ToArray()), $"param {p}, worker 1");
        }

        Assert.That(workers[0].Net.Random.Draws, Is.EqualTo(alone.Net.Random.Draws), "worker 0's generator is where one worker's is");
        Assert.That(workers[0].Net.Random.Draws, Is.GreaterThan(12 * 2 * iterSize * 16 * 30), "the dropout masks were drawn");
    }

    [Test]
    public void A_plugin_layer_that_draws_and_cannot_pass_over_draws_is_named_by_worker_0()
    {
        using var folder = new TemporaryFolder();
        folder.Write("net.prototxt", Net.Replace("type: \"Dropout\" bottom: \"h\" top: \"h\" dropout_param { dropout_ratio: 0.4 }", "type: \"Jitter\" bottom: \"h\" top: \"h\"", StringComparison.Ordinal));
        var solverFile = folder.Write("pair.prototxt", Solver);
        var services = new ServiceCollection();
        services.AddLayerNet().AddStandardLayers().AddLayer<JitterLayer>("Jitter");
        var solvers = services.BuildServiceProvider().GetRequiredService<SolverFactory>();
        using var group = new ThreadGroup(2);
        var logs = new[] { new StringWriter(), new StringWriter() };
        var threads = Enumerable.Range(0, 2).Select(rank => new Thread(() =>
        {
            var solver = solvers.Create(TrainingRun.ReadSolver(solverFile).Message, new SolverOptions { SolverFile = solverFile, Log = new TrainingLog(logs[rank]), Schema = TrainingRun.Schema.Value, Workers = group.Member(rank) });
            solver.Step(2);
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True);
        }

        Assert.That(logs[0].ToString(), Does.Contain("layer 'drop' (Jitter) draws random numbers in its forward pass and cannot pass over the other workers' draws (Layer.SkipForwardDraws): this run is exact only against itself, not against one worker with iter_size 2"));
        Assert.That(logs[0].ToString().Split("cannot pass over").Length, Is.EqualTo(2), "said once");
        Assert.That(logs[0].ToString(), Does.Not.Contain("'fc1'").And.Not.Contain("'data'"), "only the layer that cannot");
    }

    [Test]
    public void Discarding_draws_leaves_the_generator_where_making_them_would()
    {
        var random = new LayerNet.Fillers.RandomSource(5);
        var copy = new LayerNet.Fillers.RandomSource(5);
        random.Discard(1000);
        for (var i = 0; i < 1000; i++)
        {
            copy.NextUInt32();
        }

        Assert.That(random.NextUInt32(), Is.EqualTo(copy.NextUInt32()));
        Assert.That(random.Draws, Is.EqualTo(copy.Draws).And.EqualTo(1001));
        random.Discard(624 * 3 + 17);
        for (var i = 0; i < (624 * 3) + 17; i++)
        {
            copy.NextUInt32();
        }

        Assert.That(random.NextGaussian(0f, 1f), Is.EqualTo(copy.NextGaussian(0f, 1f)));
    }

    /// <summary>A plugin's layer that adds noise in its forward pass and does not know how to pass over its draws.</summary>
    public sealed class JitterLayer(LayerParameter parameter) : Layer(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => top[0].ReshapeLike(bottom[0]);

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
            var x = bottom[0].Data;
            var y = top[0].Data;
            for (var i = 0; i < y.Length; i++)
            {
                y[i] = x[i] + Random.NextUniform(-0.01f, 0.01f);
            }
        }

        protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
        {
            if (!ReferenceEquals(top[0], bottom[0]))
            {
                top[0].Diff.CopyTo(bottom[0].Diff);
            }
        }
    }

    private static Solver Create(string solverFile, IWorkerGroup? workers) =>
        TrainingRun.Solvers.Create(TrainingRun.ReadSolver(solverFile).Message, new SolverOptions { SolverFile = solverFile, Log = TrainingLog.None, Schema = TrainingRun.Schema.Value, Workers = workers });

    /// <summary>Workers on threads of one process: sums add the buffers in rank order, so every member gets the same bits.</summary>
    private sealed class ThreadGroup(int size) : IDisposable
    {
        private readonly Barrier _barrier = new(size);
        private readonly float[]?[] _floats = new float[size][];
        private byte[] _bytes = [];

        public IWorkerGroup Member(int rank) => new GroupMember(this, rank);

        public void Dispose() => _barrier.Dispose();

        private sealed class GroupMember(ThreadGroup group, int rank) : IWorkerGroup
        {
            public int Rank => rank;

            public int Size => group._floats.Length;

            public void Sum(Span<float> values)
            {
                group._floats[rank] = values.ToArray();
                group._barrier.SignalAndWait();
                for (var i = 0; i < values.Length; i++)
                {
                    var sum = group._floats[0]![i];
                    for (var r = 1; r < Size; r++)
                    {
                        sum += group._floats[r]![i];
                    }

                    values[i] = sum;
                }

                group._barrier.SignalAndWait();
            }

            public void Broadcast(Span<float> values)
            {
                if (rank == 0)
                {
                    group._floats[0] = values.ToArray();
                }

                group._barrier.SignalAndWait();
                group._floats[0].AsSpan().CopyTo(values);
                group._barrier.SignalAndWait();
            }

            public void Broadcast(Span<byte> values)
            {
                if (rank == 0)
                {
                    group._bytes = values.ToArray();
                }

                group._barrier.SignalAndWait();
                group._bytes.CopyTo(values);
                group._barrier.SignalAndWait();
            }
        }
    }
}
