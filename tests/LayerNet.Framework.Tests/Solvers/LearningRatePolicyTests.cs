using Caffe;
using LayerNet.Errors;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// <see cref="LearningRatePolicy.Rate"/> against the policies' formulas, evaluated here in double precision.
/// The rate is returned as float, so it must agree to float's 6e-8 relative rounding; 1e-6 leaves room.
/// </summary>
public sealed class LearningRatePolicyTests
{
    private const double Tolerance = 1e-6;

    private static IEnumerable<TestCaseData> Formulas()
    {
        yield return Case("fixed", "base_lr: 0.01", (i, _) => 0.01);
        yield return Case("step", "base_lr: 0.01 gamma: 0.1 stepsize: 3", (i, _) => 0.01 * Math.Pow(0.1, Math.Floor(i / 3.0)));
        yield return Case("exp", "base_lr: 0.01 gamma: 0.9", (i, _) => 0.01 * Math.Pow(0.9, i));
        yield return Case("inv", "base_lr: 0.01 gamma: 0.0001 power: 0.75", (i, _) => 0.01 * Math.Pow(1 + (0.0001 * i), -0.75));
        yield return Case("inv (large gamma)", "base_lr: 0.5 gamma: 0.3 power: 2", (i, _) => 0.5 * Math.Pow(1 + (0.3 * i), -2));
        yield return Case("poly", "base_lr: 0.01 power: 0.5 max_iter: 20", (i, _) => 0.01 * Math.Pow(1 - (i / 20.0), 0.5));
        yield return Case("sigmoid", "base_lr: 0.01 gamma: -0.5 stepsize: 5", (i, _) => 0.01 / (1 + Math.Exp(0.5 * (i - 5))));
        yield return Case("sigmoid (rising)", "base_lr: 0.01 gamma: 2 stepsize: 4", (i, _) => 0.01 / (1 + Math.Exp(-2.0 * (i - 4))));
        yield return Case("multistep", "base_lr: 0.01 gamma: 0.5 stepvalue: 2 stepvalue: 5 stepvalue: 6", (i, _) => 0.01 * Math.Pow(0.5, i >= 6 ? 3 : i >= 5 ? 2 : i >= 2 ? 1 : 0));
    }

    [TestCaseSource(nameof(Formulas))]
    public void The_rate_at_each_iteration_is_the_formulas(string policyText, Func<int, int, double> formula)
    {
        var solver = TrainingRun.ParseSolver(policyText);
        var step = 0;
        for (var iteration = 0; iteration <= 12; iteration++)
        {
            var rate = LearningRatePolicy.Rate(solver, iteration, ref step);

            var expected = formula(iteration, step);
            Assert.That(rate, Is.EqualTo(expected).Within(Tolerance * Math.Abs(expected)), $"iteration {iteration}");
        }
    }

    [Test]
    public void Step_sets_the_step_counter_and_multistep_advances_it_once_per_stepvalue_reached()
    {
        var step = TrainingRun.ParseSolver("lr_policy: 'step' base_lr: 1 gamma: 0.5 stepsize: 4");
        var counter = 0;
        LearningRatePolicy.Rate(step, 9, ref counter);
        Assert.That(counter, Is.EqualTo(2));

        var multistep = TrainingRun.ParseSolver("lr_policy: 'multistep' base_lr: 1 gamma: 0.5 stepvalue: 3 stepvalue: 7");
        var steps = new List<int>();
        counter = 0;
        for (var iteration = 0; iteration < 10; iteration++)
        {
            LearningRatePolicy.Rate(multistep, iteration, ref counter);
            steps.Add(counter);
        }

        Assert.That(steps, Is.EqualTo(new[] { 0, 0, 0, 1, 1, 1, 1, 2, 2, 2 }));
    }

    [Test]
    public void Multistep_continues_from_a_restored_step_counter()
    {
        // A resumed run restores current_step from the .solverstate and must not count stepvalues twice.
        var multistep = TrainingRun.ParseSolver("lr_policy: 'multistep' base_lr: 1 gamma: 0.5 stepvalue: 3 stepvalue: 7");
        var counter = 1;

        var rate = LearningRatePolicy.Rate(multistep, 5, ref counter);

        Assert.That((counter, rate), Is.EqualTo((1, 0.5f)));
    }

