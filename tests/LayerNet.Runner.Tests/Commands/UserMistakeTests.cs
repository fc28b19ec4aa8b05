namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// A user's mistakes through the real executable, as a user meets them: exit code 1, one line on standard
/// error naming the place, no stack trace anywhere.
/// </summary>
[TestFixture]
public sealed class UserMistakeTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-mistakes-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_missing_model_file()
    {
        var run = RunnerProcess.Run(_folder, "forward", "--model", "missing.prototxt");

        AssertOneLine(run, "cannot read 'missing.prototxt': no such file");
    }

    [Test]
    public void A_folder_instead_of_a_solver_file()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "solver"));

        var run = RunnerProcess.Run(_folder, "train", "--solver", "solver");

        AssertOneLine(run, "cannot read 'solver': it is a folder, expected a file");
    }

    [Test]
    public void A_prototxt_syntax_error_names_line_and_column()
    {
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), """
            name: "Broken"
            layer {
              name: "a"
              type: "Input"
              top "a"
            }

            """);

        var run = RunnerProcess.Run(_folder, "time", "--model", "net.prototxt");

        AssertOneLine(run, "net.prototxt(5,7): ");
    }

    [Test]
    public void An_unknown_layer_type_suggests_the_nearest()
    {
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), """
            layer {
              name: "a"
              type: "Inptu"
              top: "a"
              input_param { shape { dim: 1 } }
            }

            """);

        var run = RunnerProcess.Run(_folder, "forward", "--model", "net.prototxt");

        AssertOneLine(run, "net.prototxt(1,1): layer 'a' has unknown type 'Inptu'; did you mean 'Input'?");
    }

    [Test]
    public void An_unknown_bottom_names_the_layer_and_blob()
    {
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), """
            layer {
              name: "a"
              type: "Input"
              top: "a"
              input_param { shape { dim: 1 } }
            }
            layer {
              name: "s"
              type: "Sigmoid"
              bottom: "b"
              top: "s"
            }

            """);

        var run = RunnerProcess.Run(_folder, "test", "--model", "net.prototxt", "--iterations", "1");

        AssertOneLine(run, "net.prototxt(7,1): layer 's' (Sigmoid): unknown bottom blob 'b'");
    }

    private static void AssertOneLine(CommandRun run, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1), $"stdout: {run.Output}\nstderr: {run.Error}");
            Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
            Assert.That(run.Error, Does.StartWith(expected));
            Assert.That(run.Error, Does.Not.Contain("   at ").And.Not.Contain("Exception"));
            Assert.That(run.Output, Does.Not.Contain("   at ").And.Not.Contain("Exception"));
        });
    }
}
