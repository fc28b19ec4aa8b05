namespace LayerNet.Fillers;

/// <summary>
/// The seeded generator behind every random draw (fillers, dropout, shuffling): Caffe's <c>caffe::rng_t</c>, a
/// Boost <c>mt19937</c>, with Boost.Random 1.74's distributions as Caffe calls them, so that the same seed gives
/// Caffe's numbers bit for bit: <see cref="NextUInt32"/> is <c>caffe_rng_rand</c>, <see cref="NextUniform"/>
/// <c>caffe_rng_uniform</c>, <see cref="NextGaussian"/> <c>caffe_rng_gaussian</c> (Boost's ziggurat, in float),
/// <see cref="NextBernoulli(float)"/> <c>caffe_rng_bernoulli</c>, <see cref="NextInt"/> a data transformer's
/// <c>Rand(n)</c> and <see cref="Shuffle{T}"/> <c>caffe::shuffle</c>. Its whole state can be saved and restored.
/// </summary>
/// <remarks>
/// Every step is in float where Boost computes in float, in the same order, without fused multiply-adds; where Boost
/// compares a float with a double table entry, so does this. A Caffe run seeds one generator with the solver's
/// random_seed and every layer draws from it in set-up order, then in forward order (a dropout mask).
/// </remarks>
public sealed class RandomSource
{
    private const int StateWords = 624;
    private const int MiddleWord = 397;

    // 2^-32 and 2^-24: Boost divides a 32-bit draw by (max - min) + 1, and scales the 24 high bits of a ziggurat draw.
    private const float InverseTwoPow32 = 1f / 4294967296f;
    private const float InverseTwoPow24 = 1f / 16777216f;

    private readonly uint[] _state = new uint[StateWords];
    private int _index;

    /// <summary>
    /// Creates a generator from a seed, as <c>Caffe::set_random_seed</c> does: Caffe takes an unsigned int, so only
    /// the seed's low 32 bits count.
    /// </summary>
    public RandomSource(ulong seed)
    {
        var x = unchecked((uint)seed);
        _state[0] = x;
        for (var i = 1; i < StateWords; i++)
        {
            x = unchecked((1812433253u * (x ^ (x >> 30))) + (uint)i);
            _state[i] = x;
        }

        _index = StateWords;
    }

    /// <summary>A generator seeded from the clock, for runs without a random_seed (as Caffe's default -1).</summary>
    public static RandomSource FromClock() => new((ulong)DateTime.UtcNow.Ticks ^ (ulong)Environment.ProcessId);

    /// <summary>
    /// A generator for a solver's random_seed: a non-negative seed is used as Caffe uses it (its low 32 bits), a
    /// negative one means "from the clock".
    /// </summary>
    public static RandomSource FromSeed(long seed) => seed >= 0 ? new RandomSource((ulong)seed) : FromClock();

    /// <summary>
    /// How many raw 32-bit draws this generator has made (or passed over, <see cref="Discard"/>) since it was seeded or
    /// restored: every distribution draws through <see cref="NextUInt32"/>.
    /// </summary>
    public long Draws { get; private set; }

    /// <summary>
    /// Passes over the next <paramref name="count"/> raw draws without making them: the generator is then where
    /// <paramref name="count"/> calls of <see cref="NextUInt32"/> would leave it (one twist per 624 draws passed).
    /// </summary>
    public void Discard(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Draws += count;
        while (count > 0)
        {
            if (_index >= StateWords)
            {
                Twist();
            }

            var step = (int)Math.Min(count, StateWords - _index);
            _index += step;
            count -= step;
        }
    }

    /// <summary>The next raw 32-bit draw (<c>caffe_rng_rand</c>); Caffe seeds a data layer's own generators with it.</summary>
    public uint NextUInt32()
    {
        if (_index >= StateWords)
        {
            Twist();
        }

        Draws++;
        var z = _state[_index++];
        z ^= z >> 11;
        z ^= (z << 7) & 0x9D2C5680u;
        z ^= (z << 15) & 0xEFC60000u;
        z ^= z >> 18;
        return z;
    }