    [Test]
    public void An_unknown_policy_is_an_error_that_suggests_the_nearest()
    {
        var solver = TrainingRun.ParseSolver("lr_policy: 'stpe' base_lr: 1");

        var error = Assert.Throws<LayerNetException>(() => LearningRatePolicy.Validate(solver));

        Assert.That(error.Message, Does.Contain("unknown lr_policy 'stpe'").And.Contain("did you mean 'step'?").And.Contain("fixed, step, exp, inv, multistep, poly, sigmoid"));
    }

    [Test]
    public void Step_without_a_positive_stepsize_is_an_error()
    {
        var solver = TrainingRun.ParseSolver("lr_policy: 'step' base_lr: 1 gamma: 0.1");

        var error = Assert.Throws<LayerNetException>(() => LearningRatePolicy.Validate(solver));

        Assert.That(error.Message, Does.Contain("stepsize"));
    }

    [Test]
    public void Decreasing_stepvalues_are_an_error()
    {
        var solver = TrainingRun.ParseSolver("lr_policy: 'multistep' base_lr: 1 stepvalue: 5 stepvalue: 3");

        var error = Assert.Throws<LayerNetException>(() => LearningRatePolicy.Validate(solver));

        Assert.That(error.Message, Does.Contain("stepvalue must increase"));
    }

    private static IEnumerable<TestCaseData> CaffeFloatRates()
    {
        // Bit patterns from an independent reference that evaluates Caffe's expressions in float (C's powf and
        // expf from libm, float arithmetic) at iterations 0, 2, 3, 5, 9, 18, 29, 150, 299 and 300. The double
        // evaluation rounded at the end differs from these at e.g. inv 2, 3, 5, 18; poly 9, 18, 29; sigmoid 0, 3, 5.
        yield return new TestCaseData(
            "lr_policy: 'inv' base_lr: 0.01 gamma: 0.0001 power: 0.75",
            new uint[] { 0x3C23D70A, 0x3C23D0BF, 0x3C23CD9A, 0x3C23C752, 0x3C23BAC0, 0x3C239E82, 0x3C237C0B, 0x3C22054A, 0x3C20426B, 0x3C203F6E })
            .SetName("{m}(inv, LeNet's solver)");
        yield return new TestCaseData(
            "lr_policy: 'poly' base_lr: 0.01 power: 0.9 max_iter: 300",
            new uint[] { 0x3C23D70A, 0x3C22DB4C, 0x3C225D5D, 0x3C21615E, 0x3C1F68DD, 0x3C1AF72B, 0x3C1583B2, 0x3BAF9970, 0x387750A3, 0x00000000 })
            .SetName("{m}(poly)");
        yield return new TestCaseData(
            "lr_policy: 'sigmoid' base_lr: 0.01 gamma: 0.05 stepsize: 150",
            new uint[] { 0x36B97B53, 0x36CCFA21, 0x36D77AD2, 0x36EE2039, 0x371166A2, 0x3763EBFE, 0x37C55395, 0x3BA3D70A, 0x3C23BEAB, 0x3C23BFDA })
            .SetName("{m}(sigmoid)");
    }

    [TestCaseSource(nameof(CaffeFloatRates))]
    public void Inv_poly_and_sigmoid_are_computed_in_float_as_caffe_computes_them(string policyText, uint[] expectedBits)
    {
        int[] iterations = [0, 2, 3, 5, 9, 18, 29, 150, 299, 300];
        var solver = TrainingRun.ParseSolver(policyText);
        var step = 0;

        var bits = iterations.Select(iteration => BitConverter.SingleToUInt32Bits(LearningRatePolicy.Rate(solver, iteration, ref step))).ToArray();

        Assert.That(bits, Is.EqualTo(expectedBits));
    }

    private static TestCaseData Case(string name, string settings, Func<int, int, double> formula)
    {
        var policy = name.Split(' ')[0];
        return new TestCaseData($"lr_policy: '{policy}' {settings}", formula).SetName($"{{m}}({name})");
    }
}
