using System.Diagnostics;
using System.Globalization;
using System.Text;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Runner.Tests.Plugins;
using PureHDF;

namespace LayerNet.Runner.Tests.Catalogue;

/// <summary>
/// The catalogue of a user's mistakes (README, "When something is wrong"), each through the real <c>layernet</c>
/// executable as a child process: exit code 1, one line on standard error with the message and its place
/// (file(line,col), or the layer and blob, or the file), and no stack trace anywhere.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MistakeCatalogueTests
{
    private TwoLayerFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TwoLayerFolder.Create();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void A_missing_solver_file()
    {
        var run = Run("train", "--solver", "missing_solver.prototxt");

        AssertMistake(run, "cannot read 'missing_solver.prototxt': no such file");
    }

    [Test]
    public void A_folder_instead_of_a_model_file()
    {
        Directory.CreateDirectory(_folder.File("net_folder"));

        var run = Run("forward", "--model", "net_folder");

        AssertMistake(run, "cannot read 'net_folder': it is a folder, expected a file");
    }

    [Test]
    public void An_unknown_layer_type()
    {
        WriteNet("net.prototxt", "type: \"Sigmoid\"", "type: \"Sigmod\"");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(22,1): layer 'sig' has unknown type 'Sigmod'; did you mean 'Sigmoid'?");
    }

    [Test]
    public void An_unknown_bottom()
    {
        WriteNet("net.prototxt", "bottom: \"y_pred\"", "bottom: \"y_prde\"");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(34,1): layer 'loss' (EuclideanLoss): unknown bottom blob 'y_prde' (bottom 0)");
    }

    [Test]
    public void A_shape_mismatch_between_layers()
    {
        WriteNet("net.prototxt", "num_output: 10\n", "num_output: 5\n");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(34,1): layer 'loss' (EuclideanLoss): bottoms 'y_pred' (64 5 (320)) and 'y' (64 10 (640)) must have the same count");
    }

    [Test]
    public void A_wrong_bottom_count()
    {
        WriteNet("net.prototxt", "bottom: \"h\" top: \"h\" }", "bottom: \"h\" bottom: \"x\" top: \"h\" }");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(22,1): layer 'sig' (Sigmoid): expected 1 bottom blob, got 2");
    }

    [Test]
    public void A_negative_num_output()
    {
        WriteNet("net.prototxt", "num_output: 100", "num_output: -100");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(17,17): negative value -100 for field 'num_output' (uint32: 0 to 4294967295)");
    }

    [Test]
    public void A_zero_num_output()
    {
        WriteNet("net.prototxt", "num_output: 100", "num_output: 0");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(11,1): layer 'fc1' (InnerProduct): inner_product_param.num_output must be given and positive");
    }

    [Test]
    public void A_batch_size_of_zero()
    {
        WriteNet("net.prototxt", "batch_size: 64", "batch_size: 0");

        var run = Run("test", "--model", "net.prototxt", "--iterations", "1");

        AssertMistake(run, "net.prototxt(4,1): layer 'data' (HDF5Data): hdf5_data_param.batch_size must be positive, got 0");
    }

    [Test]
    public void A_solver_without_a_net()
    {
        File.WriteAllText(_folder.Solver, "base_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\n");

        var run = Run("train", "--solver", "solver.prototxt");

        AssertMistake(run, "solver.prototxt(1,1): the solver names no net: give one of net, net_param, train_net or train_net_param");
    }

    [Test]
    public void Resuming_from_another_nets_solverstate()
    {
        // Caffe's own LeNet snapshot: 8 history blobs (two per conv and inner-product layer).
        var other = Testing.Fixtures.File("caffe", "lenet_fashion", "lenet_fashion_iter_2000.solverstate");
        _folder.WriteSolver(maxIter: 10, display: 1);

        var run = Run("train", "--solver", "solver.prototxt", "--snapshot", other);

        AssertMistake(run, $"{other}: the solver state has 8 history blobs; this SGD solver for net 'TwoLayerNet' needs 2. Was it written for another net or solver type?");
    }

    [Test]
    public void Weights_for_a_differently_shaped_layer()
    {
        WriteNet("net.prototxt", "num_output: 100", "num_output: 50");

        var run = Run("test", "--model", "net.prototxt", "--weights", "init_iter_0.caffemodel", "--iterations", "1");

        AssertMistake(run, "net.prototxt(11,1): layer 'fc1' (InnerProduct): cannot copy param 0 from 'init_iter_0.caffemodel': shape mismatch; the stored blob is 100 1000 (100000), the layer's is 50 1000 (50000)");
    }

    [Test]
    public void A_snapshot_folder_that_is_a_file()
    {
        File.WriteAllText(_folder.File("snapshots"), "a regular file where a folder should be\n");
        WriteSolver("snapshots/two_layer");

        var run = Run("train", "--solver", "solver.prototxt");

        AssertMistake(run, $"solver.prototxt(1,1): cannot write snapshots to snapshot_prefix 'snapshots/two_layer': '{_folder.File("snapshots")}' is a file, not a folder; change snapshot_prefix");
    }

    [Test]
    public void An_unwritable_snapshot_folder()
    {
        // Permission bits do not stop root; sysfs refuses new files to everyone, root included.
        WriteSolver("/sys/two_layer");

        var run = Run("train", "--solver", "solver.prototxt");

        AssertMistake(run, "cannot write '/sys/two_layer_iter_2.caffemodel': Access to the path '/sys/.two_layer_iter_2.caffemodel.");
        Assert.That(run.Error, Does.EndWith(".tmp' is denied.\n"));
    }

    [Test]
    public void A_full_disk_during_a_snapshot()
    {
        // The real thing where this user may mount: a 256 KiB tmpfs holds the iteration-2 state (a few hundred bytes)
        // but not a 400 KB caffemodel. Elsewhere the same write fails on a file size limit (ulimit -f, SIGXFSZ
        // ignored), which the kernel enforces for every user: EFBIG instead of ENOSPC, the same code path.
        var full = _folder.File("full");
        Directory.CreateDirectory(full);
        var mounted = TryMountTmpfs(full, "256k");
        try
        {
            WriteSolver("full/two_layer");
            var run = mounted ? Run("train", "--solver", "solver.prototxt") : RunWithFileSizeLimit(300 * 1024, "train", "--solver", "solver.prototxt");

            AssertMistake(run, "cannot write 'full/two_layer_iter_2.caffemodel': ");
            Assert.That(run.Error, Does.Contain(mounted ? "No space left on device" : "too large"));
            Assert.That(Directory.GetFiles(full), Is.Empty, "no temporary or partial file is left behind");
        }
        finally
        {
            if (mounted)
            {
                Unmount(full);
            }
        }
    }

    [Test]
    public void A_file_size_limit_during_a_snapshot()
    {
        // Any user can meet it (ulimit -f, quotas); .NET reports EFBIG as an ArgumentOutOfRangeException.
        WriteSolver("two_layer");

        var run = RunWithFileSizeLimit(300 * 1024, "train", "--solver", "solver.prototxt");

        AssertMistake(run, "cannot write 'two_layer_iter_2.caffemodel': Specified file length was too large for the file system.");
        Assert.That(_folder.TemporaryFiles(), Is.Empty, "no temporary or partial file is left behind");
        Assert.That(File.Exists(_folder.File("two_layer_iter_2.caffemodel")), Is.False);
    }

    [Test]
    public void NaN_in_the_input_data()
    {
        var x = new float[64 * 1000];
        var y = new float[64 * 10];
        var random = new Random(1701);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
        }

        x[3 * 1000 + 7] = float.NaN;
        var file = new H5File
        {
            ["x"] = new H5Dataset(x, fileDims: [64UL, 1000UL]),
            ["y"] = new H5Dataset(y, fileDims: [64UL, 10UL]),
        };
        File.Delete(_folder.File("data.h5"));
        file.Write(_folder.File("data.h5"));
        _folder.WriteSolver(maxIter: 10, display: 1);

        var run = Run("train", "--solver", "solver.prototxt");

        AssertMistake(run, "training diverged at iteration 0: the loss is nan; the first non-finite value is in top 'x' of layer 'data' (HDF5Data). Lower base_lr, or check the input data. Snapshots written so far are intact.");
    }

    [Test]
    public void A_missing_plugin()
    {
        var run = Run("layers", "--plugin", "Missing.dll");

        AssertMistake(run, "plugin 'Missing.dll': no such file");
    }

    [Test]
    public void A_plugin_that_is_not_a_dotnet_assembly()
    {
        var bytes = new byte[4096];
        new Random(1701).NextBytes(bytes);
        File.WriteAllBytes(_folder.File("Random.dll"), bytes);

        var run = Run("layers", "--plugin", "Random.dll");

        AssertMistake(run, "plugin 'Random.dll': not a .NET assembly; give the .dll that `dotnet build` writes for the plugin project");
    }

    [Test]
    public void A_plugin_without_an_entry_point()
    {
        var run = Run("layers", "--plugin", PluginFiles.NoEntry);

        AssertMistake(run, $"plugin '{PluginFiles.NoEntry}': no registration entry point; add a public class implementing LayerNet.Plugins.ILayerPlugin");
    }

    [Test]
    public void A_plugin_built_against_an_incompatible_framework()
    {
        var host = typeof(LayerNet.Plugins.ILayerPlugin).Assembly.GetName().Version!;

        var run = Run("layers", "--plugin", PluginFiles.Incompatible);

        AssertMistake(run, $"plugin '{PluginFiles.Incompatible}': built against LayerNet.Framework 99.0.0.0, incompatible with this runner's {host}; rebuild the plugin against LayerNet.Framework {(host.Major == 0 ? $"0.{host.Minor}" : $"{host.Major}")}.x");
    }

    [Test]
    public void A_plugin_whose_layer_type_clashes()
    {
        var run = Run("layers", "--plugin", PluginFiles.Clashing);

        AssertMistake(run, $"layer type 'InnerProduct' is registered twice: by built in (LayerNet.Layers.Common.InnerProductLayer) and by {PluginFiles.Clashing} (LayerNet.Fixtures.ClashingPlugin.OtherInnerProductLayer)");
    }

    [Test]
    public void Two_plugins_declaring_one_fork_field()
    {
        var run = Run("layers", "--plugin", PluginFiles.Compat, "--plugin", PluginFiles.ForkField);

        AssertMistake(run, $"extension name 'ceil_mode' of caffe.PoolingParameter is declared twice: 'layernet.compat.ceil_mode' (compat.proto by {PluginFiles.Compat}) and 'layernet.fixtures.forkfield.ceil_mode' (fork_field.proto by {PluginFiles.ForkField}); a model file could not tell them apart by name");
    }

    [Test]
    public void A_plugin_whose_registration_throws()
    {
        var run = Run("layers", "--plugin", PluginFiles.Throwing);

        AssertMistake(run, $"plugin '{PluginFiles.Throwing}': its registration failed: PluginSetupException: the settings file is missing");
    }

    [Test]
    public void A_plugin_layer_whose_static_constructor_throws()
    {
        WriteNet("static_fault.prototxt", "type: \"Sigmoid\"", "type: \"StaticFault\"");

        var run = Run("forward", "--plugin", PluginFiles.BrokenLayers, "--model", "static_fault.prototxt");

        AssertMistake(
            run,
            $"static_fault.prototxt(22,1): layer 'sig' (StaticFault): cannot create LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer from {PluginFiles.BrokenLayers}: the static constructor of LayerNet.Fixtures.BrokenLayersPlugin.StaticFaultLayer failed: NotImplementedException: the lookup table is not written yet");
    }

    [Test]
    public void A_dashboard_port_that_another_program_holds()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = Run("serve", "--root", ".", "--host", "127.0.0.1", "--port", port);

        AssertMistake(run, $"serve: cannot listen on 127.0.0.1 port {port}: Address already in use");
    }

    [Test]
    public void A_dashboard_host_given_by_name()
    {
        var run = Run("serve", "--root", ".", "--host", "lab-server", "--token", "s3cret");

        AssertMistake(run, "serve --host 'lab-server': expected an IP address (such as 127.0.0.1, 0.0.0.0 or ::) or localhost");
    }

    [Test]
    public void A_gpu_that_is_not_there()
    {
        var backend = Environment.GetEnvironmentVariable("LAYERNET_GPU_BACKEND");
        Environment.SetEnvironmentVariable("LAYERNET_GPU_BACKEND", "cpu");
        try
        {
            File.WriteAllText(_folder.Solver, "net: \"net.prototxt\"\nbase_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\n");
            var run = Run("train", "--solver", "solver.prototxt", "--gpu", "9");

            AssertMistake(run, "--gpu 9: only 1 device was found (0 to 0) (backends tried: ILGPU's CPU accelerator); LAYERNET_GPU_BACKEND=cpu runs the GPU code path on ILGPU's CPU accelerator as device 0");
        }
        finally
        {
            Environment.SetEnvironmentVariable("LAYERNET_GPU_BACKEND", backend);
        }
    }

    [Test]
    public void A_python_layer()
    {
        WriteNet("python.prototxt", "type: \"Sigmoid\"", "type: \"Python\" python_param { module: \"my_layers\" layer: \"MySigmoid\" }");

        var run = Run("forward", "--model", "python.prototxt");

        AssertMistake(run, "python.prototxt(22,1): layer 'sig' is a Python layer (python_param module 'my_layers', layer 'MySigmoid'): LayerNet runs no Python; rewrite it as a layer plugin, as README.md's section \"Writing a layer plugin\" shows, and load it with --plugin or LAYERNET_PLUGIN_PATH.");
    }

    [Test]
    public void A_forks_field_without_the_plugin_that_declares_it()
    {
        File.WriteAllText(_folder.File("fork.prototxt"), """
            name: "fork"
            input: "data"
            input_shape { dim: 1 dim: 1 dim: 8 dim: 8 }
            layer { name: "pool1" type: "Pooling" bottom: "data" top: "pool1" pooling_param { pool: MAX kernel_size: 3 stride: 2 ceil_mode: false } }
            """);

        var run = Run("forward", "--model", "fork.prototxt");

        AssertMistake(run, "fork.prototxt(4,118): unknown field 'ceil_mode' in caffe.PoolingParameter; a field a Caffe fork added needs the plugin that declares it (--plugin)");
    }

    [Test]
    public void A_v0_padding_layer_before_a_layer_that_cannot_take_its_pad()
    {
        File.WriteAllText(_folder.File("v0.prototxt"), """
            name: "old"
            input: "data"
            input_dim: 1
            input_dim: 3
            input_dim: 8
            input_dim: 8
            layers {
              layer { name: "pad1" type: "padding" pad: 1 }
              bottom: "data"
              top: "pad1"
            }
            layers {
              layer { name: "relu1" type: "relu" }
              bottom: "pad1"
              top: "relu1"
            }
            """);

        var run = Run("forward", "--model", "v0.prototxt");

        AssertMistake(run, "v0.prototxt(12,1): layer 'relu1' (relu) reads the output of padding layer 'pad1': Padding layer input to non-convolutional / non-pooling layer type relu; only a conv or pool layer can take a V0 padding layer's pad");
    }

    [Test]
    public void An_input_file_of_the_wrong_size()
    {
        File.WriteAllBytes(_folder.File("x.f32"), new byte[20]);

        var run = Run("forward", "--model", "net.prototxt", "--input", "x=x.f32");

        AssertMistake(run, "--input x: 'x.f32' holds 20 bytes, but blob 'x' of shape 64 1000 (64000) needs 256000 (raw little-endian float32; a NumPy array needs the .npy extension)");
    }

    [Test]
    public void Converting_a_file_onto_itself()
    {
        var run = Run("convert", "net.prototxt", "net.prototxt");

        AssertMistake(run, "OUT 'net.prototxt' is the input file; write to another file (the input is never replaced)");
    }

    [Test]
    public void A_device_without_end_as_the_model()
    {
        var run = Run("forward", "--model", "/dev/zero");

        AssertMistake(run, "cannot read '/dev/zero': it reports no size but gives more than 64 MiB (a device such as /dev/zero?); give a regular file");
    }

    [Test]
    public void Exporting_a_training_net_to_onnx()
    {
        var run = Run("export", "--model", "net.prototxt", "-o", "net.onnx");

        AssertMistake(run, "net.prototxt(4,1): layer 'data' (HDF5Data): has no ONNX equivalent: no exporter is registered for layer type 'HDF5Data' (loss layers, and data layers other than Input, have none; a plugin registers one with AddOnnxExporter)");
        Assert.That(File.Exists(_folder.File("net.onnx")), Is.False);
    }

    [Test]
    public void Importing_an_onnx_operator_no_caffe_layer_computes()
    {
        var model = new global::Onnx.ModelProto { IrVersion = 8, Graph = new global::Onnx.GraphProto { Name = "g" } };
        model.OpsetImport.Add(new global::Onnx.OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        model.Graph.Input.Add(LayerNet.Onnx.OnnxExport.ValueInfo("x", [1, 2, 3], dynamicBatch: false));
        model.Graph.Output.Add(LayerNet.Onnx.OnnxExport.ValueInfo("y", [1, 3, 2], dynamicBatch: false));
        var node = new global::Onnx.NodeProto { Name = "swap", OpType = "Transpose", Input = { "x" }, Output = { "y" } };
        node.Attribute.Add(new global::Onnx.AttributeProto { Name = "perm", Type = global::Onnx.AttributeProto.Types.AttributeType.Ints, Ints = { 0, 2, 1 } });
        model.Graph.Node.Add(node);
        File.WriteAllBytes(_folder.File("net.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(model));

        var run = Run("import", "net.onnx", "net_from_onnx");

        AssertMistake(run, "net.onnx: node 'swap' (Transpose): no Caffe layer computes it; LayerNet maps ");
        Assert.That(File.Exists(_folder.File("net_from_onnx.prototxt")), Is.False);
    }

    private CommandRun Run(params string[] args) => RunnerProcess.Run(_folder.Path, args);

    /// <summary>Writes net.prototxt's text with one replacement (which must apply) under <paramref name="name"/>.</summary>
    private void WriteNet(string name, string find, string replace)
    {
        var text = File.ReadAllText(_folder.Net);
        Assert.That(text, Does.Contain(find));
        var index = text.IndexOf(find, StringComparison.Ordinal);
        File.WriteAllText(_folder.File(name), string.Concat(text.AsSpan(0, index), replace, text.AsSpan(index + find.Length)));
    }

    /// <summary>A four-iteration solver snapshotting at iteration 2 to <paramref name="prefix"/>.</summary>
    private void WriteSolver(string prefix) =>
        File.WriteAllText(_folder.Solver, string.Create(CultureInfo.InvariantCulture, $"""
            net: "net.prototxt"
            base_lr: 1e-4
            lr_policy: "fixed"
            max_iter: 4
            display: 1
            snapshot: 2
            snapshot_prefix: "{prefix}"
            random_seed: 1701

            """));

    private static void AssertMistake(CommandRun run, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1), $"stdout: {run.Output}\nstderr: {run.Error}");
            Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
            Assert.That(run.Error, Does.StartWith(expected));
            Assert.That(run.Error + run.Output, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"), "no stack trace");
        });
        TestContext.Out.WriteLine(run.Error.TrimEnd());
    }

    private static bool TryMountTmpfs(string folder, string size)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return false;
        }

        return Exec("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder) == 0;
    }

    private static void Unmount(string folder) => Exec("umount", folder);

    private static int Exec(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit(10_000);
            return process.HasExited ? process.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    /// <summary>
    /// Runs layernet under a file size limit (ulimit -f, in KiB for bash) with SIGXFSZ ignored, so that a write
    /// past the limit fails with EFBIG instead of killing the process. W^X is off because the runtime's
    /// double-mapped code pages are files the limit would also cap.
    /// </summary>
    private CommandRun RunWithFileSizeLimit(int bytes, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var command = new StringBuilder($"ulimit -f {bytes / 1024}; trap '' XFSZ; exec \"$0\" \"$@\"");
        var start = new ProcessStartInfo("/bin/bash")
        {
            WorkingDirectory = _folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command.ToString());
        start.ArgumentList.Add(dotnet);
        start.ArgumentList.Add(RunnerProcess.Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("layernet did not exit within 60 s");
        }

        process.WaitForExit();
        return new CommandRun(process.ExitCode, output.Result, error.Result);
    }
}