    /// <summary>
    /// A uniform float in [min, max], as <c>caffe_rng_uniform</c>: Boost's <c>uniform_real</c> over [min, the float
    /// after max), one draw per try.
    /// </summary>
    public float NextUniform(float min, float max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"a uniform draw needs min <= max, got {min} and {max}", nameof(min));
        }

        return UniformReal(min, max == float.MaxValue ? max : MathF.BitIncrement(max));
    }

    /// <summary>
    /// An integer in [0, bound) as a Caffe data transformer's <c>Rand(n)</c> draws it: one raw draw modulo
    /// <paramref name="bound"/>.
    /// </summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(NextUInt32() % (uint)bound);
    }

    /// <summary>An integer uniform in [0, max] as Boost's <c>uniform_int</c> draws it (no draw when max is 0).</summary>
    public int NextUniformInt(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0)
        {
            return 0;
        }

        // Boost splits the 2^32 raw values into max + 1 equal buckets and rejects the draws past the last one.
        var range = (uint)max;
        var bucketSize = uint.MaxValue / (range + 1);
        if (uint.MaxValue % (range + 1) == range)
        {
            bucketSize++;
        }

        while (true)
        {
            var result = NextUInt32() / bucketSize;
            if (result <= range)
            {
                return (int)result;
            }
        }
    }

    /// <summary>Shuffles the items in place as <c>caffe::shuffle</c> does (from the last item down, Boost's <c>uniform_int</c>).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextUniformInt(i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// A normal draw with the given mean and standard deviation, as <c>caffe_rng_gaussian</c>: Boost's float ziggurat,
    /// then <c>z * std + mean</c> in float.
    /// </summary>
    public float NextGaussian(float mean, float std) => (UnitNormal() * std) + mean;

    /// <summary>True with probability <paramref name="p"/>, as Boost's <c>bernoulli_distribution&lt;float&gt;</c> (a sparse gaussian filler's mask); no draw when p is 0.</summary>
    public bool NextBernoulli(float p) => p != 0f && (float)NextUInt32() <= p * 4294967295f;

    /// <summary>True with probability <paramref name="p"/>, as Boost's <c>bernoulli_distribution&lt;double&gt;</c> (Caffe's dropout mask); no draw when p is 0.</summary>
    public bool NextBernoulli(double p) => p != 0.0 && (double)NextUInt32() <= p * 4294967295.0;

    /// <summary>The generator's state, for snapshots: the 624 state words, then the position in them.</summary>
    public ulong[] SaveState()
    {
        var state = new ulong[StateWords + 1];
        for (var i = 0; i < StateWords; i++)
        {
            state[i] = _state[i];
        }

        state[StateWords] = (ulong)_index;
        return state;
    }

    /// <summary>Restores a state from <see cref="SaveState"/>.</summary>
    public void RestoreState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateWords + 1 || state[StateWords] > StateWords)
        {
            throw new ArgumentException($"a RandomSource state has {StateWords + 1} words, the last at most {StateWords}", nameof(state));
        }

        for (var i = 0; i < StateWords; i++)
        {
            _state[i] = (uint)state[i];
        }

        _index = (int)state[StateWords];
    }

    private void Twist()
    {
        // The standard recurrence x[j] = x[j + 397] ^ twist(x[j], x[j + 1]), indices mod 624, in three runs without modulo.
        var state = _state.AsSpan();
        const int split = StateWords - MiddleWord;
        for (var j = 0; j < split; j++)
        {
            state[j] = state[j + MiddleWord] ^ Mix(state[j], state[j + 1]);
        }

        for (var j = split; j < StateWords - 1; j++)
        {
            state[j] = state[j - split] ^ Mix(state[j], state[j + 1]);
        }

        state[StateWords - 1] = state[MiddleWord - 1] ^ Mix(state[StateWords - 1], state[0]);
        _index = 0;
    }

    private static uint Mix(uint current, uint next) =>
        (((current & 0x80000000u) | (next & 0x7FFFFFFFu)) >> 1) ^ ((next & 1u) * 0x9908B0DFu);

    // Boost's generate_uniform_real for a 32-bit engine: (draw / 2^32) * (max - min) + min, retried until below max.
    private float UniformReal(float min, float max)
    {
        if ((max / 2f) - (min / 2f) > float.MaxValue / 2f)
        {
            return 2f * UniformReal(min / 2f, max / 2f);
        }

        while (true)
        {
            float numerator = NextUInt32();
            var result = (numerator / 4294967296f * (max - min)) + min;
            if (result < max)
            {
                return result;
            }
        }
    }

    // Boost's uniform_01<float>: draw * 2^-32, retried when it rounds up to 1.
    private float Uniform01()
    {
        while (true)
        {
            var result = (float)NextUInt32() * InverseTwoPow32;
            if (result < 1f)
            {
                return result;
            }
        }
    }

    // Boost's unit_normal_distribution<float>: one draw gives the layer (7 bits), the sign (1 bit) and a 24-bit
    // fraction; the wedges test against the chord and the tangent before the density itself.
    private float UnitNormal()
    {
        var tableX = ZigguratTables.NormalX;
        var tableY = ZigguratTables.NormalY;
        while (true)
        {
            var draw = NextUInt32();
            var i = (int)(draw & 0xFF);
            var fraction = (float)(draw >> 8) * InverseTwoPow24;
            var sign = ((i & 1) * 2) - 1;
            i >>= 1;
            var x = fraction * (float)tableX[i];
            if (x < tableX[i + 1])
            {
                return x * sign;
            }

            if (i == 0)
            {
                return NormalTail() * sign;
            }

            var y01 = Uniform01();
            var y = (float)tableY[i] + (y01 * (float)(tableY[i + 1] - tableY[i]));
            var chord = ((float)(tableX[i] - tableX[i + 1]) * y01) - ((float)tableX[i] - x);
            var tangent = y - ((float)tableY[i] + (((float)tableX[i] - x) * (float)tableY[i] * (float)tableX[i]));

            // Convex layers (x >= 1) lie under the chord and over the tangent; concave ones the other way round.
            var convex = tableX[i] >= 1;
            var aboveUpper = convex ? chord : tangent;
            var aboveLower = convex ? tangent : chord;
            if (aboveUpper < 0f && (aboveLower < 0f || y < MathF.Exp(-(x * x / 2f))))
            {
                return x * sign;
            }
        }
    }

    // Boost's tail: exponential draws shifted by the tail's start, accepted when 2y > x^2.
    private float NormalTail()
    {
        var tailStart = (float)ZigguratTables.NormalX[1];
        while (true)
        {
            var x = UnitExponential() / tailStart;
            var y = UnitExponential() / 1f;
            if (2f * y > x * x)
            {
                return x + tailStart;
            }
        }
    }

    // Boost's unit_exponential_distribution<float>: a 256-layer ziggurat whose tail is the body again, shifted.
    private float UnitExponential()
    {
        var tableX = ZigguratTables.ExponentialX;
        var tableY = ZigguratTables.ExponentialY;
        var shift = 0f;
        while (true)
        {
            var draw = NextUInt32();
            var i = (int)(draw & 0xFF);
            var x = (float)(draw >> 8) * InverseTwoPow24 * (float)tableX[i];
            if (x < (float)tableX[i + 1])
            {
                return shift + x;
            }

            if (i == 0)
            {
                shift += (float)tableX[1];
                continue;
            }

            var y01 = Uniform01();
            var y = (float)tableY[i] + (y01 * (float)(tableY[i + 1] - tableY[i]));
            var aboveUpper = ((float)(tableX[i] - tableX[i + 1]) * y01) - ((float)tableX[i] - x);
            var aboveLower = y - ((float)tableY[i + 1] + (((float)tableX[i + 1] - x) * (float)tableY[i + 1]));
            if (aboveUpper < 0f && (aboveLower < 0f || y < MathF.Exp(-x)))
            {
                return x + shift;
            }
        }
    }
}
