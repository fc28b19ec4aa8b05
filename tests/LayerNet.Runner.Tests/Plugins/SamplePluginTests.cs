using System.Runtime.Loader;
using Caffe;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Tests.Plugins;

/// <summary>The sample Softplus plugin, loaded from its built .dll as a user loads it.</summary>
[TestFixture]
[NonParallelizable]
public sealed class SamplePluginTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-plugin-").FullName;
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void The_plugin_loads_into_its_own_load_context_sharing_the_framework()
    {
        var services = new ServiceCollection();
        var builder = services.AddLayerNet().AddStandardLayers();

        PluginLoader.Load(PluginFiles.Softplus, builder);

        var registration = builder.Layers.Single(r => r.TypeName == "Softplus");
        var context = AssemblyLoadContext.GetLoadContext(registration.Implementation.Assembly);
        Assert.That(context, Is.Not.Null.And.Not.SameAs(AssemblyLoadContext.Default));
        Assert.That(context!.Name, Is.EqualTo("LayerNet.Samples.Softplus"));
        Assert.That(registration.Implementation.IsSubclassOf(typeof(Layer)), Is.True, "the plugin's layer derives from the host's Layer");
        Assert.That(registration.Source, Is.EqualTo(PluginFiles.Softplus));
        Assert.That(builder.Extensions.Fields.Select(f => f.FullName), Does.Contain("layernet.samples.softplus_param"));
    }

    [Test]
    public void Layers_lists_the_plugin_type_with_its_path()
    {
        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.Softplus);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var line = result.Output.Split('\n').Select(l => l.TrimEnd()).Single(l => l.StartsWith("Softplus ", StringComparison.Ordinal));
        Assert.That(line, Does.Match(@"^Softplus +" + System.Text.RegularExpressions.Regex.Escape(PluginFiles.Softplus) + "$"));
        Assert.That(result.Output, Does.Match(@"(?m)^InnerProduct +built in\s*$"));
    }

    [Test]
    public void Train_with_the_plugin_lowers_the_loss()
    {
        File.Copy(PluginFiles.SoftplusNet, Path.Combine(_folder, "softplus_net.prototxt"));
        var solver = File.ReadAllText(PluginFiles.SoftplusSolver)
            .Replace("max_iter: 200", "max_iter: 60", StringComparison.Ordinal)
            .Replace("display: 50", "display: 20", StringComparison.Ordinal);
        var solverPath = Path.Combine(_folder, "solver.prototxt");
        File.WriteAllText(solverPath, solver);

        var result = RunnerResult.Run("train", "--plugin", PluginFiles.Softplus, "--solver", solverPath);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var losses = result.Losses;
        Assert.That(losses, Has.Count.GreaterThanOrEqualTo(3), result.Output + result.Error);
        Assert.That(losses[^1], Is.LessThan(losses[0] / 4), string.Join(", ", losses));
    }

    [Test]
    public void Export_with_the_plugin_writes_its_layer_with_the_plugins_exporter()
    {
        var model = Path.Combine(_folder, "deploy.prototxt");
        File.WriteAllText(model, """
            name: "SoftplusDeploy"
            layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 8 } } }
            layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
            layer { name: "softplus" type: "Softplus" bottom: "h" top: "h" softplus_param { beta: 2 } }
            """);
        var onnx = Path.Combine(_folder, "deploy.onnx");

        var result = RunnerResult.Run("export", "--plugin", PluginFiles.Softplus, "--model", model, "-o", onnx);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var written = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.That(written.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "Gemm", "Mul", "Softplus", "Div", "Greater", "Where" }));
        Assert.That(written.Graph.Output.Single().Name, Is.EqualTo("h"));
    }

    [Test]
    public void Gradcheck_of_the_sample_net_passes()
    {
        var result = RunnerResult.Run("gradcheck", "--plugin", PluginFiles.Softplus, "--model", PluginFiles.SoftplusNet);

        Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
        Assert.That(result.Output, Does.Contain("ok   layer 'softplus' (Softplus) bottom 0 'h'"));
        Assert.That(result.Output, Does.Contain("all gradients within"));
    }

    [Test]
    public void Gradcheck_of_one_plugin_layer_checks_only_it()
    {
        var result = RunnerResult.Run("gradcheck", "--plugin", PluginFiles.Softplus, "--model", PluginFiles.SoftplusNet, "--layer", "softplus", "--samples", "0");

        Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
        Assert.That(result.Output, Does.Contain("layer 'softplus' (Softplus) bottom 0 'h'").And.Contain("(512 of 512 checked)"));
        Assert.That(result.Output, Does.Not.Contain("(InnerProduct)"));
    }

    [TestCase("[layernet.samples.softplus_param] { beta: 2 }")]
    [TestCase("softplus_param { beta: 2 }")]
    public void The_extension_field_reads_in_both_spellings(string field)
    {
        var (reader, extension) = ReaderWithPlugin();

        var net = reader.Parse<NetParameter>($$"""layer { name: "sp" type: "Softplus" {{field}} }""", "net.prototxt");

        var value = (IMessage)extension.Accessor.GetValue(net.Layer[0]);
        Assert.That(value.Descriptor.FullName, Is.EqualTo("layernet.samples.SoftplusParameter"));
        Assert.That(value.Descriptor.FindFieldByName("beta").Accessor.GetValue(value), Is.EqualTo(2f));
    }

    [Test]
    public void Both_spellings_give_the_same_forward_values()
    {
        var outputs = new List<string>();
        foreach (var field in new[] { "[layernet.samples.softplus_param] { beta: 2 }", "softplus_param { beta: 2 }", "softplus_param { }" })
        {
            var model = Path.Combine(_folder, "net.prototxt");
            File.WriteAllText(model, $$"""
                input: "x"
                input_shape { dim: 3 }
                layer { name: "sp" type: "Softplus" bottom: "x" top: "y" {{field}} }
                """);
            var result = RunnerResult.Run("forward", "--plugin", PluginFiles.Softplus, "--model", model, "--input", "x=0,1,-2", "--json");
            Assert.That(result.ExitCode, Is.Zero, result.Error);
            outputs.Add(result.Output);
        }

        Assert.That(outputs[1], Is.EqualTo(outputs[0]));
        Assert.That(outputs[2], Is.Not.EqualTo(outputs[0]), "beta 2 differs from the default beta 1");
    }

    [Test]
    public void An_unknown_field_inside_the_extension_is_an_error_at_its_place_suggesting_the_right_name()
    {
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, """
            input: "x"
            input_shape { dim: 3 }
            layer {
              name: "sp" type: "Softplus" bottom: "x" top: "y"
              softplus_param { betta: 2 }
            }
            """);

        var result = RunnerResult.Run("forward", "--plugin", PluginFiles.Softplus, "--model", model);

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.Error);
        Assert.That(result.ErrorLines[0], Does.StartWith($"{model}(5,20):"));
        Assert.That(result.ErrorLines[0], Does.Contain("betta").And.Contain("'beta'"));
    }

    [Test]
    public void Without_the_plugin_the_extension_field_is_unknown()
    {
        var (reader, _) = ReaderWithPlugin();
        Assert.That(reader, Is.Not.Null);

        var error = Assert.Throws<LayerNetException>(() => ParameterExtensions.None.Reader.Parse<NetParameter>("""layer { name: "sp" type: "Softplus" softplus_param { beta: 2 } }""", "net.prototxt"));

        Assert.That(error.Message, Does.StartWith("net.prototxt(1,37):"));
    }

    [Test]
    public void Plugin_folders_in_LAYERNET_PLUGIN_PATH_are_loaded()
    {
        var saved = Environment.GetEnvironmentVariable(PluginLoader.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(PluginLoader.PathVariable, Path.GetDirectoryName(PluginFiles.Softplus));

            var result = RunnerResult.Run("layers");

            Assert.That(result.ExitCode, Is.Zero, result.Error);
            Assert.That(result.Output, Does.Contain(PluginFiles.Softplus));
            Assert.That(result.Output, Does.Match(@"(?m)^Softplus +\S*LayerNet\.Samples\.Softplus\.dll\s*$"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(PluginLoader.PathVariable, saved);
        }
    }

    [Test]
    public void A_missing_folder_in_LAYERNET_PLUGIN_PATH_is_an_error()
    {
        var saved = Environment.GetEnvironmentVariable(PluginLoader.PathVariable);
        var missing = Path.Combine(_folder, "no-such-folder");
        try
        {
            Environment.SetEnvironmentVariable(PluginLoader.PathVariable, missing);

            var result = RunnerResult.Run("layers");

            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.ErrorLines, Is.EqualTo(new[] { $"plugin folder '{missing}' (from LAYERNET_PLUGIN_PATH) does not exist" }));
        }
        finally
        {
            Environment.SetEnvironmentVariable(PluginLoader.PathVariable, saved);
        }
    }

    private static (PrototxtReader Reader, FieldDescriptor Extension) ReaderWithPlugin()
    {
        var services = new ServiceCollection();
        var builder = services.AddLayerNet().AddStandardLayers();
        PluginLoader.Load(PluginFiles.Softplus, builder);
        using var provider = services.BuildServiceProvider();
        var extension = builder.Extensions.Fields.Single(f => f.FullName == "layernet.samples.softplus_param");
        return (provider.GetRequiredService<PrototxtReader>(), extension);
    }
}
