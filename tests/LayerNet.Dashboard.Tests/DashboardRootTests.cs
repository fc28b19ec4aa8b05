using LayerNet.Runner.Dashboard;

namespace LayerNet.Dashboard.Tests;

public sealed class DashboardRootTests
{
    private string _outside = "";
    private string _folder = "";

    [SetUp]
    public void CreateFolders()
    {
        _outside = Directory.CreateTempSubdirectory("layernet-outside-").FullName;
        _folder = Directory.CreateTempSubdirectory("layernet-root-").FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "models", "lenet"));
        File.WriteAllText(Path.Combine(_folder, "models", "lenet", "net.prototxt"), "name: 'x'");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret");
    }

    [TearDown]
    public void DeleteFolders()
    {
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [TestCase("models/lenet/net.prototxt")]
    [TestCase("models/../models/lenet/net.prototxt")]
    [TestCase("models/lenet/new-file-to-write.caffemodel")]
    [TestCase("")]
    public void Paths_under_the_root_resolve(string relative)
    {
        var root = new DashboardRoot(_folder);
        Assert.That(root.TryResolve(relative), Is.EqualTo(Path.GetFullPath(Path.Combine(_folder, relative.Length == 0 ? "." : relative))));
    }

    [TestCase("../../etc/passwd")]
    [TestCase("..")]
    [TestCase("models/../../x")]
    [TestCase("/etc/passwd")]
    [TestCase("models\\..\\..\\x")]
    [TestCase("models/lenet/\nnet.prototxt")]
    public void Paths_leaving_the_root_are_refused(string relative)
    {
        var root = new DashboardRoot(_folder);
        Assert.That(root.TryResolve(relative), Is.Null);
        Assert.That(() => root.Resolve(relative), Throws.TypeOf<DashboardPathException>().With.Message.Contains("not a path under"));
    }

    [Test]
    public void A_link_pointing_out_of_the_root_is_refused_with_what_lies_below_it()
    {
        Directory.CreateSymbolicLink(Path.Combine(_folder, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(_folder, "secret.txt"), Path.Combine(_outside, "secret.txt"));
        var root = new DashboardRoot(_folder);
        Assert.That(root.TryResolve("escape"), Is.Null);
        Assert.That(root.TryResolve("escape/secret.txt"), Is.Null);
        Assert.That(root.TryResolve("escape/not-yet.txt"), Is.Null);
        Assert.That(root.TryResolve("secret.txt"), Is.Null);
    }

    [Test]
    public void A_link_inside_the_root_is_followed()
    {
        Directory.CreateSymbolicLink(Path.Combine(_folder, "alias"), Path.Combine(_folder, "models"));
        var root = new DashboardRoot(_folder);
        Assert.That(root.TryResolve("alias/lenet/net.prototxt"), Is.Not.Null);
    }

    [Test]
    public void A_loop_of_links_is_refused_not_followed_for_ever()
    {
        File.CreateSymbolicLink(Path.Combine(_folder, "a"), Path.Combine(_folder, "b"));
        File.CreateSymbolicLink(Path.Combine(_folder, "b"), Path.Combine(_folder, "a"));
        var root = new DashboardRoot(_folder);
        Assert.That(root.TryResolve("a"), Is.Null);
    }
}
