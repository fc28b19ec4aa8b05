using Caffe;
using LayerNet.Blobs;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Framework.Tests.Solvers;
using LayerNet.Plugins;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Fillers;

/// <summary>
/// The same seed gives Caffe's random numbers bit for bit. The reference numbers came from Boost 1.74 (Debian 12's
/// libboost1.74-dev, which Caffe 1.0 was built against), drawing as Caffe's math_functions.cpp and filler.hpp draw:
/// a small C++ program, <c>g++ -O2 ref.cpp -o ref</c>, run as <c>./ref MODE SEED COUNT ARGS...</c>, printed the first
/// values (as float bits) and an FNV-1a 64 hash of all of them (the little-endian bytes of each value's bits, or of
/// each 0/1 or index as a 32-bit integer). The command for each case is in its comment.
/// </summary>
public sealed class CaffeRandomStreamTests
{
    private const ulong FnvOffset = 1469598103934665603UL;
    private const ulong FnvPrime = 1099511628211UL;

    private static ulong Hash(ulong hash, uint value)
    {
        for (var i = 0; i < 4; i++)
        {
            hash ^= (value >> (8 * i)) & 0xFF;
            hash *= FnvPrime;
        }

        return hash;
    }

    private static ulong Hash(ReadOnlySpan<float> values)
    {
        var hash = FnvOffset;
        foreach (var value in values)
        {
            hash = Hash(hash, BitConverter.SingleToUInt32Bits(value));
        }

        return hash;
    }

    private static uint[] Bits(ReadOnlySpan<float> values, int count) =>
        [.. values[..count].ToArray().Select(BitConverter.SingleToUInt32Bits)];

