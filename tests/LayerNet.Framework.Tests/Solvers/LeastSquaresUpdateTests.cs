using System.Globalization;
using Caffe;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// Caffe's test_gradient_based_solver approach: a linear least-squares net (Input -> InnerProduct with bias ->
/// EuclideanLoss) trained a few iterations must land where <see cref="LeastSquaresReference"/>, an independent
/// double-precision model of the update formulas, lands.
/// </summary>
/// <remarks>
/// Tolerance: |ours - reference| &lt;= 1e-4 * |reference - initial| + 1e-6, per element. The parameters are
/// O(1) and each update moves them by 1e-3..1e-1; float32 rounds each of the few sums and updates to about
/// 1e-7 of the O(1) values, which the 1e-6 absolute term covers, and the gradient itself carries float32's
/// relative error (1e-6..1e-7), which the 1e-4 relative term on the displacement covers a hundredfold. A wrong
/// formula (a missed factor, an off-by-one iteration, a sign) moves the result by a good part of a step,
/// far beyond either term.
/// </remarks>
public sealed class LeastSquaresUpdateTests
{
    private const int Rows = 4;
    private const int Inputs = 3;
    private const int Outputs = 2;
    private const double RelativeTolerance = 1e-4;
    private const double AbsoluteTolerance = 1e-6;

    private static readonly float[] X = Uniform(1, Rows * Inputs);
    private static readonly float[] Y = Uniform(2, Rows * Outputs);
    private static readonly float[] InitialWeights = Uniform(3, Outputs * Inputs);
    private static readonly float[] InitialBias = Uniform(4, Outputs);

    private static IEnumerable<TestCaseData> SolverTypes()
    {
        yield return new TestCaseData("type: 'SGD' base_lr: 0.1 momentum: 0.9", "SGD").SetName("{m}(SGD with momentum)");
        yield return new TestCaseData("type: 'Nesterov' base_lr: 0.1 momentum: 0.9", "Nesterov").SetName("{m}(Nesterov)");
        yield return new TestCaseData("type: 'AdaGrad' base_lr: 0.1", "AdaGrad").SetName("{m}(AdaGrad)");
        yield return new TestCaseData("type: 'RMSProp' base_lr: 0.05 rms_decay: 0.95", "RMSProp").SetName("{m}(RMSProp)");
        yield return new TestCaseData("type: 'RMSProp' base_lr: 0.05", "RMSProp").SetName("{m}(RMSProp, default rms_decay)");
        yield return new TestCaseData("type: 'AdaDelta' base_lr: 1 momentum: 0.95 delta: 1e-6", "AdaDelta").SetName("{m}(AdaDelta)");
        yield return new TestCaseData("type: 'Adam' base_lr: 0.05 momentum: 0.9 momentum2: 0.999", "Adam").SetName("{m}(Adam)");
        yield return new TestCaseData("type: 'Adam' base_lr: 0.05 momentum: 0.8 momentum2: 0.99 delta: 1e-4", "Adam").SetName("{m}(Adam, other betas)");
        yield return new TestCaseData("solver_type: NESTEROV base_lr: 0.1 momentum: 0.9", "Nesterov").SetName("{m}(Nesterov by the deprecated solver_type)");
    }

    private static IEnumerable<TestCaseData> Policies()
    {
        yield return new TestCaseData("lr_policy: 'fixed'").SetName("{m}(fixed)");
        yield return new TestCaseData("lr_policy: 'step' gamma: 0.5 stepsize: 2").SetName("{m}(step)");
        yield return new TestCaseData("lr_policy: 'exp' gamma: 0.7").SetName("{m}(exp)");
        yield return new TestCaseData("lr_policy: 'inv' gamma: 0.5 power: 0.75").SetName("{m}(inv)");
        yield return new TestCaseData("lr_policy: 'multistep' gamma: 0.5 stepvalue: 1 stepvalue: 2 stepvalue: 4").SetName("{m}(multistep)");
        yield return new TestCaseData("lr_policy: 'poly' power: 2").SetName("{m}(poly)");
        yield return new TestCaseData("lr_policy: 'sigmoid' gamma: -1 stepsize: 3").SetName("{m}(sigmoid)");
    }

    private static IEnumerable<TestCaseData> Regularizations()
    {
        yield return new TestCaseData("weight_decay: 0.1", 1.0, 0.0).SetName("{m}(L2 by default, bias not decayed)");
        yield return new TestCaseData("weight_decay: 0.1 regularization_type: 'L2'", 2.0, 0.5).SetName("{m}(L2 with decay_mult 2 and 0.5)");
        yield return new TestCaseData("weight_decay: 0.1 regularization_type: 'L1'", 1.0, 0.0).SetName("{m}(L1, bias not decayed)");
        yield return new TestCaseData("weight_decay: 0.1 regularization_type: 'L1'", 2.0, 0.5).SetName("{m}(L1 with decay_mult 2 and 0.5)");
    }

