using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet --version</c> names the build: the SemVer version that Nerdbank.GitVersioning computed from
/// version.json, then "+" and the commit it was built from (a bug report then names a revision).
/// </summary>
[TestFixture]
public sealed partial class VersionCommandTests
{
    [Test]
    public void Version_prints_the_semantic_version_and_the_commit()
    {
        var run = RunnerProcess.Run(Fixtures.RepositoryRoot, "--version");

        var built = typeof(LayerNetCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        using var versionFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "version.json")));
        var majorMinor = versionFile.RootElement.GetProperty("version").GetString()!;
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.OutputLines, Is.EqualTo(new[] { built }));
            Assert.That(built, Does.Match(SemVerWithCommit()));
            // Only a source archive, with no git to read, builds without the commit (Directory.Build.props).
            Assert.That(built.Contains('+', StringComparison.Ordinal) || built.Contains("-archive", StringComparison.Ordinal), Is.True, built);
            Assert.That(built, Does.StartWith(majorMinor + "."));
        });
    }

    // major.minor.patch, an optional pre-release, and the commit's hexadecimal id as build metadata.
    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9a-f]{10,40})?$")]
    private static partial Regex SemVerWithCommit();
}
