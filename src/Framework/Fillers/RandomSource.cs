namespace LayerNet.Fillers;

/// <summary>
/// The seeded generator behind every random draw (fillers, dropout, shuffling): xoshiro256** seeded
/// through SplitMix64. The same seed gives the same sequence on every machine and .NET version, so
/// the same random_seed gives the same run, bit for bit. Its whole state can be saved and restored.
/// </summary>
public sealed class RandomSource
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double? _spareGaussian;

    /// <summary>Creates a generator from a seed.</summary>
    public RandomSource(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>A generator seeded from the clock, for runs without a random_seed (as Caffe's default -1).</summary>
    public static RandomSource FromClock() => new((ulong)DateTime.UtcNow.Ticks ^ (ulong)Environment.ProcessId);

    /// <summary>A generator for a solver's random_seed: non-negative seeds are used as they are, negative ones mean "from the clock".</summary>
    public static RandomSource FromSeed(long seed) => seed >= 0 ? new RandomSource((ulong)seed) : FromClock();

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1), 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [min, max).</summary>
    public float NextUniform(float min, float max) => (float)(min + ((max - min) * NextDouble()));

    /// <summary>An integer uniform in [0, bound).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)((NextUInt64() >> 33) % (ulong)bound);
    }

    /// <summary>A normal draw with the given mean and standard deviation (Box-Muller, pairs cached).</summary>
    public float NextGaussian(float mean, float std)
    {
        double z;
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            z = spare;
        }
        else
        {
            double u1;
            do
            {
                u1 = NextDouble();
            }
            while (u1 <= double.Epsilon);

            var u2 = NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            z = radius * Math.Cos(2.0 * Math.PI * u2);
            _spareGaussian = radius * Math.Sin(2.0 * Math.PI * u2);
        }

        return (float)(mean + (std * z));
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool NextBernoulli(double p) => NextDouble() < p;

    /// <summary>The generator's state, for snapshots.</summary>
    public ulong[] SaveState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state from <see cref="SaveState"/>.</summary>
    public void RestoreState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4)
        {
            throw new ArgumentException("a RandomSource state has 4 words", nameof(state));
        }

        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _spareGaussian = null;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
