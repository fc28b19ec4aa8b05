using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// A net written inside the solver file (net_param, train_net_param, test_net_param) keeps its place in that
/// file: errors point at the solver file's lines, and relative paths in it resolve against the solver's folder.
/// </summary>
public sealed class InlineNetTests
{
    [Test]
    public void An_error_in_an_inline_net_points_at_the_solver_files_line()
    {
        using var folder = new TemporaryFolder();
        var solverFile = folder.Write("solver.prototxt", """
            base_lr: 0.1
            lr_policy: "fixed"
            net_param {
              name: "inline"
              layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
              layer { name: "ip" type: "InnerProduct" bottom: "nowhere" top: "p" inner_product_param { num_output: 1 } }
            }
            """);

        var error = Assert.Throws<LayerNetException>(() => TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile));

        Assert.That(error.Message, Does.StartWith($"{solverFile}(6,"));
        Assert.That(error.Message, Does.Contain("nowhere"));
    }

    [Test]
    public void An_error_in_an_inline_test_net_points_at_the_solver_files_line()
    {
        using var folder = new TemporaryFolder();
        var solverFile = folder.Write("solver.prototxt", """
            base_lr: 0.1
            lr_policy: "fixed"
            train_net_param {
              layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
            }
            test_net_param {
              layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
              layer { name: "ip" type: "InnerProduct" bottom: "nowhere" top: "p" inner_product_param { num_output: 1 } }
            }
            test_iter: 1
            test_interval: 10
            """);

        var error = Assert.Throws<LayerNetException>(() => TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile));

        Assert.That(error.Message, Does.StartWith($"{solverFile}(8,"));
    }

    [Test]
    public void An_inline_nets_data_source_resolves_against_the_solver_files_folder()
    {
        using var folder = TemporaryFolder.WithTwoLayer();
        var net = File.ReadAllText(folder.File("net.prototxt"));
        var solverFile = folder.Write("solver_inline.prototxt", $"base_lr: 1e-4 lr_policy: 'fixed' weights: 'init_iter_0.caffemodel'\nnet_param {{\n{net}\n}}\n");

        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        solver.Step(1);

        Assert.That(solver.LastLoss, Is.EqualTo(37363.6).Within(1e-5 * 37363.6), "Caffe's first loss for these weights and data");
    }
}