    private static float[] Draw(int count, Func<float> draw)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = draw();
        }

        return values;
    }

    private static Blob Fill(FillerParameter parameter, ulong seed, params int[] shape)
    {
        var blob = new Blob(shape);
        new Filler(parameter).Fill(blob, new RandomSource(seed));
        return blob;
    }

    [Test]
    public void The_generator_is_mt19937_with_its_seeding()
    {
        // ./ref raw 5489 10000: the 10000th draw from the default seed is mt19937's check value.
        var standard = new RandomSource(5489);
        uint last = 0;
        for (var i = 0; i < 10000; i++)
        {
            last = standard.NextUInt32();
        }

        // ./ref raw 1701 4
        var random = new RandomSource(1701);

        Assert.That(last, Is.EqualTo(4123659995u));
        Assert.That(new[] { random.NextUInt32(), random.NextUInt32(), random.NextUInt32(), random.NextUInt32() }, Is.EqualTo(new[] { 384112814u, 2227967492u, 495543390u, 3464664558u }));
    }

    [Test]
    public void A_seed_counts_by_its_low_32_bits_as_Caffes_unsigned_int()
    {
        Assert.That(new RandomSource((1UL << 32) + 1701).NextUInt32(), Is.EqualTo(384112814u));
        Assert.That(RandomSource.FromSeed(1701).NextUInt32(), Is.EqualTo(384112814u));
    }

    [Test]
    public void Gaussian_draws_are_Boosts_float_ziggurat()
    {
        // ./ref gaussian 1701 1000000 0 1: a million draws pass through the tail and the wedges too.
        var random = new RandomSource(1701);
        var values = Draw(1_000_000, () => random.NextGaussian(0f, 1f));

        Assert.That(Bits(values, 8), Is.EqualTo(new[] { 0xbddfc6d0u, 0xbfd60223u, 0xbe51b0ddu, 0xbf06f32eu, 0xbfa5903eu, 0x3f12a9dbu, 0x3f65eac7u, 0x3f180456u }));
        Assert.That(Hash(values), Is.EqualTo(1073573292745840237UL));
    }

    [Test]
    public void Gaussian_draws_scale_by_std_and_shift_by_mean_in_float()
    {
        // ./ref gaussian 7 100000 0.5 0.01
        var random = new RandomSource(7);
        var values = Draw(100_000, () => random.NextGaussian(0.5f, 0.01f));

        Assert.That(Bits(values, 4), Is.EqualTo(new[] { 0x3f003d19u, 0x3efec393u, 0x3f050d28u, 0x3eff2653u }));
        Assert.That(Hash(values), Is.EqualTo(14944767958778118112UL));
    }

    [Test]
    public void Uniform_draws_are_caffe_rng_uniform_up_to_the_float_after_max()
    {
        // ./ref uniform 1701 100000 -1 1; ./ref uniform 3 100000 0 1; ./ref uniform 5 1000 -0.5 0
        var first = new RandomSource(1701);
        var symmetric = Draw(100_000, () => first.NextUniform(-1f, 1f));
        var second = new RandomSource(3);
        var unit = Draw(100_000, () => second.NextUniform(0f, 1f));
        var third = new RandomSource(5);
        var negative = Draw(1000, () => third.NextUniform(-0.5f, 0f));

        Assert.That(Bits(symmetric, 4), Is.EqualTo(new[] { 0xbf5235cfu, 0x3d1982c0u, 0xbf44ed37u, 0x3f1d052cu }));
        Assert.That(Hash(symmetric), Is.EqualTo(14405969353215390896UL));
        Assert.That(Bits(unit, 4), Is.EqualTo(new[] { 0x3f0d0118u, 0x3d90d836u, 0x3f35492eu, 0x3f5706e9u }));
        Assert.That(Hash(unit), Is.EqualTo(2476841857400669265UL));
        Assert.That(Hash(negative), Is.EqualTo(11550139166796235117UL));
    }

    [Test]
    public void Bernoulli_draws_compare_a_raw_draw_in_float_or_in_double()
    {
        // ./ref bernf 11 100000 0.3 (a sparse filler's float probability); ./ref bernd 13 100000 0.5 and
        // ./ref bernd 13 1000 0.3 (dropout's 1. - ratio, in double)
        static ulong Mask(int count, Func<bool> draw)
        {
            var hash = FnvOffset;
            for (var i = 0; i < count; i++)
            {
                hash = Hash(hash, draw() ? 1u : 0u);
            }

            return hash;
        }

        var single = new RandomSource(11);
        var half = new RandomSource(13);
        var ratio = new RandomSource(13);

        Assert.That(Mask(100_000, () => single.NextBernoulli(0.3f)), Is.EqualTo(14464942355708227795UL));
        Assert.That(Mask(100_000, () => half.NextBernoulli(1.0 - 0.5f)), Is.EqualTo(12769243528193035155UL));
        Assert.That(Mask(1000, () => ratio.NextBernoulli(1.0 - 0.3f)), Is.EqualTo(10584548431623067650UL));
    }

    [Test]
    public void A_bernoulli_of_probability_zero_draws_nothing()
    {
        var random = new RandomSource(1701);

        Assert.That(random.NextBernoulli(0f), Is.False);
        Assert.That(random.NextBernoulli(0.0), Is.False);
        Assert.That(random.NextUInt32(), Is.EqualTo(384112814u));
    }

    [Test]
    public void Shuffle_is_caffe_shuffle_with_boosts_uniform_int()
    {
        // ./ref shuffle 17 1000
        var items = Enumerable.Range(0, 1000).ToArray();
        new RandomSource(17).Shuffle(items.AsSpan());
        var hash = FnvOffset;
        foreach (var item in items)
        {
            hash = Hash(hash, (uint)item);
        }

        Assert.That(items[..8], Is.EqualTo(new[] { 874, 942, 420, 527, 658, 46, 271, 237 }));
        Assert.That(hash, Is.EqualTo(10812269081079186531UL));
    }

    [Test]
    public void A_data_transformers_draw_is_a_raw_draw_modulo_n()
    {
        var random = new RandomSource(1701);

        Assert.That(new[] { random.NextInt(2), random.NextInt(1000), random.NextInt(7) }, Is.EqualTo(new[] { (int)(384112814u % 2), (int)(2227967492u % 1000), (int)(495543390u % 7) }));
    }

    [Test]
    public void The_state_saved_and_restored_replays_the_same_draws()
    {
        var random = new RandomSource(1701);
        for (var i = 0; i < 700; i++)
        {
            random.NextGaussian(0f, 1f);
        }

        var state = random.SaveState();
        var first = Draw(1000, () => random.NextGaussian(0f, 1f));
        var other = new RandomSource(1);
        other.RestoreState(state);

        Assert.That(state, Has.Length.EqualTo(625));
        Assert.That(Draw(1000, () => other.NextGaussian(0f, 1f)), Is.EqualTo(first));
        Assert.Throws<ArgumentException>(() => other.RestoreState(new ulong[4]));
    }

    // ./ref xavier 19 24 2 3 0 (fan_in), ./ref xavier 19 24 2 3 2 (average), ./ref msra 23 24 2 3 0 (fan_in) and
    // ./ref msra 23 24 2 3 1 (fan_out): a 2x3x2x2 blob, scale sqrt(3 / n) or std sqrt(2 / n) computed in float.
    [TestCase("xavier", FillerParameter.Types.VarianceNorm.FanIn, 19UL, 0xbece1013u, 14847521325756469946UL)]
    [TestCase("xavier", FillerParameter.Types.VarianceNorm.Average, 19UL, 0xbee1bb01u, 427176769062959764UL)]
    [TestCase("msra", FillerParameter.Types.VarianceNorm.FanIn, 23UL, 0x3eca0d9au, 16776394132324717857UL)]
    [TestCase("msra", FillerParameter.Types.VarianceNorm.FanOut, 23UL, 0x3ef776aau, 9104307254332827802UL)]
    public void Xavier_and_msra_fill_as_Caffe(string type, FillerParameter.Types.VarianceNorm norm, ulong seed, uint first, ulong hash)
    {
        var blob = Fill(new FillerParameter { Type = type, VarianceNorm = norm }, seed, 2, 3, 2, 2);

        Assert.That(BitConverter.SingleToUInt32Bits(blob.Data[0]), Is.EqualTo(first));
        Assert.That(Hash(blob.Data), Is.EqualTo(hash));
    }

    [Test]
    public void Positive_unitball_fills_as_Caffe()
    {
        // ./ref unitball 29 12 3: uniform(0, 1), then each of the 3 rows divided by its float sum.
        var blob = Fill(new FillerParameter { Type = "positive_unitball" }, 29, 3, 4);

        Assert.That(Bits(blob.Data, 3), Is.EqualTo(new[] { 0x3ec0a420u, 0x3eb289fdu, 0x3dfe2a7eu }));
        Assert.That(Hash(blob.Data), Is.EqualTo(9994831262227483743UL));
    }

    [Test]
    public void A_sparse_gaussian_fills_then_draws_its_mask_as_Caffe()
    {
        // ./ref sparse 31 40 4 2: 40 gaussians, then 40 bernoulli(2 / 4) draws multiplied in (a dropped negative is -0).
        var blob = Fill(new FillerParameter { Type = "gaussian", Std = 1f, Sparse = 2 }, 31, 4, 10);

        Assert.That(Bits(blob.Data, 5), Is.EqualTo(new[] { 0x80000000u, 0x3d5a1a67u, 0x80000000u, 0x80000000u, 0xbfac0abbu }));
        Assert.That(Hash(blob.Data), Is.EqualTo(160197494280729349UL));
    }

    [Test]
    public void The_two_layer_solver_initialises_Caffes_weights_bit_for_bit_from_its_random_seed()
    {
        // Caffe 1.0 wrote init_iter_0.caffemodel from solver.prototxt (random_seed 1701): fc1 100x1000 then fc2
        // 10x100, gaussian std 1, drawn in set-up order from one mt19937.
        using var folder = TemporaryFolder.WithTwoLayer();
        var solverFile = folder.File("solver.prototxt");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        var caffe = MessageFile.ReadBinary<NetParameter>(Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel"), ParameterExtensions.None);

        var checkedValues = 0;
        foreach (var name in new[] { "fc1", "fc2" })
        {
            var expected = caffe.Layer.Single(layer => layer.Name == name).Blobs[0].Data.ToArray();
            var ours = solver.Net.FindLayer(name)!.Blobs[0].Data.ToArray();
            Assert.That(ours, Has.Length.EqualTo(expected.Length), name);
            var differing = Enumerable.Range(0, expected.Length).Count(i => BitConverter.SingleToUInt32Bits(ours[i]) != BitConverter.SingleToUInt32Bits(expected[i]));
            Assert.That(differing, Is.Zero, $"{name}: {differing} of {expected.Length} weights differ from Caffe's");
            checkedValues += expected.Length;
        }

        Assert.That(checkedValues, Is.EqualTo((100 * 1000) + (10 * 100)));
    }

    [Test]
    public void Test_nets_draw_on_from_the_train_nets_stream_as_in_one_Caffe_solver()
    {
        // Caffe seeds once, sets up the train net (fc: 12 gaussians), then the test net (its own fc: 12 more, then
        // the TEST-only probe: 6 uniforms), all from the one generator.
        const string net = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } } }
            layer {
              name: "probe" type: "InnerProduct" bottom: "x" top: "z" include { phase: TEST }
              inner_product_param { num_output: 2 bias_term: false weight_filler { type: "uniform" min: -1 max: 1 } }
            }
            """;
        using var folder = new TemporaryFolder();
        folder.Write("net.prototxt", net);
        var solverFile = folder.Write("solver.prototxt", "net: 'net.prototxt' base_lr: 0.01 lr_policy: 'fixed' max_iter: 1 test_iter: 1 test_interval: 10 random_seed: 42");
        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile);
        var expected = new RandomSource(42);
        var trainWeights = Draw(12, () => expected.NextGaussian(0f, 1f));
        Draw(12, () => expected.NextGaussian(0f, 1f));
        var probeWeights = Draw(6, () => expected.NextUniform(-1f, 1f));

        Assert.That(solver.Net.FindLayer("fc")!.Blobs[0].Data.ToArray(), Is.EqualTo(trainWeights));
        Assert.That(solver.TestNets, Has.Count.EqualTo(1));
        Assert.That(solver.TestNets[0].FindLayer("probe")!.Blobs[0].Data.ToArray(), Is.EqualTo(probeWeights));
    }
}
