using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Api;

/// <summary>
/// The version in version.json against the public API file: removing or changing a member that the last release
/// (api/released/M.m/LayerNet.Framework.txt) had needs a breaking version. PublicApiTests keeps
/// api/LayerNet.Framework.txt equal to the assembly, so together they hold the assembly to its version.
/// </summary>
[TestFixture]
public sealed class ApiVersionTests
{
    private static readonly string[] Released = ["A = public class", "A: void Run()", "A: int Count { get; }"];

    [Test]
    public void The_version_in_version_json_allows_the_public_surface_changes_since_the_last_release()
    {
        var releases = Directory.GetDirectories(Path.Combine(Fixtures.RepositoryRoot, "api", "released"));
        Assert.That(releases, Has.Length.EqualTo(1), "api/released holds exactly one folder, named after the last release's major.minor");

        var released = Version.Parse(Path.GetFileName(releases[0]));
        var releasedApi = File.ReadAllLines(Path.Combine(releases[0], "LayerNet.Framework.txt"));
        var currentApi = File.ReadAllLines(Path.Combine(Fixtures.RepositoryRoot, "api", "LayerNet.Framework.txt"));
        var current = ApiVersionCheck.ReadVersionFile(Path.Combine(Fixtures.RepositoryRoot, "version.json"));

        Assert.That(ApiVersionCheck.Problem(released, releasedApi, current, currentApi), Is.Null);
    }

    [Test]
    public void Added_members_need_no_new_line()
    {
        Assert.That(ApiVersionCheck.Problem(new Version(0, 3), Released, new Version(0, 3), [.. Released, "A: void Stop()"]), Is.Null);
    }

    [TestCase(0, 3, 0, 3)]
    [TestCase(1, 2, 1, 5)]
    public void A_removed_or_changed_member_on_the_same_line_is_named_with_the_version_to_set(int major, int minor, int currentMajor, int currentMinor)
    {
        var changed = new[] { "A = public class", "A: void Run(int times)", "A: int Count { get; }" };

        var problem = ApiVersionCheck.Problem(new Version(major, minor), Released, new Version(currentMajor, currentMinor), changed);

        var next = major == 0 ? $"0.{minor + 1}" : $"{major + 1}.0";
        Assert.That(problem, Does.Contain($"\"version\": \"{next}\"").And.Contain("  - A: void Run()").And.Not.Contain("Run(int times)"));
    }

    [TestCase(0, 4)]
    [TestCase(1, 0)]
    public void A_removed_member_is_allowed_on_a_new_line(int currentMajor, int currentMinor)
    {
        Assert.That(ApiVersionCheck.Problem(new Version(0, 3), Released, new Version(currentMajor, currentMinor), Released[..2]), Is.Null);
    }

    [Test]
    public void A_version_older_than_the_last_release_is_refused()
    {
        Assert.That(ApiVersionCheck.Problem(new Version(1, 2), Released, new Version(1, 1), Released), Does.StartWith("version.json's version 1.1 is older"));
    }

    [TestCase("{\"version\": \"0.1\"}", 0, 1)]
    [TestCase("{\"version\": \"1.2-beta\"}", 1, 2)]
    [TestCase("{\"version\": \"2.5.1\"}", 2, 5)]
    public void Version_json_reads_as_major_and_minor(string json, int major, int minor)
    {
        var path = Path.Combine(Path.GetTempPath(), $"version-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            Assert.That(ApiVersionCheck.ReadVersionFile(path), Is.EqualTo(new Version(major, minor)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
