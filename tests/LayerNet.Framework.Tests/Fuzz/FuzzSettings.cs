using System.Globalization;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// How many inputs each fuzz test tries and from which seed: a fixed seed and a small count by default, so CI is
/// repeatable and quick; <c>LAYERNET_FUZZ_COUNT</c> and <c>LAYERNET_FUZZ_SEED</c> ask for a longer or different run
/// (scripts/fuzz.sh).
/// </summary>
internal static class FuzzSettings
{
    /// <summary>The base seed; input <c>i</c> of a test is generated from <c>Seed + i</c>.</summary>
    public static int Seed { get; } = Read("LAYERNET_FUZZ_SEED", 1701);

    /// <summary>LAYERNET_FUZZ_COUNT: the number of inputs every fuzz test tries instead of its CI count; 0 when unset.</summary>
    private static int Override { get; } = Math.Max(0, Read("LAYERNET_FUZZ_COUNT", 0));

    /// <summary>The number of inputs a test tries: <paramref name="ciCount"/>, or LAYERNET_FUZZ_COUNT when set.</summary>
    public static int Count(int ciCount) => Override > 0 ? Override : ciCount;

    /// <summary>A description of the settings, for failure messages.</summary>
    public static string Describe(int inputSeed) =>
        $"input seed {inputSeed} (LAYERNET_FUZZ_SEED={Seed}, index {inputSeed - Seed})";

    private static int Read(string variable, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