    [TestCaseSource(nameof(SolverTypes))]
    public void Each_solver_type_updates_as_its_formula_says(string settings, string typeName)
    {
        var solver = Settings(settings + " max_iter: 5");
        var referenceSettings = solver.Clone();
        referenceSettings.Type = typeName;

        var actual = Train(solver, 5, (1, 1), (1, 1));

        AssertMatches(actual, Reference(referenceSettings, (1, 1), (1, 1)), 5);
    }

    [TestCaseSource(nameof(Policies))]
    public void Each_learning_rate_policy_scales_the_steps_as_its_formula_says(string policy)
    {
        var solver = Settings($"type: 'SGD' base_lr: 0.2 momentum: 0.5 max_iter: 6 {policy}");

        var actual = Train(solver, 6, (1, 1), (1, 1));

        AssertMatches(actual, Reference(solver, (1, 1), (1, 1)), 6);
        if (solver.LrPolicy != "fixed")
        {
            // The policy must make a visible difference, or this test would not test it.
            var fixedRate = Settings("type: 'SGD' base_lr: 0.2 momentum: 0.5 max_iter: 6");
            AssertDiffers(Reference(solver, (1, 1), (1, 1)), fixedRate, 6, (1, 1), (1, 1));
        }
    }

    [TestCaseSource(nameof(Regularizations))]
    public void Weight_decay_adds_its_gradient_scaled_by_decay_mult(string regularization, double weightDecayMult, double biasDecayMult)
    {
        var solver = Settings($"type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5 {regularization}");
        var weights = (1.0, weightDecayMult);
        var bias = (1.0, biasDecayMult);

        var actual = Train(solver, 5, weights, bias);

        var expected = Reference(solver, weights, bias);
        AssertMatches(actual, expected, 5);
        AssertDiffers(expected, Settings("type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5"), 5, weights, bias);
    }

    [TestCase(0.5, 3.0)]
    [TestCase(0.0, 1.0)]
    [TestCase(2.0, 0.0)]
    public void Lr_mult_scales_each_parameters_rate(double weightLrMult, double biasLrMult)
    {
        var solver = Settings("type: 'SGD' base_lr: 0.1 momentum: 0.9 weight_decay: 0.05 max_iter: 5");
        var weights = (weightLrMult, 1.0);
        var bias = (biasLrMult, 1.0);

        var actual = Train(solver, 5, weights, bias);

        AssertMatches(actual, Reference(solver, weights, bias), 5);
        if (weightLrMult == 0)
        {
            Assert.That(actual[0], Is.EqualTo(InitialWeights), "lr_mult 0 freezes the parameter");
        }

        if (biasLrMult == 0)
        {
            Assert.That(actual[1], Is.EqualTo(InitialBias), "lr_mult 0 freezes the parameter");
        }
    }

    [Test]
    public void Clip_gradients_scales_the_gradient_down_to_the_threshold()
    {
        var unclipped = Reference(Settings("type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5"), (1, 1), (1, 1));
        var threshold = 0.5 * unclipped.GradientNorms.Min();
        var solver = Settings($"type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5 clip_gradients: {threshold.ToString("R", CultureInfo.InvariantCulture)}");
        using var log = new StringWriter(CultureInfo.InvariantCulture);

        var actual = Train(solver, 5, (1, 1), (1, 1), log);

        var expected = Reference(solver, (1, 1), (1, 1));
        Assert.That(expected.GradientNorms, Has.All.GreaterThan((double)solver.ClipGradients), "every iteration clips");
        AssertMatches(actual, expected, 5);
        AssertDiffers(expected, Settings("type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5"), 5, (1, 1), (1, 1));
        Assert.That(log.ToString(), Does.Contain("Gradient clipping: scaling down gradients (L2 norm "));
    }

    [Test]
    public void Clip_gradients_above_the_norm_changes_nothing()
    {
        var plain = Settings("type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5");
        var unclipped = Reference(plain, (1, 1), (1, 1));
        var threshold = 1.01 * unclipped.GradientNorms.Max();
        var solver = Settings($"type: 'SGD' base_lr: 0.1 momentum: 0.9 max_iter: 5 clip_gradients: {threshold.ToString("R", CultureInfo.InvariantCulture)}");
        using var log = new StringWriter(CultureInfo.InvariantCulture);

        var actual = Train(solver, 5, (1, 1), (1, 1), log);

        Assert.That(actual, Is.EqualTo(Train(plain, 5, (1, 1), (1, 1))), "bit for bit the unclipped run");
        AssertMatches(actual, unclipped, 5);
        Assert.That(log.ToString(), Does.Not.Contain("Gradient clipping"));
    }

    [Test]
    public void The_first_loss_is_the_least_squares_loss()
    {
        var solver = Loaded(Settings("type: 'SGD' base_lr: 0.1 max_iter: 1"), (1, 1), (1, 1));

        solver.Step(1);

        var reference = Reference(Settings("type: 'SGD' base_lr: 0.1 max_iter: 1"), (1, 1), (1, 1), iterations: 0);
        Assert.That(solver.LastLoss, Is.EqualTo(reference.Loss()).Within(1e-5).Percent);
    }

