using LayerNet.Plugins;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Api;

/// <summary>
/// The SDK a plugin author sees is a decision: LayerNet.Framework's public surface (every public or protected type and
/// member, except the generated Caffe.* schema types) is checked in as api/LayerNet.Framework.txt, and a change
/// to it fails here until the file is regenerated with the change.
/// </summary>
[TestFixture]
public sealed class PublicApiTests
{
    private const string UpdateVariable = "LAYERNET_UPDATE_API";

    private static string ApprovedFile => Path.Combine(Fixtures.RepositoryRoot, "api", "LayerNet.Framework.txt");

    [Test]
    public void The_public_surface_of_LayerNet_Framework_is_the_approved_one()
    {
        var actual = PublicApi.Lines(typeof(ILayerPlugin).Assembly, excludedNamespace: "Caffe");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ApprovedFile)!);
            // The file is rewritten, then compared as always: the comparison below reads it back.
            File.WriteAllLines(ApprovedFile, actual);
            TestContext.Out.WriteLine($"wrote {ApprovedFile} ({actual.Count} lines)");
        }

        var approved = File.Exists(ApprovedFile) ? File.ReadAllLines(ApprovedFile) : [];
        var added = actual.Except(approved, StringComparer.Ordinal).ToList();
        var removed = approved.Except(actual, StringComparer.Ordinal).ToList();

        Assert.That(
            added.Count + removed.Count,
            Is.Zero,
            $"""
            The public surface of LayerNet.Framework differs from {ApprovedFile}.
            Added:
            {string.Join(Environment.NewLine, added.Select(l => "  + " + l))}
            Removed:
            {string.Join(Environment.NewLine, removed.Select(l => "  - " + l))}
            If the change is intended, regenerate the file and commit it with the change:
              {UpdateVariable}=1 dotnet test tests/LayerNet.Framework.Tests --filter PublicApi
            """);
    }

    [Test]
    public void The_listing_shows_signatures_and_leaves_internal_types_out()
    {
        var lines = PublicApi.Lines(typeof(ILayerPlugin).Assembly, excludedNamespace: "Caffe");

        Assert.That(lines, Does.Contain("LayerNet.Plugins.ILayerPlugin = public interface"));
        Assert.That(lines, Does.Contain("LayerNet.Plugins.ILayerPlugin: abstract void Register(LayerNet.Plugins.LayerNetBuilder builder)"));
        Assert.That(lines, Does.Contain("LayerNet.Plugins.LayerNetBuilder: LayerNet.Plugins.LayerNetBuilder AddLayer<TLayer>(string typeName)"));
        Assert.That(lines.Any(l => l.Contains("RegistrationTable", StringComparison.Ordinal) || l.Contains("PluginLoadContext", StringComparison.Ordinal)), Is.False);
        Assert.That(lines.Any(l => l.StartsWith("Caffe.", StringComparison.Ordinal)), Is.False);
        Assert.That(lines, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
    }
}
