using LayerNet.Errors;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>Mistakes in a solver file are <see cref="LayerNetException"/>s that say what is wrong and how to fix it.</summary>
public sealed class SolverErrorTests
{
    private const string Net = """
        net_param {
          name: "tiny"
          layer { name: "data" type: "Input" top: "x" top: "y" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 } } }
          layer { name: "ip" type: "InnerProduct" bottom: "x" top: "p" inner_product_param { num_output: 1 } }
          layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
        }
        """;

    private const string Tiny = """
        name: "tiny_test"
        layer { name: "data" type: "Input" top: "x" top: "y" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "x" top: "p" inner_product_param { num_output: 1 } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
        """;

    [Test]
    public void An_unknown_solver_type_lists_the_registered_types_and_suggests_the_nearest()
    {
        var message = Error($"type: 'Adma' base_lr: 0.1 lr_policy: 'fixed' {Net}");

        Assert.That(message, Does.StartWith("unknown solver type 'Adma'; did you mean 'Adam'?"));
        Assert.That(message, Does.EndWith("Registered types: AdaDelta, AdaGrad, Adam, Nesterov, RMSProp, SGD"));
    }

    [Test]
    public void A_solver_without_a_net_says_which_fields_name_one()
    {
        var message = Error("base_lr: 0.1 lr_policy: 'fixed'");

        Assert.That(message, Does.Contain("names no net").And.Contain("net, net_param, train_net or train_net_param"));
    }

    [Test]
    public void A_solver_with_two_train_nets_is_an_error()
    {
        var message = Error($"base_lr: 0.1 lr_policy: 'fixed' train_net: 'other.prototxt' {Net}");

        Assert.That(message, Does.Contain("more than one train net"));
    }

    [Test]
    public void More_test_nets_than_test_iter_values_is_an_error()
    {
        var message = Error($"base_lr: 0.1 lr_policy: 'fixed' {Net} test_net_param {{ {Tiny} }} test_net_param {{ {Tiny} }} test_iter: 1 test_interval: 10");

        Assert.That(message, Is.EqualTo("test_iter must be given once per test net: 2 test net(s), 1 test_iter value(s)"));
    }

    [Test]
    public void More_test_iter_values_than_specific_test_nets_without_a_generic_net_is_an_error()
    {
        var message = Error($"base_lr: 0.1 lr_policy: 'fixed' train_{Net.TrimStart()} test_net_param {{ {Tiny} }} test_iter: 1 test_iter: 2 test_interval: 10");

        Assert.That(message, Is.EqualTo("test_iter must be given once per test net: 1 test net(s), 2 test_iter value(s)"));
    }

    [Test]
    public void Test_iter_values_beyond_the_specific_test_nets_make_generic_test_nets_from_net()
    {
        // Caffe: with a generic net, each test_iter without a specific test net adds a test net built from it.
        var solver = TrainingRun.Create(TrainingRun.ParseSolver($"base_lr: 0.1 lr_policy: 'fixed' {Net} test_net_param {{ {Tiny} }} test_iter: 1 test_iter: 2 test_interval: 10"));

        Assert.That(solver.TestNets.Select(net => net.Name), Is.EqualTo(new[] { "tiny_test", "tiny" }));
    }

    [Test]
    public void An_unknown_lr_policy_suggests_the_nearest()
    {
        var message = Error($"base_lr: 0.1 lr_policy: 'multstep' {Net}");

        Assert.That(message, Does.StartWith("unknown lr_policy 'multstep'; did you mean 'multistep'?"));
    }

    [Test]
    public void A_missing_lr_policy_is_an_error_naming_the_field()
    {
        // caffe.proto gives lr_policy no default; Caffe stops on the empty name too.
        var message = Error($"base_lr: 0.1 {Net}");

        Assert.That(message, Does.Contain("lr_policy"));
    }

    [TestCase("AdaGrad")]
    [TestCase("RMSProp")]
    public void Momentum_with_a_solver_that_does_not_use_it_is_an_error(string type)
    {
        var message = Error($"type: '{type}' momentum: 0.9 base_lr: 0.1 lr_policy: 'fixed' {Net}");

        Assert.That(message, Does.StartWith($"momentum cannot be used with {type}"));
    }

    [TestCase("iter_size: 0", "iter_size must be at least 1, got 0")]
    [TestCase("average_loss: 0", "average_loss must be at least 1, got 0")]
    [TestCase("regularization_type: 'L3'", "unknown regularization_type 'L3'; expected L1 or L2")]
    [TestCase("type: 'RMSProp' rms_decay: 1.5", "rms_decay must be in [0, 1], got 1.5")]
    public void Out_of_range_settings_are_errors(string setting, string expected)
    {
        var message = Error($"{setting} base_lr: 0.1 lr_policy: 'fixed' {Net}");

        Assert.That(message, Is.EqualTo(expected));
    }

    [Test]
    public void A_state_of_another_net_is_refused_naming_the_mismatch()
    {
        var solver = TrainingRun.Create(TrainingRun.ParseSolver($"base_lr: 0.1 lr_policy: 'fixed' {Net}"));
        var state = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate");

        var error = Assert.Throws<LayerNetException>(() => solver.Restore(state));

        Assert.That(error.Message, Does.StartWith($"{state}: history blob 0 has shape 100 1000"));
    }

    [Test]
    public void A_state_of_another_solver_type_is_refused_naming_the_count()
    {
        var solver = TrainingRun.Create(TrainingRun.ParseSolver($"type: 'Adam' base_lr: 0.1 lr_policy: 'fixed' {Net}"));
        var state = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate");

        var error = Assert.Throws<LayerNetException>(() => solver.Restore(state));

        Assert.That(error.Message, Does.StartWith($"{state}: the solver state has 2 history blobs; this Adam solver for net 'tiny' needs 4."));
    }

    private static string Error(string solverText)
    {
        var parameter = TrainingRun.ParseSolver(solverText);
        return Assert.Throws<LayerNetException>(() => TrainingRun.Create(parameter)).Message;
    }
}
