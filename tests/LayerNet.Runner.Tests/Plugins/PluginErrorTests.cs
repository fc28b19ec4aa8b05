namespace LayerNet.Runner.Tests.Plugins;

/// <summary>
/// Every way a plugin can be wrong is one line on stderr naming the file, exit code 1, no stack trace, whatever
/// the command.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PluginErrorTests
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
    public void A_missing_file()
    {
        var path = Path.Combine(_folder, "Missing.dll");

        var result = RunnerResult.Run("layers", "--plugin", path);

        AssertOneLineError(result, $"plugin '{path}': no such file");
    }

    [Test]
    public void A_folder()
    {
        var result = RunnerResult.Run("layers", "--plugin", _folder);

        AssertOneLineError(result, $"plugin '{_folder}': is a folder; give the plugin's .dll (or list the folder in LAYERNET_PLUGIN_PATH)");
    }

    [Test]
    public void A_file_that_is_not_a_dotnet_assembly()
    {
        var path = Path.Combine(_folder, "Random.dll");
        var bytes = new byte[4096];
        new Random(1701).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        var result = RunnerResult.Run("train", "--plugin", path, "--solver", PluginFiles.SoftplusSolver);

        AssertOneLineError(result, $"plugin '{path}': not a .NET assembly; give the .dll that `dotnet build` writes for the plugin project");
    }

    [Test]
    public void An_assembly_without_an_entry_point()
    {
        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.NoEntry);

        AssertOneLineError(result, $"plugin '{PluginFiles.NoEntry}': no registration entry point; add a public class implementing LayerNet.Plugins.ILayerPlugin");
    }

    [Test]
    public void An_assembly_with_two_entry_points()
    {
        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.TwoEntries);

        AssertOneLineError(result, $"plugin '{PluginFiles.TwoEntries}': more than one registration entry point (");
        Assert.That(result.ErrorLines[0], Does.Contain("FirstPlugin").And.Contain("SecondPlugin"));
    }

    [Test]
    public void A_plugin_built_against_another_major_version_of_the_framework()
    {
        var host = typeof(LayerNet.Plugins.ILayerPlugin).Assembly.GetName().Version!;

        var result = RunnerResult.Run("gradcheck", "--plugin", PluginFiles.Incompatible, "--model", PluginFiles.SoftplusNet);

        AssertOneLineError(
            result,
            $"plugin '{PluginFiles.Incompatible}': built against LayerNet.Framework 99.0.0.0, incompatible with this runner's {host}; rebuild the plugin against LayerNet.Framework {(host.Major == 0 ? $"0.{host.Minor}" : $"{host.Major}")}.x");
    }

    [Test]
    public void A_type_name_registered_by_a_built_in_layer_names_both_sources()
    {
        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.Clashing);

        AssertOneLineError(result, "layer type 'InnerProduct' is registered twice: by built in (LayerNet.Layers.Common.InnerProductLayer) and by ");
        Assert.That(result.ErrorLines[0], Does.EndWith($"by {PluginFiles.Clashing} (LayerNet.Fixtures.ClashingPlugin.OtherInnerProductLayer)"));
    }

    [Test]
    public void The_same_plugin_loaded_twice_clashes_with_itself()
    {
        var copy = Path.Combine(_folder, "LayerNet.Samples.Softplus.dll");
        File.Copy(PluginFiles.Softplus, copy);

        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.Softplus, "--plugin", copy);

        AssertOneLineError(
            result,
            $"layer type 'Softplus' is registered twice: by {PluginFiles.Softplus} (LayerNet.Samples.Softplus.SoftplusLayer) and by {copy} (LayerNet.Samples.Softplus.SoftplusLayer)");
    }

    [Test]
    public void A_forward_that_throws_inside_a_plugin_names_the_layer_its_type_and_its_line()
    {
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, """
            name: "faulty"
            layer {
              name: "data" type: "DummyData" top: "x"
              dummy_data_param { shape { dim: 2 dim: 3 } }
            }
            layer {
              name: "f"
              type: "Faulty"
              bottom: "x"
              top: "y"
            }
            """);

        var result = RunnerResult.Run("forward", "--plugin", PluginFiles.Faulty, "--model", model);

        AssertOneLineError(result, $"{model}(6,1): layer 'f' (Faulty): forward failed: InvalidOperationException: the faulty layer always fails");
    }

    [Test]
    public void A_registration_that_throws_its_own_exception_type_names_the_plugin()
    {
        var result = RunnerResult.Run("layers", "--plugin", PluginFiles.Throwing);

        AssertOneLineError(result, $"plugin '{PluginFiles.Throwing}': its registration failed: PluginSetupException: the settings file is missing");
    }

    [Test]
    public void A_layer_whose_static_constructor_throws_names_the_layer_and_the_plugin()
    {
        var model = NetWithOneLayerOfType("StaticFault");

        var result = RunnerResult.Run("forward", "--plugin", PluginFiles.BrokenLayers, "--model", model);

        AssertOneLineError(
            result,
            $"{model}(6,1): layer 'b' (StaticFault): cannot create LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer from {PluginFiles.BrokenLayers}: the static constructor of LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer failed: NotImplementedException: the lookup table is not written yet");
    }

    [Test]
    public void A_layer_needing_a_service_nobody_registered_names_the_layer_and_the_plugin()
    {
        var model = NetWithOneLayerOfType("NeedsService");

        var result = RunnerResult.Run("forward", "--plugin", PluginFiles.BrokenLayers, "--model", model);

        AssertOneLineError(
            result,
            $"{model}(6,1): layer 'b' (NeedsService): cannot create LayerNet.Fixtures.BrokenLayersPlugin.NeedsServiceLayer from {PluginFiles.BrokenLayers}: ");
        Assert.That(result.ErrorLines[0], Does.Contain("LayerNet.Fixtures.BrokenLayersPlugin.IClock"));
    }

    private string NetWithOneLayerOfType(string type)
    {
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, $$"""
            name: "broken"
            layer {
              name: "data" type: "DummyData" top: "x"
              dummy_data_param { shape { dim: 2 dim: 3 } }
            }
            layer {
              name: "b"
              type: "{{type}}"
              bottom: "x"
              top: "y"
            }
            """);
        return model;
    }

    private static void AssertOneLineError(RunnerResult result, string expectedStart)
    {
        Assert.That(result.ExitCode, Is.EqualTo(1), result.Output + result.Error);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.Error);
        Assert.That(result.ErrorLines[0], Does.StartWith(expectedStart));
        Assert.That(result.Error, Does.Not.Contain("   at ").And.Not.Contain("Exception:  "), "no stack trace");
    }
}
