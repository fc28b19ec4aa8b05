using System.Globalization;
using System.Text.RegularExpressions;
using Caffe;
using PureHDF;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Test nets: built from the net with phase TEST (layers with <c>include { phase: TEST }</c>), run test_iter
/// batches at iteration 0 (unless test_initialization is false), every test_interval, and after the last
/// iteration; the log shows each output's mean over the batches, as Caffe prints it.
/// </summary>
public sealed partial class TestNetTests
{
    private const int Rows = 64;
    private const int TestBatch = 16;
    private const int TestIter = 3;

    // The train net reads all 64 rows per batch; the test net reads 16 at a time, 3 batches per test, its cursor
    // carrying on from one test to the next (Caffe never rewinds a data layer).
    private const string Net = """
        name: "TwoLayerWithTest"
        layer {
          name: "data" type: "HDF5Data" top: "x" top: "y"
          include { phase: TRAIN }
          hdf5_data_param { source: "data.txt" batch_size: 64 }
        }
        layer {
          name: "data" type: "HDF5Data" top: "x" top: "y"
          include { phase: TEST }
          hdf5_data_param { source: "data.txt" batch_size: 16 }
        }
        layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 100 bias_term: false } }
        layer { name: "sig" type: "Sigmoid" bottom: "h" top: "h" }
        layer { name: "fc2" type: "InnerProduct" bottom: "h" top: "y_pred" inner_product_param { num_output: 10 bias_term: false } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "y_pred" bottom: "y" top: "loss" loss_weight: 128 }
        """;

    private const string Settings = "net: 'test_net.prototxt' lr_policy: 'fixed' base_lr: 1e-4 display: 0 test_iter: 3 test_interval: 2 snapshot: 2 snapshot_prefix: 'tested' random_seed: 1701 weights: 'init_iter_0.caffemodel'";

    [Test]
    public void Tests_run_at_0_every_interval_and_after_the_last_iteration_logging_the_mean_loss()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var (solver, log) = Solve(folder, Settings + " max_iter: 4");

        Assert.That(TestedIterations(log), Is.EqualTo(new[] { 0, 2, 4 }));
        var outputs = TestOutputs().Matches(log).Select(m => (Loss: TrainingRun.Number(m.Groups[1].Value), Weighted: TrainingRun.Number(m.Groups[2].Value))).ToList();
        Assert.That(outputs, Has.Count.EqualTo(3));

        var (x, y) = ReadData(folder.File("data.h5"));
        string[] weights = ["init_iter_0.caffemodel", "tested_iter_2.caffemodel", "tested_iter_4.caffemodel"];
        var batch = 0;
        for (var test = 0; test < 3; test++)
        {
            var model = NetParameter.Parser.ParseFrom(File.ReadAllBytes(folder.File(weights[test])));
            var w1 = model.Layer.Single(layer => layer.Name == "fc1").Blobs[0].Data.ToArray();
            var w2 = model.Layer.Single(layer => layer.Name == "fc2").Blobs[0].Data.ToArray();
            var mean = 0.0;
            for (var i = 0; i < TestIter; i++, batch++)
            {
                mean += BatchLoss(x, y, w1, w2, batch * TestBatch % Rows) / TestIter;
            }

            // The log prints 6 significant digits (5e-6 relative); float32 sums add about 1e-6.
            Assert.That(outputs[test].Loss, Is.EqualTo(mean).Within(2e-5 * mean), $"test {test}");
            Assert.That(outputs[test].Weighted, Is.EqualTo(128 * mean).Within(2e-5 * 128 * mean), $"test {test}, weighted");
            Assert.That(solver.TestScores[test].Value, Is.EqualTo(mean).Within(2e-6 * mean), $"test {test}, TestScores");
            Assert.That((solver.TestScores[test].Iteration, solver.TestScores[test].Output), Is.EqualTo((2 * test, "loss")));
        }

        Assert.That(outputs[2].Loss, Is.LessThan(outputs[0].Loss), "training lowers the test loss");
    }

    [Test]
    public void Test_initialization_false_skips_the_test_at_0()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var (_, log) = Solve(folder, Settings + " max_iter: 4 test_initialization: false");

        Assert.That(TestedIterations(log), Is.EqualTo(new[] { 2, 4 }));
    }

    [Test]
    public void No_test_after_a_last_iteration_off_the_interval()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var (_, log) = Solve(folder, Settings + " max_iter: 5");

        Assert.That(TestedIterations(log), Is.EqualTo(new[] { 0, 2, 4 }));
    }

    [Test]
    public void The_test_net_has_the_test_phase_layers_and_shares_the_train_nets_weights()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        folder.Write("test_net.prototxt", Net);
        var solverFile = folder.Write("solver.prototxt", Settings + " max_iter: 4");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);

        Assert.That(solver.TestNets, Has.Count.EqualTo(1));
        var test = solver.TestNets[0];
        Assert.That((solver.Net.Phase, test.Phase), Is.EqualTo((Phase.Train, Phase.Test)));
        Assert.That((solver.Net.Blob("x").Shape[0], test.Blob("x").Shape[0]), Is.EqualTo((64, 16)));
        Assert.That(test.LearnableParams[0].SharesDataWith(solver.Net.LearnableParams[0]), Is.True);
    }

    private static (LayerNet.Solvers.Solver Solver, string Log) Solve(TemporaryFolder folder, string settings)
    {
        folder.Write("test_net.prototxt", Net);
        var solverFile = folder.Write("solver.prototxt", settings);
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile, log);
        solver.Solve();
        return (solver, log.ToString());
    }

    private static List<int> TestedIterations(string log) =>
        [.. TestingLine().Matches(log).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    private static (float[] X, float[] Y) ReadData(string path)
    {
        using var file = H5File.OpenRead(path);
        return (file.Dataset("x").Read<float[]>(), file.Dataset("y").Read<float[]>());
    }

    /// <summary>The EuclideanLoss of one batch, in double: sum((sigmoid(x W1^T) W2^T - y)^2) / (2 * batch).</summary>
    private static double BatchLoss(float[] x, float[] y, float[] w1, float[] w2, int firstRow)
    {
        const int inputs = 1000;
        const int hidden = 100;
        const int outputs = 10;
        var sum = 0.0;
        var h = new double[hidden];
        for (var r = firstRow; r < firstRow + TestBatch; r++)
        {
            for (var k = 0; k < hidden; k++)
            {
                var a = 0.0;
                for (var j = 0; j < inputs; j++)
                {
                    a += (double)x[(r * inputs) + j] * w1[(k * inputs) + j];
                }

                h[k] = 1 / (1 + Math.Exp(-a));
            }

            for (var o = 0; o < outputs; o++)
            {
                var prediction = 0.0;
                for (var k = 0; k < hidden; k++)
                {
                    prediction += h[k] * w2[(o * hidden) + k];
                }

                var difference = prediction - y[(r * outputs) + o];
                sum += difference * difference;
            }
        }

        return sum / (2 * TestBatch);
    }

    [GeneratedRegex(@"solver\] Iteration (\d+), Testing net \(#0\)")]
    private static partial Regex TestingLine();

    [GeneratedRegex(@"solver\]     Test net output #0: loss = (\S+) \(\* 128 = (\S+) loss\)")]
    private static partial Regex TestOutputs();
}
