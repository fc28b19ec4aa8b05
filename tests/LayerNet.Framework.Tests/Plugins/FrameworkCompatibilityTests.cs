using LayerNet.Plugins;

namespace LayerNet.Framework.Tests.Plugins;

/// <summary>The rule the plugin loader applies to a plugin's LayerNet.Framework reference, on hand-picked versions.</summary>
[TestFixture]
public sealed class FrameworkCompatibilityTests
{
    [TestCase("0.1.0.0", "0.1.0.0")]
    [TestCase("0.1.0.0", "0.1.7.0")]
    [TestCase("1.0.0.0", "1.4.0.0")]
    [TestCase("2.3.0.0", "2.3.0.0")]
    public void A_plugin_of_the_same_line_and_no_newer_loads(string plugin, string host)
    {
        Assert.That(FrameworkCompatibility.Refusal(new Version(plugin), new Version(host)), Is.Null);
    }

    [TestCase("0.1.0.0", "0.2.0.0", "0.2.x")]
    [TestCase("0.2.0.0", "0.1.0.0", "0.1.x")]
    [TestCase("0.9.0.0", "1.0.0.0", "1.x")]
    [TestCase("1.5.0.0", "2.0.0.0", "2.x")]
    [TestCase("99.0.0.0", "0.1.0.0", "0.1.x")]
    public void A_plugin_of_another_line_is_refused_naming_the_line_to_rebuild_against(string plugin, string host, string line)
    {
        var refusal = FrameworkCompatibility.Refusal(new Version(plugin), new Version(host));

        Assert.That(refusal, Is.EqualTo($"built against LayerNet.Framework {plugin}, incompatible with this runner's {host}; rebuild the plugin against LayerNet.Framework {line}"));
    }

    [Test]
    public void A_plugin_built_against_a_later_minor_version_of_the_line_is_refused()
    {
        var refusal = FrameworkCompatibility.Refusal(new Version(1, 3, 0, 0), new Version(1, 2, 0, 0));

        Assert.That(refusal, Is.EqualTo("built against LayerNet.Framework 1.3.0.0, newer than this runner's 1.2.0.0; update layernet, or rebuild the plugin against LayerNet.Framework 1.2"));
    }
}
