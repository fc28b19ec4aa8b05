using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Framework.Tests.Solvers;
using LayerNet.Plugins;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Upgrade;

/// <summary>Caffe's UpgradeSolverType: the solver_type enum to the type name, and the refusal of both in one file.</summary>
public sealed class SolverUpgradeTests
{
    [TestCase("SGD", "SGD")]
    [TestCase("NESTEROV", "Nesterov")]
    [TestCase("ADAGRAD", "AdaGrad")]
    [TestCase("RMSPROP", "RMSProp")]
    [TestCase("ADADELTA", "AdaDelta")]
    [TestCase("ADAM", "Adam")]
    public void The_solver_type_enum_becomes_the_type_name(string solverType, string type)
    {
        var solver = TrainingRun.ParseSolver($"base_lr: 0.1\nsolver_type: {solverType}\n");

        var upgraded = SolverUpgrade.Upgrade(solver);

        Assert.That(upgraded.Type, Is.EqualTo(type));
        Assert.That(upgraded.HasSolverType, Is.False);
        Assert.That(upgraded.BaseLr, Is.EqualTo(0.1f));
        Assert.That(solver.HasSolverType, Is.True, "the solver given is not changed");
    }

    [Test]
    public void Both_solver_type_and_type_in_one_file_is_refused_at_the_file()
    {
        using var folder = new TemporaryFolder();
        var path = folder.Write("solver.prototxt", "type: \"SGD\"\nsolver_type: NESTEROV\n");

        var error = Assert.Throws<LayerNetException>(() => MessageFile.ReadSolverDocument(path, ParameterExtensions.None, TrainingLog.None));

        Assert.That(error.Message, Is.EqualTo($"{path}(1,1): the old solver_type field (enum, NESTEROV) and the new type field (string, \"SGD\") cannot be both specified; give only type"));
    }

    [Test]
    public void A_solver_file_read_says_once_that_it_was_upgraded_and_a_current_one_says_nothing()
    {
        using var folder = new TemporaryFolder();
        var old = folder.Write("old_solver.prototxt", "solver_type: ADAM\nbase_lr: 0.001\n");
        var current = folder.Write("solver.prototxt", "type: \"Adam\"\nbase_lr: 0.001\n");
        using var log = new StringWriter();

        var document = MessageFile.ReadSolverDocument(old, ParameterExtensions.None, new TrainingLog(log));
        MessageFile.ReadSolverDocument(current, ParameterExtensions.None, new TrainingLog(log));

        Assert.That(document.Message, Is.EqualTo(TrainingRun.ParseSolver("type: \"Adam\"\nbase_lr: 0.001\n")));
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.EndWith($"solver] '{old}' uses the deprecated solver_type field (an enum; now type, a name); it was upgraded in memory (save the upgraded form with: layernet upgrade {old} OUT)"));
    }

    [Test]
    public void A_solver_without_solver_type_needs_no_upgrade()
    {
        var solver = new SolverParameter { Type = "Adam" };

        Assert.That(SolverUpgrade.NeedsUpgrade(solver), Is.False);
        Assert.That(SolverUpgrade.DeprecatedForm(solver), Is.Null);
        Assert.That(SolverUpgrade.Upgrade(solver), Is.EqualTo(solver));
    }
}
