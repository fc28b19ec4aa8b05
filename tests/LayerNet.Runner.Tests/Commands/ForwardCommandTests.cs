using System.Text.Json;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary><c>layernet forward</c> on the lecture's circuits: the numbers of the lecture, forward and backward.</summary>
[TestFixture]
public sealed class ForwardCommandTests
{
    private static string Circuit => Fixtures.InRepository("models", "lecture", "circuit.prototxt");

    private static string SigmoidNeuron => Fixtures.InRepository("models", "lecture", "sigmoid_neuron.prototxt");

    [Test]
    public void The_circuit_gives_the_lectures_value_and_gradients()
    {
        var run = CommandRun.Run("forward", "--model", Circuit, "--backward", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("loss").GetDouble(), Is.EqualTo(-12).Within(1e-6));
            Assert.That(Values(root, "f", "data"), Is.EqualTo(new[] { -12.0 }).Within(1e-6));
            Assert.That(Values(root, "q", "data"), Is.EqualTo(new[] { 3.0 }).Within(1e-6));
            Assert.That(Values(root, "x", "diff"), Is.EqualTo(new[] { -4.0 }).Within(1e-6), "df/dx");
            Assert.That(Values(root, "y", "diff"), Is.EqualTo(new[] { -4.0 }).Within(1e-6), "df/dy");
            Assert.That(Values(root, "z", "diff"), Is.EqualTo(new[] { 3.0 }).Within(1e-6), "df/dz");
            Assert.That(root.GetProperty("params").GetArrayLength(), Is.Zero);
        });
    }

    [Test]
    public void The_sigmoid_neuron_gives_the_lectures_value_and_gradients()
    {
        var run = CommandRun.Run("forward", "--model", SigmoidNeuron, "--backward", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        var weights = Param(root, "neuron", 0);
        var bias = Param(root, "neuron", 1);
        Assert.Multiple(() =>
        {
            Assert.That(Values(root, "f", "data")[0], Is.EqualTo(0.73).Within(0.005));
            Assert.That(root.GetProperty("loss").GetDouble(), Is.EqualTo(0.73).Within(0.005));
            Assert.That(Numbers(weights.GetProperty("shape")), Is.EqualTo(new[] { 1.0, 2.0 }));
            Assert.That(Numbers(weights.GetProperty("data")), Is.EqualTo(new[] { 2.0, -3.0 }));
            Assert.That(Numbers(weights.GetProperty("diff")), Is.EqualTo(new[] { -0.20, -0.39 }).Within(0.005), "df/dw");
            Assert.That(Numbers(bias.GetProperty("diff")), Is.EqualTo(new[] { 0.20 }).Within(0.005), "df/db");
            Assert.That(Values(root, "x", "diff"), Is.EqualTo(new[] { 0.39, -0.59 }).Within(0.005), "df/dx");
        });
    }

    [Test]
    public void Inputs_on_the_command_line_replace_the_models_values()
    {
        var run = CommandRun.Run("forward", "--model", Circuit, "--input", "x=1", "--input", "y=2", "--input", "z=3", "--backward", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(Values(root, "f", "data"), Is.EqualTo(new[] { 9.0 }), "(1 + 2) * 3");
            Assert.That(Values(root, "x", "diff"), Is.EqualTo(new[] { 3.0 }), "df/dx = z");
            Assert.That(Values(root, "z", "diff"), Is.EqualTo(new[] { 3.0 }), "df/dz = x + y");
        });
    }

    [Test]
    public void An_input_with_the_wrong_count_names_the_blobs_shape()
    {
        var run = CommandRun.Run("forward", "--model", Circuit, "--input", "x=1,2");

        run.AssertOneLineError("blob 'x' has shape 1 (1) and needs 1 values, got 2");
    }

    [Test]
    public void An_input_of_a_blob_that_does_not_exist_is_one_line()
    {
        var run = CommandRun.Run("forward", "--model", Circuit, "--input", "w=1");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.Error);
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
        Assert.That(run.Error, Does.Contain("'w'"));
    }

    [Test]
    public void Text_output_lists_every_blob_with_its_shape()
    {
        var run = CommandRun.Run("forward", "--model", SigmoidNeuron, "--backward");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines[0], Is.EqualTo("loss = 0.731059"));
        Assert.That(run.OutputLines, Does.Contain("blob x [1 2 (2)]"));
        Assert.That(run.OutputLines, Does.Contain("blob dot [1 1 (1)]"));
        Assert.That(run.OutputLines, Does.Contain("blob f [1 1 (1)]"));
        Assert.That(run.OutputLines, Does.Contain("param neuron[0] [1 2 (2)]"));
        Assert.That(run.OutputLines, Does.Contain("param neuron[1] [1 (1)]"));
        Assert.That(run.OutputLines, Has.Some.StartsWith("  diff: "));
    }

    [Test]
    public void Text_output_without_backward_has_no_gradients()
    {
        var run = CommandRun.Run("forward", "--model", Circuit);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Does.Contain("blob q [1 (1)]"));
        Assert.That(run.OutputLines, Has.None.StartsWith("  diff: "));
        Assert.That(run.OutputLines[0], Is.EqualTo("loss = -12"));
    }

    private static double[] Values(JsonElement root, string blob, string field)
    {
        foreach (var element in root.GetProperty("blobs").EnumerateArray())
        {
            if (element.GetProperty("name").GetString() == blob)
            {
                return Numbers(element.GetProperty(field));
            }
        }

        Assert.Fail($"no blob '{blob}' in the JSON output");
        return [];
    }

    private static JsonElement Param(JsonElement root, string layer, int index)
    {
        foreach (var element in root.GetProperty("params").EnumerateArray())
        {
            if (element.GetProperty("layer").GetString() == layer && element.GetProperty("index").GetInt32() == index)
            {
                return element;
            }
        }

        Assert.Fail($"no parameter {layer}[{index}] in the JSON output");
        return default;
    }

    private static double[] Numbers(JsonElement array) => [.. array.EnumerateArray().Select(value => value.GetDouble())];
}
