using System.Globalization;
using System.Text;
using LayerNet.Runner.Tests.Commands;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// Seeded hostile attempts on the real executable: a copy of the two-layer fixture (net, solver, weights, HDF5
/// data and its list) with one file damaged as a hostile user or a failing disk would damage it, then one command
/// run on it. Whatever the damage, the command either works (exit 0) or refuses with one line on stderr (exit 1);
/// it never aborts, crashes with a signal, hangs, exceeds the memory bound or prints a stack trace, and no file it
/// was given is changed or lost. CI runs <see cref="DefaultCount"/> attempts from a fixed seed;
/// <c>scripts/hostile.sh</c> runs many more (LAYERNET_HOSTILE_COUNT, LAYERNET_HOSTILE_SEED); a failure names the
/// seed and attempt that reproduce it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HostileFuzzTests
{
    private const int DefaultCount = 24;
    private const int DefaultSeed = 1701;

    private static readonly string[] Targets = ["net.prototxt", "solver.prototxt", "init_iter_0.caffemodel", "data.h5", "data.txt"];

    // The commands tried, each on the fixture's files (paths relative to the folder).
    private static readonly string[][] Commands =
    [
        ["test", "--model", "net.prototxt", "--weights", "init_iter_0.caffemodel", "--iterations", "1"],
        ["train", "--solver", "solver.prototxt"],
        ["forward", "--model", "net.prototxt", "--weights", "init_iter_0.caffemodel", "--blobs", "loss"],
        ["time", "--model", "net.prototxt", "--iterations", "1"],
        ["convert", "net.prototxt", "out.binaryproto", "--type", "NetParameter"],
        ["convert", "init_iter_0.caffemodel", "out.prototxt", "--type", "NetParameter"],
        ["upgrade", "net.prototxt", "upgraded.prototxt"],
        ["draw", "--model", "net.prototxt", "-o", "net.dot"],
    ];

    private static int Count => Setting("LAYERNET_HOSTILE_COUNT", DefaultCount);

    private static int Seed => Setting("LAYERNET_HOSTILE_SEED", DefaultSeed);

    private static IEnumerable<TestCaseData> Attempts() =>
        Enumerable.Range(0, Count).Select(i => new TestCaseData(Seed, i).SetArgDisplayNames($"seed {Seed}, attempt {i}"));

    [TestCaseSource(nameof(Attempts))]
    public void A_damaged_file_is_used_or_refused_in_one_line(int seed, int attempt)
    {
        using var folder = TwoLayerFolder.Create();
        folder.WriteSolver(maxIter: 2, display: 1);
        var random = new Random(HashCode.Combine(seed, attempt));
        var target = Targets[random.Next(Targets.Length)];
        var command = Commands[random.Next(Commands.Length)];
        var damage = Damage(random, folder.File(target));
        var given = Targets.Select(folder.File).ToArray();
        var before = FileSnapshot.Take(folder.Path, given);

        var result = HostileRun.Run(folder.Path, command, watched: given);

        var after = FileSnapshot.Take(folder.Path, given);
        var what = $"seed {seed}, attempt {attempt}: {target} {damage}; layernet {string.Join(' ', command)}";
        Assert.Multiple(() =>
        {
            Assert.That(result.TimedOut, Is.False, $"hung: {what}");
            Assert.That(result.ExitCode, Is.EqualTo(0).Or.EqualTo(1), $"{what}\nstderr: {result.Error}");
            foreach (var marker in new[] { "   at ", "Unhandled exception", "Out of memory.", "Stack overflow.", "Fatal error." })
            {
                Assert.That(result.Error, Does.Not.Contain(marker), what);
            }

            if (result.ExitCode == 1)
            {
                Assert.That(result.ErrorLines, Has.Length.EqualTo(1), $"{what}\nstderr: {result.Error}");
            }

            // Every file that was there is still there, unchanged (outputs are new files).
            var changed = after.Differences(before).Where(line => !line.Contains(": missing -> ", StringComparison.Ordinal));
            Assert.That(changed, Is.Empty, what);
        });
    }

    // Damages the file as one of the hostile families does; returns what was done, for the failure message.
    private static string Damage(Random random, string path)
    {
        var bytes = File.ReadAllBytes(path);
        switch (random.Next(9))
        {
            case 0:
                var cut = random.Next(bytes.Length + 1);
                File.WriteAllBytes(path, bytes[..cut]);
                return $"cut to {cut} of {bytes.Length} bytes";
            case 1:
                var flips = 1 + random.Next(8);
                for (var i = 0; i < flips && bytes.Length > 0; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                File.WriteAllBytes(path, bytes);
                return $"{flips} bits flipped";
            case 2:
                var noise = new byte[1 + random.Next(4096)];
                random.NextBytes(noise);
                var at = random.Next(bytes.Length + 1);
                File.WriteAllBytes(path, [.. bytes[..at], .. noise, .. bytes[at..]]);
                return $"{noise.Length} random bytes inserted at {at}";
            case 3:
                File.WriteAllBytes(path, []);
                return "emptied";
            case 4:
                File.Delete(path);
                File.CreateSymbolicLink(path, "/dev/zero");
                return "replaced by a link to /dev/zero";
            case 5:
                File.Delete(path);
                Directory.CreateDirectory(path);
                return "replaced by a folder";
            case 6:
                var token = new string('x', 1 << (16 + random.Next(6)));
                var place = random.Next(bytes.Length + 1);
                File.WriteAllBytes(path, [.. bytes[..place], .. Encoding.ASCII.GetBytes(" " + token + " "), .. bytes[place..]]);
                return $"a {token.Length}-character word inserted at {place}";
            case 7:
                var depth = 1000 * (1 + random.Next(100));
                var nested = new StringBuilder();
                nested.Insert(0, "layer { ", depth);
                File.WriteAllText(path, nested.ToString());
                return $"{depth} nested messages";
            default:
                File.Delete(path);
                File.CreateSymbolicLink(path, Path.GetFileName(path));
                return "replaced by a link to itself";
        }
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
