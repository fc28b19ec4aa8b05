using Caffe;
using LayerNet.Errors;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// The prototxt reader's promise, tried on damaged real model files and on random text: whatever the input, it
/// either reads it or raises a LayerNetException with a file(line,col) position, never anything else, and it
/// answers within a time bound.
/// </summary>
[TestFixture]
public sealed class PrototxtFuzzTests
{
    private const string FileName = "fuzz.prototxt";
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(5);

    [Test]
    public void Every_unmodified_model_file_parses()
    {
        foreach (var (name, text, isSolver) in FuzzInputs.ModelFiles)
        {
            Assert.DoesNotThrow(() => Parse(text, isSolver), name);
        }
    }

    [Test]
    public void Mutated_model_files_raise_only_positioned_reader_errors()
    {
        var files = FuzzInputs.ModelFiles;
        var count = FuzzSettings.Count(1500);
        var rejected = 0;
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + i;
            var mutator = new Mutator(seed);
            var (name, original, isSolver) = files[mutator.Random.Next(files.Count)];
            var text = mutator.MutateText(original);
            rejected += Check(text, isSolver, () => $"{FuzzSettings.Describe(seed)}: {name} with {mutator.Describe()}\n{FuzzInputs.Excerpt(text)}");
        }

        // The mutations must mostly break the files, or the test tries little.
        Assert.That(rejected, Is.GreaterThan(count / 3));
    }

    [Test]
    public void Absurd_numbers_in_model_files_raise_only_positioned_reader_errors()
    {
        var files = FuzzInputs.ModelFiles;
        var count = FuzzSettings.Count(500);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 1_000_000 + i;
            var mutator = new Mutator(seed);
            var (name, original, isSolver) = files[mutator.Random.Next(files.Count)];
            var text = mutator.MutateNumbers(original);
            Check(text, isSolver, () => $"{FuzzSettings.Describe(seed)}: {name} with {mutator.Describe()}\n{FuzzInputs.Excerpt(text)}");
        }
    }

    [Test]
    public void Random_text_raises_only_positioned_reader_errors()
    {
        var count = FuzzSettings.Count(1500);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 2_000_000 + i;
            var mutator = new Mutator(seed);
            var text = mutator.RandomText();
            Check(text, isSolver: (seed & 1) == 0, () => $"{FuzzSettings.Describe(seed)}: random text\n{FuzzInputs.Excerpt(text)}");
        }
    }

    [Test]
    public void Very_deep_nesting_is_an_error_not_a_stack_overflow()
    {
        foreach (var opening in new[] { "layer { ", "layer < ", "layer { include ", "a { " })
        {
            var text = string.Concat(Enumerable.Repeat(opening, 100_000));
            var error = Check(text, isSolver: false, () => $"'{opening}' x 100000");
            Assert.That(error, Is.EqualTo(1), opening);
        }
    }

    [Test]
    public void Mutated_files_read_from_disk_name_the_file()
    {
        using var folder = new FuzzFolder();
        var files = FuzzInputs.ModelFiles;
        var count = FuzzSettings.Count(200);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 3_000_000 + i;
            var mutator = new Mutator(seed);
            var (name, original, isSolver) = files[mutator.Random.Next(files.Count)];
            var path = folder.File(Path.GetFileName(name));
            var bytes = mutator.MutateBytes(System.Text.Encoding.UTF8.GetBytes(original));
            File.WriteAllBytes(path, bytes);
            string Describe() => $"{FuzzSettings.Describe(seed)}: {name} with {mutator.Describe()}";
            var thrown = Watchdog.Run(
                () =>
                {
                    if (isSolver)
                    {
                        _ = FuzzServices.Reader.ReadDocument<SolverParameter>(path);
                    }
                    else
                    {
                        _ = FuzzServices.Reader.ReadDocument<NetParameter>(path);
                    }
                },
                TimeBound,
                Describe);
            var error = FuzzInputs.AssertUserError(thrown, Describe);
            if (error is not null)
            {
                Assert.That(error.Position, Is.Not.Null, Describe);
                Assert.That(error.Message, Does.StartWith($"{path}(").And.Not.Contain('\n'), Describe);
            }
        }
    }

    // Returns 1 when the text was rejected (with a checked error), 0 when it parsed.
    private static int Check(string text, bool isSolver, Func<string> describe)
    {
        var thrown = Watchdog.Run(() => Parse(text, isSolver), TimeBound, describe);
        var error = FuzzInputs.AssertUserError(thrown, describe);
        if (error is null)
        {
            return 0;
        }

        Assert.That(error.Position, Is.Not.Null, describe);
        var position = error.Position!.Value;
        Assert.Multiple(() =>
        {
            Assert.That(position.File, Is.EqualTo(FileName), describe);
            Assert.That(position.Line, Is.InRange(1, text.Count(c => c == '\n') + 1), describe);
            Assert.That(position.Column, Is.GreaterThanOrEqualTo(1), describe);
            Assert.That(error.Message, Does.StartWith($"{FileName}({position.Line},{position.Column}): "), describe);
        });
        return 1;
    }

    private static void Parse(string text, bool isSolver)
    {
        if (isSolver)
        {
            FuzzServices.Reader.Parse<SolverParameter>(text, FileName);
        }
        else
        {
            FuzzServices.Reader.Parse<NetParameter>(text, FileName);
        }
    }
}
