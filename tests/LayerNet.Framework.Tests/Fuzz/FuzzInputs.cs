using Caffe;
using LayerNet.Errors;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>The real files the fuzz tests damage, and the checks every result must pass.</summary>
internal static class FuzzInputs
{
    private static readonly Lazy<IReadOnlyList<(string Name, string Text, bool IsSolver)>> Models = new(LoadModels);

    /// <summary>Caffe's 54 example model and solver files (fixtures caffe-prototxt) and the repository's models/**.prototxt.</summary>
    public static IReadOnlyList<(string Name, string Text, bool IsSolver)> ModelFiles => Models.Value;

    /// <summary>
    /// Exceptions that, wrapped inside a LayerNetException, still reveal a bug: the code found out about the mistake
    /// by crashing on it rather than by checking it.
    /// </summary>
    public static bool IsBugType(Exception exception) => exception is IndexOutOfRangeException or NullReferenceException
        or ArgumentException or InvalidCastException or OverflowException or DivideByZeroException or OutOfMemoryException
        or InvalidOperationException or NotImplementedException or StackOverflowException or KeyNotFoundException
        or FormatException or RankException or ArrayTypeMismatchException;

    /// <summary>
    /// Passes when <paramref name="thrown"/> is null or a LayerNetException that tells a user what is wrong without
    /// revealing a crash; fails naming the input otherwise.
    /// </summary>
    public static LayerNetException? AssertUserError(Exception? thrown, Func<string> describeInput)
    {
        if (thrown is null)
        {
            return null;
        }

        if (thrown is not LayerNetException error)
        {
            Assert.Fail($"{thrown.GetType().Name} escaped (only LayerNetException may) for {describeInput()}:\n{thrown}");
            return null;
        }

        // The chain down to the exception a library raised for the bad input (protobuf's, gzip's, an IO error) is ours.
        for (var inner = error.InnerException; inner is not null and not Google.Protobuf.InvalidProtocolBufferException and not IOException and not InvalidDataException; inner = inner.InnerException)
        {
            if (IsBugType(inner))
            {
                Assert.Fail($"the LayerNetException wraps a crash ({inner.GetType().Name}) for {describeInput()}:\n{error}");
            }
        }

        if (error.Message.Contains("internal error", StringComparison.Ordinal))
        {
            Assert.Fail($"an internal error was reported for {describeInput()}:\n{error}");
        }

        return error;
    }

    /// <summary>An input's text for a failure message: at most the first 2000 characters.</summary>
    public static string Excerpt(string text) => text.Length <= 2000 ? text : text[..2000] + $"... ({text.Length} characters)";

    private static List<(string Name, string Text, bool IsSolver)> LoadModels()
    {
        var files = new List<(string, string, bool)>();
        var fixtures = Fixtures.File("caffe-prototxt");
        var kinds = File.ReadAllLines(Path.Combine(fixtures, "INDEX.txt"))
            .Select(line => line.Split(' ', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(fixtures, "*.prototxt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var isSolver = kinds.TryGetValue(name, out var kind) ? kind == SolverParameter.Descriptor.FullName : name.Contains("solver", StringComparison.Ordinal);
            files.Add((name, File.ReadAllText(path), isSolver));
        }

        Assert.That(files, Has.Count.EqualTo(54), $"Caffe's example files in '{fixtures}'");
        foreach (var path in Directory.GetFiles(Fixtures.InRepository("models"), "*.prototxt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(Fixtures.RepositoryRoot, path);
            files.Add((name, File.ReadAllText(path), Path.GetFileName(path).Contains("solver", StringComparison.Ordinal)));
        }

        return files;
    }
}
