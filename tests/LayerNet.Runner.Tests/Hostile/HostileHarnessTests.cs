namespace LayerNet.Runner.Tests.Hostile;

/// <summary>The hostile harness itself: it sees kinds of files, changes to them, and a refusal as the issue defines one.</summary>
[TestFixture]
public sealed class HostileHarnessTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-hostile-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void The_snapshot_tells_kinds_apart_and_sees_a_change()
    {
        var file = Path.Combine(_folder, "a.txt");
        File.WriteAllText(file, "one");
        File.CreateSymbolicLink(Path.Combine(_folder, "link"), file);
        var before = FileSnapshot.Take(_folder, ["/dev/full"]);
        File.WriteAllText(file, "two");
        var after = FileSnapshot.Take(_folder, ["/dev/full"]);

        Assert.Multiple(() =>
        {
            Assert.That(FileSnapshot.Kind("/dev/full"), Is.EqualTo("char device"));
            Assert.That(FileSnapshot.Kind(_folder), Is.EqualTo("folder"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "link")), Is.EqualTo("link"));
            Assert.That(FileSnapshot.Kind(Path.Combine(_folder, "none")), Is.EqualTo("missing"));
            Assert.That(after.Differences(before), Has.Count.EqualTo(1).And.Some.StartsWith(file + ": file 3 "));
        });
    }

    [Test]
    public void A_missing_solver_is_a_refusal_under_the_memory_bound()
    {
        var result = HostileRun.Run(_folder, ["train", "--solver", "missing_solver.prototxt"]);

        result.AssertRefused("cannot read 'missing_solver.prototxt': no such file");
    }
}
