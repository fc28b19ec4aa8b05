using System.Diagnostics;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// Issue 15, outputs: every file a command writes, when its path names something other than a regular file. A
/// character device is written in place, a FIFO in place when something reads it (refused, never waited on, when
/// nothing does), a link is written through and stays a link, a folder is refused; an output that is an input is
/// refused; a missing folder is one line.
/// </summary>
[TestFixture]
public sealed class OutputTests
{
    private const string TinyNet = """
        name: "tiny"
        layer {
          name: "data"
          type: "Input"
          top: "data"
          input_param { shape { dim: 1 dim: 2 } }
        }

        """;

    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-outputs-").FullName;
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), TinyNet);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Convert_onto_dev_full_writes_in_place_and_says_no_space()
    {
        var result = HostileRun.Run(_folder, ["convert", "net.prototxt", "/dev/full"], watched: ["/dev/full"]);

        result.AssertRefused("cannot write '/dev/full': No space left on device");
        Assert.That(FileSnapshot.Kind("/dev/full"), Is.EqualTo("char device"));
    }

    [Test]
    public void Convert_onto_a_fifo_nothing_reads_is_refused_at_once()
    {
        MakeFifo("out.prototxt");

        var result = HostileRun.Run(_folder, ["convert", "net.prototxt", "out.prototxt"], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused("cannot write 'out.prototxt': it is a FIFO and nothing reads it; start the reader first, or give a file");
        Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "out.prototxt")), Is.EqualTo("fifo"));
    }

    [Test]
    public void Convert_onto_a_fifo_that_is_read_writes_into_it()
    {
        var fifo = MakeFifo("out.prototxt");

        // Opened for reading and writing, a FIFO never blocks its opener and counts as a reader.
        using var reader = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        var result = HostileRun.Run(_folder, ["convert", "net.prototxt", "out.prototxt"], limit: TimeSpan.FromSeconds(30));
        result.AssertSucceeded();
        var buffer = new byte[65_536];
        var read = Task.Run(() => reader.Read(buffer));

        Assert.Multiple(() =>
        {
            Assert.That(read.Wait(TimeSpan.FromSeconds(10)), Is.True, "nothing was written into the FIFO");
            Assert.That(System.Text.Encoding.UTF8.GetString(buffer, 0, read.Result), Does.Contain("name: \"tiny\""));
            Assert.That(FileSnapshot.Kind(fifo), Is.EqualTo("fifo"));
            Assert.That(Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName), Is.EquivalentTo(new[] { "net.prototxt", "out.prototxt" }));
        });
    }

    [Test]
    public void Convert_onto_a_link_writes_through_it_and_the_link_stays()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "models"));
        File.WriteAllText(Path.Combine(_folder, "models", "real.prototxt"), "old");
        File.CreateSymbolicLink(Path.Combine(_folder, "second.prototxt"), "models/real.prototxt");
        File.CreateSymbolicLink(Path.Combine(_folder, "out.prototxt"), "second.prototxt");

        var result = HostileRun.Run(_folder, ["convert", "net.prototxt", "out.prototxt"]);

        result.AssertSucceeded();
        Assert.Multiple(() =>
        {
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "out.prototxt")), Is.EqualTo("link"));
            Assert.That(new FileInfo(Path.Combine(_folder, "out.prototxt")).LinkTarget, Is.EqualTo("second.prototxt"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "second.prototxt")), Is.EqualTo("link"));
            Assert.That(File.ReadAllText(Path.Combine(_folder, "models", "real.prototxt")), Does.Contain("name: \"tiny\""));
            Assert.That(Directory.GetFileSystemEntries(Path.Combine(_folder, "models")), Has.Length.EqualTo(1), "a temporary file was left");
            Assert.That(Directory.GetFileSystemEntries(_folder), Has.Length.EqualTo(4), "a temporary file was left");
        });
    }

    [Test]
    public void Convert_onto_a_folder_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "out"));

        var result = HostileRun.Run(_folder, ["convert", "net.prototxt", "out"]);

        result.AssertRefused("cannot write 'out': it is a folder, expected a file");
    }

    [Test]
    public void Plot_through_a_link_onto_dev_full_writes_in_place_and_says_no_space()
    {
        File.Copy(Fixtures.File("caffe", "two_layer", "caffe_train.log"), Path.Combine(_folder, "train.log"));
        File.CreateSymbolicLink(Path.Combine(_folder, "full.png"), "/dev/full");

        var result = HostileRun.Run(_folder, ["plot", "train.log", "-o", "full.png"], watched: ["/dev/full"]);

        result.AssertRefused("cannot write 'full.png': No space left on device");
    }

    [Test]
    public void Plot_onto_a_fifo_nothing_reads_is_refused_at_once()
    {
        File.Copy(Fixtures.File("caffe", "two_layer", "caffe_train.log"), Path.Combine(_folder, "train.log"));
        MakeFifo("curves.svg");

        var result = HostileRun.Run(_folder, ["plot", "train.log", "-o", "curves.svg"], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused("cannot write 'curves.svg': it is a FIFO and nothing reads it");
    }

    [Test]
    public void Plot_into_a_missing_folder_is_one_line()
    {
        File.Copy(Fixtures.File("caffe", "two_layer", "caffe_train.log"), Path.Combine(_folder, "train.log"));

        var result = HostileRun.Run(_folder, ["plot", "train.log", "-o", "missing/curves.png"]);

        result.AssertRefused($"cannot write 'missing/curves.png': folder '{Path.Combine(_folder, "missing")}' does not exist");
    }

    [Test]
    public void Plot_onto_its_own_log_is_refused()
    {
        File.Copy(Fixtures.File("caffe", "two_layer", "caffe_train.log"), Path.Combine(_folder, "train.svg"));
        File.CreateSymbolicLink(Path.Combine(_folder, "curves.png"), "train.svg");

        AssertRefused(["plot", "train.svg", "-o", "train.svg"], "-o 'train.svg' is the training log 'train.svg'; write to another file (the input is never replaced)");
        AssertRefused(["plot", "train.svg", "-o", "curves.png"], "-o 'curves.png' is the training log 'train.svg'; write to another file (the input is never replaced)");
    }

    [Test]
    public void Train_plot_onto_its_solver_net_or_log_is_refused()
    {
        using var folder = TwoLayerFolder.Create();
        folder.WriteSolver(maxIter: 2, display: 1);
        File.CreateSymbolicLink(folder.File("solver.png"), "solver.prototxt");
        File.CreateSymbolicLink(folder.File("net.svg"), "net.prototxt");
        File.CreateSymbolicLink(folder.File("weights.png"), "init_iter_0.caffemodel");
        File.WriteAllText(folder.File("log.png"), string.Empty);

        var solver = HostileRun.Run(folder.Path, ["train", "--solver", "solver.prototxt", "--plot", "solver.png"]);
        var net = HostileRun.Run(folder.Path, ["train", "--solver", "solver.prototxt", "--plot", "net.svg"]);
        var weights = HostileRun.Run(folder.Path, ["train", "--solver", "solver.prototxt", "--weights", "init_iter_0.caffemodel", "--plot", "weights.png"]);
        var log = HostileRun.Run(folder.Path, ["train", "--solver", "solver.prototxt", "--plot", "log.png"], redirect: ">log.png");

        solver.AssertRefused("--plot 'solver.png' is the solver file 'solver.prototxt'; write to another file (the input is never replaced)");
        net.AssertRefused("--plot 'net.svg' is the net file 'net.prototxt'; write to another file (the input is never replaced)");
        weights.AssertRefused("--plot 'weights.png' is the weights file 'init_iter_0.caffemodel'; write to another file (the input is never replaced)");
        log.AssertRefused($"--plot 'log.png' is the training log (standard output) '{folder.File("log.png")}'");
    }

    [Test]
    public void Idx_to_images_list_through_a_link_onto_dev_full_says_no_space()
    {
        // Two 2x2 images and their labels, as IDX files (magic 0x0803 and 0x0801, big-endian sizes).
        File.WriteAllBytes(Path.Combine(_folder, "images.idx"), [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllBytes(Path.Combine(_folder, "labels.idx"), [0, 0, 8, 1, 0, 0, 0, 2, 3, 9]);
        File.CreateSymbolicLink(Path.Combine(_folder, "list.txt"), "/dev/full");
        var pictures = Directory.CreateTempSubdirectory("layernet-outputs-pictures-").FullName;
        try
        {
            var result = HostileRun.Run(_folder, ["idx-to-images", "images.idx", "labels.idx", pictures, "list.txt"], watched: ["/dev/full"]);

            result.AssertRefused("cannot write 'list.txt': No space left on device");
            Assert.That(Directory.GetFiles(pictures), Has.Length.EqualTo(2));
        }
        finally
        {
            Directory.Delete(pictures, recursive: true);
        }
    }

    [Test]
    public void Compute_image_mean_onto_its_database_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "db"));
        File.WriteAllText(Path.Combine(_folder, "db", "data.mdb"), "records");

        AssertRefused(["compute-image-mean", "db", "db/data.mdb"], "OUTPUT 'db/data.mdb' is inside the database 'db'; write to another file (the input is never replaced)");
        AssertRefused(["compute-image-mean", "db", "db"], "OUTPUT 'db' is the database 'db'; write to another file (the input is never replaced)");
    }

    [Test]
    public void Layers_onto_a_full_device_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["layers"], watched: ["/dev/full"], redirect: ">/dev/full");

        result.AssertRefused("cannot write standard output: No space left on device");
    }

    [Test]
    public void Layers_with_standard_output_closed_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["layers"], redirect: ">&-");

        result.AssertRefused("cannot write standard output: Bad file descriptor");
    }

    [Test]
    public void Forward_json_onto_a_full_device_is_one_line()
    {
        var result = HostileRun.Run(_folder, ["forward", "--model", "net.prototxt", "--json"], watched: ["/dev/full"], redirect: ">/dev/full");

        result.AssertRefused("cannot write standard output: No space left on device");
    }

    [Test]
    public void Train_onto_a_full_device_is_one_line()
    {
        using var folder = TwoLayerFolder.Create();
        folder.WriteSolver(maxIter: 2, display: 1);

        var result = HostileRun.Run(folder.Path, ["train", "--solver", "solver.prototxt"], watched: ["/dev/full"], redirect: ">/dev/full");

        result.AssertRefused("cannot write standard output: No space left on device");
    }

    [Test]
    public void A_mistyped_command_is_one_line_with_the_nearest()
    {
        AssertRefused(["trian", "--solver", "solver.prototxt"], "unknown command 'trian'; did you mean 'train'?");
        AssertRefused(["xyzzy"], "unknown command 'xyzzy'; the commands are convert, upgrade, forward, train, ");
    }

    [Test]
    public void A_newline_in_a_layer_name_is_shown_escaped()
    {
        File.WriteAllText(Path.Combine(_folder, "bad.prototxt"), """
            layer {
              name: "a\nb"
              type: "InnerProduct"
              bottom: "missing"
              top: "out"
              inner_product_param { num_output: 1 }
            }

            """);

        var result = HostileRun.Run(_folder, ["forward", "--model", "bad.prototxt"]);

        result.AssertRefused("layer 'a\\nb'");
    }

    [Test]
    public void Control_characters_in_a_path_are_shown_escaped()
    {
        AssertRefused(["convert", "no\nsuch.prototxt", "out.prototxt"], "cannot read 'no\\nsuch.prototxt': no such file");
        AssertRefused(["convert", "\u001b[31mred.prototxt", "out.prototxt"], "cannot read '\\x1b[31mred.prototxt': no such file");
    }

    [Test]
    public void One_line_escapes_every_control_character()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LayerNetCommandLine.OneLine("plain 'text' é"), Is.EqualTo("plain 'text' é"));
            Assert.That(LayerNetCommandLine.OneLine("a\nb\tc\rd\u001be\u007ff\u0085"), Is.EqualTo("a\\nb\\tc\\rd\\x1be\\x7ff\\x85"));
        });
    }

    [Test]
    public void The_writer_goes_through_a_chain_of_links_and_creates_a_dangling_links_target()
    {
        File.CreateSymbolicLink(Path.Combine(_folder, "b"), "c.bin");
        File.CreateSymbolicLink(Path.Combine(_folder, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(_folder, "dangling"), "made.bin");

        MessageFile.WriteAtomic(Path.Combine(_folder, "a"), [1, 2, 3]);
        MessageFile.WriteAtomic(Path.Combine(_folder, "dangling"), [4]);

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(Path.Combine(_folder, "c.bin")), Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(File.ReadAllBytes(Path.Combine(_folder, "made.bin")), Is.EqualTo(new byte[] { 4 }));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "a")), Is.EqualTo("link"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "b")), Is.EqualTo("link"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "dangling")), Is.EqualTo("link"));
        });
    }

    [Test]
    public void The_writer_writes_a_device_in_place_and_refuses_what_it_cannot_write()
    {
        MakeFifo("pipe");
        Directory.CreateDirectory(Path.Combine(_folder, "dir"));
        File.CreateSymbolicLink(Path.Combine(_folder, "loop"), "loop");

        MessageFile.WriteAtomic("/dev/zero", [1, 2, 3]);
        var clock = Stopwatch.StartNew();
        var fifo = Assert.Throws<LayerNetException>(() => MessageFile.WriteAtomic(Path.Combine(_folder, "pipe"), [1]));
        var elapsed = clock.Elapsed;
        var full = Assert.Throws<LayerNetException>(() => MessageFile.WriteAtomic("/dev/full", [1]));
        var folder = Assert.Throws<LayerNetException>(() => MessageFile.WriteAtomic(Path.Combine(_folder, "dir"), [1]));
        var loop = Assert.Throws<LayerNetException>(() => MessageFile.WriteAtomic(Path.Combine(_folder, "loop"), [1]));
        var missing = Assert.Throws<LayerNetException>(() => MessageFile.WriteAtomic(Path.Combine(_folder, "none", "x"), [1]));

        Assert.Multiple(() =>
        {
            Assert.That(FileSnapshot.Kind("/dev/zero"), Is.EqualTo("char device"));
            Assert.That(FileSnapshot.Kind("/dev/full"), Is.EqualTo("char device"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "pipe")), Is.EqualTo("fifo"));
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(fifo!.Message, Does.Contain("it is a FIFO and nothing reads it"));
            Assert.That(full!.Message, Is.EqualTo("cannot write '/dev/full': No space left on device"));
            Assert.That(folder!.Message, Does.EndWith("dir': it is a folder, expected a file"));
            Assert.That(loop!.Message, Does.StartWith($"cannot write '{Path.Combine(_folder, "loop")}': "));
            Assert.That(missing!.Message, Is.EqualTo($"cannot write '{Path.Combine(_folder, "none", "x")}': folder '{Path.Combine(_folder, "none")}' does not exist"));
            Assert.That(Directory.GetFileSystemEntries(_folder), Has.Length.EqualTo(4));
        });
    }

    private void AssertRefused(string[] args, string expected) => HostileRun.Run(_folder, args).AssertRefused(expected);

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_folder, name);
        using var process = Process.Start("mkfifo", [path]);
        process.WaitForExit();
        Assert.That(FileSnapshot.Kind(path), Is.EqualTo("fifo"), "mkfifo failed");
        return path;
    }
}
