using System.Diagnostics;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Runner.Tests.Plugins;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// Hostile plugins and plugin folders, on the real executable (issue 15, items 4, 5, 7 and 8): each is one line
/// naming the plugin (and the layer where there is one), exit 1, no stack trace, no hang; a layer that never returns
/// gives way to a second SIGINT or SIGTERM (exit 130, the layer named).
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform("Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PluginTests
{
    private const string PluginFile = "LayerNet.Fixtures.HostilePlugin.dll";
    private const string DependencyFile = "LayerNet.Fixtures.NoEntryPlugin.dll";

    private string _folder = string.Empty;
    private string _plugins = string.Empty;
    private string _plugin = string.Empty;

    private static string HostilePlugin => PluginFiles.Fixture("HostilePlugin");

    [SetUp]
    public void CreateFolders()
    {
        // Temporary folders are the user's alone (0700), as a plugin folder must be.
        _folder = Directory.CreateTempSubdirectory("layernet-hostile-plugin-").FullName;
        _plugins = Path.Combine(_folder, "plugins");
        Directory.CreateDirectory(_plugins, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(HostilePlugin)!))
        {
            File.Copy(file, Path.Combine(_plugins, Path.GetFileName(file)));
        }

        _plugin = Path.Combine(_plugins, PluginFile);
    }

    [TearDown]
    public void DeleteFolders()
    {
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public void A_registration_that_throws_a_message_with_a_line_break_is_one_line_naming_the_plugin()
    {
        var result = HostileRun.Run(_folder, ["layers", "--plugin", _plugin], environment: new Dictionary<string, string?> { ["LAYERNET_HOSTILE_REGISTRATION"] = "second line" });

        result.AssertRefused($"plugin '{_plugin}': its registration failed: InvalidOperationException: the registry is broken: second line");
    }

    [Test]
    public void A_corrupt_deps_json_names_the_plugin_and_the_file()
    {
        File.WriteAllText(Path.Combine(_plugins, "LayerNet.Fixtures.HostilePlugin.deps.json"), "{ \"runtimeTarget\": [ oops");

        var result = HostileRun.Run(_folder, ["layers", "--plugin", _plugin]);

        result.AssertRefused($"plugin '{_plugin}': cannot read LayerNet.Fixtures.HostilePlugin.deps.json beside it: ");
    }

    [Test]
    public void A_static_constructor_that_throws_names_the_layer_and_the_plugin()
    {
        var model = WriteNet("StaticFault");

        var result = HostileRun.Run(_folder, ["forward", "--plugin", PluginFiles.BrokenLayers, "--model", model]);

        result.AssertRefused(
            $"{model}(6,1): layer 'h' (StaticFault): cannot create LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer from {PluginFiles.BrokenLayers}: the static constructor of LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer failed: NotImplementedException: the lookup table is not written yet");
    }

    [Test]
    public void A_setup_throwing_OutOfMemoryException_names_the_layer_and_the_plugin()
    {
        var model = WriteNet("Greedy");

        var result = HostileRun.Run(_folder, ["forward", "--plugin", _plugin, "--model", model]);

        result.AssertRefused($"{model}(6,1): layer 'h' (Greedy): setup failed in plugin '{_plugin}': OutOfMemoryException: no room for the greedy table");
    }

    [Test]
    public void A_dangling_link_in_a_plugin_folder_names_the_link()
    {
        var link = Path.Combine(_plugins, "x.dll");
        File.CreateSymbolicLink(link, Path.Combine(_folder, "gone.dll"));

        var result = HostileRun.Run(_folder, ["layers"], watched: [link], environment: PluginPath(_plugins));

        result.AssertRefused($"plugin '{link}' (from LAYERNET_PLUGIN_PATH): a link to '{Path.Combine(_folder, "gone.dll")}', which does not exist");
    }

    [Test]
    public void A_missing_dependency_blames_the_plugin_and_names_the_assembly()
    {
        File.Delete(Path.Combine(_plugins, DependencyFile));

        var result = HostileRun.Run(_folder, ["layers", "--plugin", _plugin]);

        // The fixtures take the repository's computed version (version.json), as this test assembly does.
        var version = typeof(PluginTests).Assembly.GetName().Version;
        result.AssertRefused(
            $"plugin '{_plugin}': needs assembly LayerNet.Fixtures.NoEntryPlugin {version}, which is not in its folder '{_plugins}'; copy LayerNet.Fixtures.NoEntryPlugin.dll there from the plugin's build output");
        Assert.That(result.Error, Does.Not.Contain("LayerNet.Framework"));
    }

    [Test]
    public void A_fifo_in_a_plugin_folder_is_skipped_with_one_warning_never_opened()
    {
        var fifo = Path.Combine(_plugins, "x.dll");
        MakeFifo(fifo);

        var result = HostileRun.Run(_folder, ["layers"], watched: [fifo], environment: PluginPath(_plugins), limit: TimeSpan.FromSeconds(30));

        result.AssertSucceeded();
        Assert.Multiple(() =>
        {
            Assert.That(result.ErrorLines, Is.EqualTo(new[] { $"warning: plugin '{fifo}' skipped: not a regular file" }));
            Assert.That(result.Output, Does.Contain("Spin"));
            result.AssertFilesKept();
        });
    }

    [Test]
    public void A_fifo_given_as_a_plugin_is_refused_never_opened()
    {
        var fifo = Path.Combine(_folder, "x.dll");
        MakeFifo(fifo);

        var result = HostileRun.Run(_folder, ["layers", "--plugin", fifo], watched: [fifo], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused($"plugin '{fifo}': not a regular file");
    }

    [Test]
    public void A_plugin_folder_anyone_can_write_is_refused()
    {
        File.SetUnixFileMode(_plugins, (UnixFileMode)Convert.ToInt32("777", 8));

        var result = HostileRun.Run(_folder, ["layers"], environment: PluginPath(_plugins));

        result.AssertRefused($"plugin folder '{_plugins}' is writable by others; remove their write permission (chmod go-w '{_plugins}') or pass --allow-writable-plugins");
    }

    [Test]
    public void A_plugin_folder_anyone_can_write_loads_with_allow_writable_plugins()
    {
        File.SetUnixFileMode(_plugins, (UnixFileMode)Convert.ToInt32("777", 8));

        var result = HostileRun.Run(_folder, ["layers", "--allow-writable-plugins"], environment: PluginPath(_plugins));

        result.AssertSucceeded();
        Assert.That(result.Output, Does.Contain("Spin"));
    }

    [Test]
    public void A_group_writable_plugin_file_is_refused()
    {
        File.SetUnixFileMode(_plugin, (UnixFileMode)Convert.ToInt32("664", 8));

        var result = HostileRun.Run(_folder, ["layers", "--plugin", _plugin]);

        result.AssertRefused($"plugin '{_plugin}' is writable by others; remove their write permission (chmod go-w '{_plugin}') or pass --allow-writable-plugins");
    }

    [Test]
    public void The_folder_of_a_plugin_given_on_the_command_line_is_checked_too()
    {
        File.SetUnixFileMode(_plugins, (UnixFileMode)Convert.ToInt32("770", 8));

        var result = HostileRun.Run(_folder, ["layers", "--plugin", _plugin]);

        result.AssertRefused($"plugin folder '{_plugins}' is writable by others; remove their write permission (chmod go-w '{_plugins}') or pass --allow-writable-plugins");
    }

    [TestCase("train")]
    [TestCase("test")]
    [TestCase("forward")]
    [TestCase("time")]
    [TestCase("classify")]
    [TestCase("detect")]
    public void A_layer_that_never_returns_gives_way_to_a_second_signal_naming_it(string command)
    {
        var model = WriteNet("Spin");
        File.WriteAllText(Path.Combine(_folder, "solver.prototxt"), "net: \"net.prototxt\"\nbase_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\ndisplay: 1\nsnapshot_prefix: \"snap\"\n");
        string[] args = command switch
        {
            "train" => ["train", "--plugin", _plugin, "--solver", "solver.prototxt"],
            "time" => ["time", "--plugin", _plugin, "--model", model, "--iterations", "2"],
            "classify" => ["classify", "--plugin", _plugin, "--model", WriteClassifier(), WriteImage()],
            "detect" => ["detect", "--plugin", _plugin, "--model", WriteDetector(), WriteImage()],
            _ => [command, "--plugin", _plugin, "--model", model],
        };
        var marker = Path.Combine(_folder, "spinning");
        Environment.SetEnvironmentVariable("LAYERNET_HOSTILE_SPIN_MARKER", marker);
        try
        {
            using var run = RunnerProcess.Start(_folder, args);
            WaitFor(() => File.Exists(marker) || run.HasExited, TimeSpan.FromSeconds(60));
            Assert.That(run.HasExited, Is.False, run.Error);

            run.Signal(RunnerProcess.SignalInterrupt);
            WaitFor(() => run.HasExited, TimeSpan.FromSeconds(2));
            if (command == "train")
            {
                // Training's first signal asks for a stop after the iteration, which never ends.
                Assert.That(run.HasExited, Is.False, "the first SIGINT only asks training to stop");
            }

            if (!run.HasExited)
            {
                run.Signal(RunnerProcess.SignalTerminate);
            }

            Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(130), run.Error);
            Assert.That(
                run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Is.EqualTo(new[] { $"interrupted: layer 'h' (type 'Spin', plugin '{_plugin}') did not return" }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LAYERNET_HOSTILE_SPIN_MARKER", null);
        }
    }

    [Test]
    public void A_layer_that_recurses_forever_is_one_line_naming_the_method_and_its_caller()
    {
        var model = WriteNet("Recurse");

        var result = HostileRun.Run(_folder, ["forward", "--plugin", _plugin, "--model", model]);

        result.AssertRefused("stack overflow in LayerNet.Fixtures.HostilePlugin.RecurseLayer.Deepen(Int32), called from LayerNet.Fixtures.HostilePlugin.RecurseLayer.Forward(");
        Assert.That(result.Error, Does.Contain("): it recursed without end (").And.EndWith(" times); the run stopped\n"));
    }

    [Test]
    public void A_layer_that_recurses_forever_in_training_from_a_plugin_folder_is_one_line()
    {
        WriteNet("Recurse");
        File.WriteAllText(Path.Combine(_folder, "solver.prototxt"), "net: \"net.prototxt\"\nbase_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\nsnapshot_prefix: \"snap\"\n");

        var result = HostileRun.Run(_folder, ["train", "--solver", "solver.prototxt"], environment: PluginPath(_plugins));

        result.AssertRefused("stack overflow in LayerNet.Fixtures.HostilePlugin.RecurseLayer.Deepen(Int32), called from LayerNet.Fixtures.HostilePlugin.RecurseLayer.Forward(");
    }

    [Test]
    public void A_supervised_run_passes_standard_output_and_the_exit_code_through()
    {
        var model = WriteNet("Lonely");

        var result = HostileRun.Run(_folder, ["forward", "--plugin", _plugin, "--model", model, "--blobs", "y"]);

        result.AssertSucceeded();
        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("y"));
            Assert.That(result.Error, Is.Empty);
        });
    }

    [Test]
    public void A_stack_overflow_report_without_a_repeated_block_names_its_first_frames()
    {
        const string trace = "Stack overflow.\n   at My.Plugin.Walker.Visit(Node)\n   at My.Plugin.Walker.Start()\n   at Program.<Main>$(System.String[])\n";

        Assert.That(Supervisor.Describe(trace), Is.EqualTo("stack overflow in My.Plugin.Walker.Visit(Node), called from My.Plugin.Walker.Start(): the run stopped"));
    }

    private static Dictionary<string, string?> PluginPath(string folder) => new() { ["LAYERNET_PLUGIN_PATH"] = folder };

    private static void WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            Thread.Sleep(50);
        }
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.That(FileSnapshot.Kind(path), Is.EqualTo("fifo"));
    }

    // A 2x2 24-bit BMP: the smallest image classify reads, written by hand.
    private string WriteImage()
    {
        var image = Path.Combine(_folder, "image.bmp");
        var pixels = new byte[16];
        using var writer = new BinaryWriter(File.Create(image));
        writer.Write("BM"u8);
        writer.Write(54 + pixels.Length);
        writer.Write(0);
        writer.Write(54);
        writer.Write(40);
        writer.Write(2);
        writer.Write(2);
        writer.Write((short)1);
        writer.Write((short)24);
        writer.Write(0);
        writer.Write(pixels.Length);
        writer.Write(2835);
        writer.Write(2835);
        writer.Write(0L);
        writer.Write(pixels);
        return image;
    }

    private string WriteClassifier()
    {
        var model = Path.Combine(_folder, "deploy.prototxt");
        File.WriteAllText(model, """
            name: "classifier"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 2 dim: 2 } } }
            layer { name: "h" type: "Spin" bottom: "data" top: "y" }
            layer { name: "scores" type: "InnerProduct" bottom: "y" top: "scores" inner_product_param { num_output: 3 } }
            layer { name: "prob" type: "Softmax" bottom: "scores" top: "prob" }
            """);
        return model;
    }

    // A detection net whose detections pass through the Spin layer: [1, 1, 1, 7], as DetectionOutput's.
    private string WriteDetector()
    {
        var model = Path.Combine(_folder, "detector.prototxt");
        File.WriteAllText(model, """
            name: "detector"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 2 dim: 2 } } }
            layer { name: "rows" type: "Parameter" top: "rows" parameter_param { shape { dim: 1 dim: 1 dim: 1 dim: 7 } } }
            layer { name: "h" type: "Spin" bottom: "rows" top: "det" }
            """);
        return model;
    }

    private string WriteNet(string type)
    {
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, $$"""
            name: "hostile"
            layer {
              name: "data" type: "DummyData" top: "x" top: "t"
              dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 3 } }
            }
            layer {
              name: "h"
              type: "{{type}}"
              bottom: "x"
              top: "y"
            }
            layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
            """);
        return model;
    }
}
