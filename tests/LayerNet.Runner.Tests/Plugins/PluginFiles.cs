using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Plugins;

/// <summary>
/// Where the plugins the tests load are built: each project's own bin/&lt;Configuration&gt;/net10.0 folder, the
/// configuration being the one these tests were built in (read from this assembly's path).
/// </summary>
internal static class PluginFiles
{
    /// <summary>The build configuration of the running tests ("Debug", "Release").</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The sample Softplus plugin.</summary>
    public static string Softplus => Built("samples/plugins/Softplus", "LayerNet.Samples.Softplus.dll");

    /// <summary>The sample's model file.</summary>
    public static string SoftplusNet => Fixtures.InRepository("samples", "plugins", "Softplus", "softplus_net.prototxt");

    /// <summary>The sample's solver file.</summary>
    public static string SoftplusSolver => Fixtures.InRepository("samples", "plugins", "Softplus", "solver.prototxt");

    /// <summary>The sample fork-compatibility plugin (Axpy, BN, pooling_param's ceil_mode).</summary>
    public static string Compat => Built("samples/plugins/Compat", "LayerNet.Samples.Compat.dll");

    /// <summary>The sample SSD plugin (Permute, PriorBox, Normalize, DetectionOutput, MultiBoxLoss).</summary>
    public static string Ssd => Built("samples/plugins/Ssd", "LayerNet.Samples.Ssd.dll");

    /// <summary>A published model file copied into tests/data/zoo (see its SOURCES.tsv).</summary>
    public static string Zoo(string name) => Fixtures.InRepository("tests", "data", "zoo", name);

    /// <summary>A plugin declaring pooling_param's ceil_mode, as Compat does, at another number.</summary>
    public static string ForkField => Fixture("ForkFieldPlugin");

    /// <summary>A plugin whose "Faulty" layer throws in Forward.</summary>
    public static string Faulty => Fixture("FaultyPlugin");

    /// <summary>A plugin registering "InnerProduct" again.</summary>
    public static string Clashing => Fixture("ClashingPlugin");

    /// <summary>An assembly without ILayerPlugin.</summary>
    public static string NoEntry => Fixture("NoEntryPlugin");

    /// <summary>An assembly with two ILayerPlugin classes.</summary>
    public static string TwoEntries => Fixture("TwoEntriesPlugin");

    /// <summary>A plugin built against LayerNet.Framework 99.</summary>
    public static string Incompatible => Fixture("IncompatiblePlugin");

    /// <summary>A plugin whose registration throws its own exception type.</summary>
    public static string Throwing => Fixture("ThrowingPlugin");

    /// <summary>A plugin whose layers cannot be created: a static constructor that throws, a missing service.</summary>
    public static string BrokenLayers => Fixture("BrokenLayersPlugin");

    internal static string Fixture(string name) => Built($"tests/Fixtures/{name}", $"LayerNet.Fixtures.{name}.dll");

    private static string Built(string project, string file) =>
        Fixtures.InRepository([.. project.Split('/'), "bin", Configuration, "net10.0", file]);
}
