using LayerNet.Text;
using Caffe;
using LayerNet.Fillers;
using LayerNet.Nets;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// Nets built from damaged but parseable model files (absurd numbers: 0, -1, 2000000000, 1e309, ...; deleted,
/// duplicated and swapped tokens) and run once forward and backward: a user's mistake is a LayerNetException,
/// and nothing else escapes (no IndexOutOfRange, NullReference, Overflow, OutOfMemory from an absurd shape).
/// </summary>
[TestFixture]
public sealed class NetFuzzTests
{
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(20);

    // Nets that build without data files (Input layers) or with their data copied beside them; small enough to
    // run forward and backward quickly.
    private static readonly string[] BuildableFixtures =
    [
        "examples_mnist_lenet.prototxt",
        "examples_cifar10_cifar10_quick.prototxt",
        "examples_cifar10_cifar10_full.prototxt",
        "examples_net_surgery_conv.prototxt",
        "examples_siamese_mnist_siamese.prototxt",
    ];

    [Test]
    public void Nets_from_mutated_model_files_raise_only_layernet_errors()
    {
        using var folder = new FuzzFolder();
        foreach (var name in new[] { "data.h5", "data.txt" })
        {
            folder.Copy(Fixtures.File("caffe", "two_layer", name));
        }

        var models = new List<(string Name, string Text)>();
        foreach (var name in BuildableFixtures)
        {
            // The siamese net's batch of 10000 is slow, not wrong; 10 exercises the same layers.
            models.Add((name, File.ReadAllText(Fixtures.File("caffe-prototxt", name)).Replace("dim: 10000", "dim: 10", StringComparison.Ordinal)));
        }

        foreach (var path in new[] { "models/lecture/circuit.prototxt", "models/lecture/sigmoid_neuron.prototxt", "models/two_layer/net.prototxt" })
        {
            models.Add((path, File.ReadAllText(Fixtures.InRepository(path.Split('/')))));
        }

        var count = FuzzSettings.Count(150);
        var built = 0;
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 4_000_000 + i;
            var mutator = new Mutator(seed);
            var (name, original) = models[mutator.Random.Next(models.Count)];
            var text = mutator.Random.Next(3) == 0 ? mutator.MutateText(original) : mutator.MutateNumbers(original, buildable: true);
            var path = folder.File("net.prototxt");
            File.WriteAllText(path, text);
            string Describe() => $"{FuzzSettings.Describe(seed)}: {name} with {mutator.Describe()}";
            TextDocument<NetParameter> document;
            try
            {
                document = FuzzServices.Reader.ReadDocument<NetParameter>(path);
            }
            catch (LayerNet.Errors.LayerNetException)
            {
                continue; // Not parseable: the reader's own tests cover this.
            }

            var phase = mutator.Random.Next(2) == 0 ? Phase.Train : Phase.Test;
            var thrown = Watchdog.Run(
                () =>
                {
                    var net = new Net(document.Message, FuzzServices.Layers, new NetOptions { State = new NetState { Phase = phase }, Random = new RandomSource((ulong)seed), Source = document.Source });
                    try
                    {
                        net.ForwardBackward();
                    }
                    finally
                    {
                        foreach (var layer in net.Layers)
                        {
                            (layer as IDisposable)?.Dispose();
                        }
                    }
                },
                TimeBound,
                Describe);
            if (FuzzInputs.AssertUserError(thrown, Describe) is null)
            {
                built++;
            }
        }

        // Most damage in numbers still builds a net: the test exercises layers, not only the reader.
        Assert.That(built, Is.GreaterThan(count / 10));
    }

    [TestCase(2000000000)]
    [TestCase(2147483647)]
    [TestCase(1000000)]
    public void An_absurd_input_shape_is_a_layernet_error(long dim)
    {
        var text = $$"""
            layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 64 dim: {{dim}} } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: {{dim}} } }
            """;
        var (parameter, source) = FuzzServices.Reader.ParseDocument<NetParameter>(text, "net.prototxt");

        var thrown = Watchdog.Run(() => _ = new Net(parameter, FuzzServices.Layers, new NetOptions { Source = source }), TimeBound, () => $"dim {dim}");

        var error = FuzzInputs.AssertUserError(thrown, () => $"dim {dim}");
        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.StartWith("net.prototxt(").And.Contain("'x'").Or.Contain("'ip'"));
    }
}