    /// <summary>Solver settings; lr_policy (which Caffe requires, with no default) is 'fixed' unless given.</summary>
    private static SolverParameter Settings(string text) =>
        TrainingRun.ParseSolver(text + (text.Contains("lr_policy", StringComparison.Ordinal) ? string.Empty : " lr_policy: 'fixed'") + " random_seed: 1701", "least_squares_solver.prototxt");

    private static string Net((double LrMult, double DecayMult) weights, (double LrMult, double DecayMult) bias) => string.Create(
        CultureInfo.InvariantCulture,
        $$"""
        name: "LeastSquares"
        layer {
          name: "data" type: "Input" top: "data" top: "targets"
          input_param { shape { dim: {{Rows}} dim: {{Inputs}} } shape { dim: {{Rows}} dim: {{Outputs}} } }
        }
        layer {
          name: "innerprod" type: "InnerProduct" bottom: "data" top: "prediction"
          param { lr_mult: {{weights.LrMult}} decay_mult: {{weights.DecayMult}} }
          param { lr_mult: {{bias.LrMult}} decay_mult: {{bias.DecayMult}} }
          inner_product_param { num_output: {{Outputs}} weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }
        }
        layer { name: "loss" type: "EuclideanLoss" bottom: "prediction" bottom: "targets" top: "loss" }
        """);

    /// <summary>Trains the float solver and returns W and b.</summary>
    private static float[][] Train(SolverParameter settings, int iterations, (double, double) weights, (double, double) bias, TextWriter? log = null)
    {
        var solver = Loaded(settings, weights, bias, log);
        solver.Step(iterations);
        Assert.That(solver.Iteration, Is.EqualTo(iterations));
        return [solver.Net.LearnableParams[0].Data.ToArray(), solver.Net.LearnableParams[1].Data.ToArray()];
    }

    /// <summary>A solver over the least-squares net, with the test's data and initial parameters written in.</summary>
    private static Solver Loaded(SolverParameter settings, (double, double) weights, (double, double) bias, TextWriter? log = null)
    {
        var parameter = settings.Clone();
        parameter.NetParam = TrainingRun.ParseNet(Net(weights, bias));
        var solver = TrainingRun.Create(parameter, log: log);
        Assert.That(solver.Net.LearnableParams, Has.Count.EqualTo(2));
        X.CopyTo(solver.Net.Blob("data").Data);
        Y.CopyTo(solver.Net.Blob("targets").Data);
        InitialWeights.CopyTo(solver.Net.LearnableParams[0].Data);
        InitialBias.CopyTo(solver.Net.LearnableParams[1].Data);
        return solver;
    }

    private static LeastSquaresReference Reference(SolverParameter solver, (double, double) weights, (double, double) bias, int iterations = -1)
    {
        var reference = new LeastSquaresReference(
            solver,
            Matrix(X, Rows, Inputs),
            Matrix(Y, Rows, Outputs),
            [.. InitialWeights.Select(v => (double)v)],
            [.. InitialBias.Select(v => (double)v)],
            [weights, bias]);
        var count = iterations >= 0 ? iterations : solver.MaxIter;
        for (var i = 0; i < count; i++)
        {
            reference.Step();
        }

        return reference;
    }

    private static void AssertMatches(float[][] actual, LeastSquaresReference reference, int iterations)
    {
        Assert.That(reference.Iteration, Is.EqualTo(iterations));
        float[][] initial = [InitialWeights, InitialBias];
        for (var p = 0; p < actual.Length; p++)
        {
            for (var i = 0; i < actual[p].Length; i++)
            {
                var expected = reference.Parameters[p][i];
                var margin = (RelativeTolerance * Math.Abs(expected - initial[p][i])) + AbsoluteTolerance;
                Assert.That(actual[p][i], Is.EqualTo(expected).Within(margin), $"param {p} element {i}");
            }
        }
    }

    private static void AssertDiffers(LeastSquaresReference reference, SolverParameter other, int iterations, (double, double) weights, (double, double) bias)
    {
        var baseline = Reference(other, weights, bias, iterations);
        var largest = 0.0;
        for (var p = 0; p < reference.Parameters.Length; p++)
        {
            for (var i = 0; i < reference.Parameters[p].Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(reference.Parameters[p][i] - baseline.Parameters[p][i]));
            }
        }

        Assert.That(largest, Is.GreaterThan(1000 * AbsoluteTolerance), "the setting under test changes the result");
    }

    private static double[,] Matrix(float[] values, int rows, int columns)
    {
        var matrix = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                matrix[r, c] = values[(r * columns) + c];
            }
        }

        return matrix;
    }

    private static float[] Uniform(int seed, int count)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((2 * random.NextDouble()) - 1);
        }

        return values;
    }
}
