using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Framework.Tests.Fillers;

public sealed class FillerTests
{
    private const int Draws = 100_000;

    private static Blob Fill(FillerParameter parameter, ulong seed, params int[] shape)
    {
        var blob = new Blob(shape);
        new Filler(parameter).Fill(blob, new RandomSource(seed));
        return blob;
    }

    private static (double Mean, double Std) Moments(ReadOnlySpan<float> values)
    {
        var sum = 0d;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        var squares = 0d;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, Math.Sqrt(squares / values.Length));
    }

    [Test]
    public void Constant_fills_every_value_with_value()
    {
        var blob = Fill(new FillerParameter { Type = "constant", Value = 3.5f }, 1, 4, 5);

        Assert.That(blob.Data.ToArray(), Is.All.EqualTo(3.5f));
    }

    [Test]
    public void The_default_filler_is_constant_zero()
    {
        var blob = new Blob(3);
        blob.Data.Fill(9f);

        new Filler(null).Fill(blob, new RandomSource(1));

        Assert.That(blob.Data.ToArray(), Is.All.Zero);
    }

    [Test]
    public void Uniform_draws_from_min_to_max_with_the_middle_as_mean()
    {
        var blob = Fill(new FillerParameter { Type = "uniform", Min = -2f, Max = 5f }, 7, Draws);
        var values = blob.Data.ToArray();

        Assert.That(values, Is.All.InRange(-2f, 5f));
        Assert.That(values.Min(), Is.EqualTo(-2f).Within(0.01), "the whole range is used");
        Assert.That(values.Max(), Is.EqualTo(5f).Within(0.01));

        // The mean of U(-2, 5) is 1.5; its standard error on 100k draws is 7 / sqrt(12 * 100000) = 0.0064.
        var (mean, std) = Moments(values);
        Assert.That(mean, Is.EqualTo(1.5).Within(0.04));
        Assert.That(std, Is.EqualTo(7 / Math.Sqrt(12)).Within(0.02));
    }

    [Test]
    public void Gaussian_has_the_given_mean_and_std()
    {
        var blob = Fill(new FillerParameter { Type = "gaussian", Mean = 1f, Std = 2f }, 11, Draws);

        // Standard errors: mean 2 / sqrt(1e5) = 0.0063, std 2 / sqrt(2e5) = 0.0045; the bounds are over 5 of them.
        var (mean, std) = Moments(blob.Data);
        Assert.That(mean, Is.EqualTo(1.0).Within(0.035));
        Assert.That(std, Is.EqualTo(2.0).Within(0.025));
        Assert.That(blob.Data.ToArray().Count(v => v == 0f), Is.LessThan(5), "a dense gaussian has no zeros");
    }

    [Test]
    public void Sparse_gaussian_keeps_about_sparse_values_per_output()
    {
        // 100 outputs, sparse 30: each value survives with probability 30 / 100, so 70% are zero.
        var blob = Fill(new FillerParameter { Type = "gaussian", Std = 1f, Sparse = 30 }, 3, 100, 1000);
        var values = blob.Data.ToArray();

        var zeroFraction = values.Count(v => v == 0f) / (double)values.Length;
        Assert.That(zeroFraction, Is.EqualTo(1.0 - (30.0 / 100.0)).Within(0.01));

        var kept = values.Where(v => v != 0f).ToArray();
        var (mean, std) = Moments(kept);
        Assert.That(mean, Is.EqualTo(0.0).Within(0.02));
        Assert.That(std, Is.EqualTo(1.0).Within(0.02), "the kept values are the gaussian draws, unscaled");
    }

    [Test]
    public void Positive_unitball_rows_are_positive_and_sum_to_one()
    {
        var blob = Fill(new FillerParameter { Type = "positive_unitball" }, 5, 20, 5, 10);
        var values = blob.Data.ToArray();

        Assert.That(values, Is.All.GreaterThan(0f));
        for (var row = 0; row < 20; row++)
        {
            var sum = values.Skip(row * 50).Take(50).Sum(v => (double)v);
            Assert.That(sum, Is.EqualTo(1.0).Within(1e-5), $"row {row}");
        }
    }

    // Shape (100, 50, 2, 10): count 100000, fan_in = count / 100 = 1000, fan_out = count / 50 = 2000, average 1500.
    [TestCase(FillerParameter.Types.VarianceNorm.FanIn, 1000)]
    [TestCase(FillerParameter.Types.VarianceNorm.FanOut, 2000)]
    [TestCase(FillerParameter.Types.VarianceNorm.Average, 1500)]
    public void Xavier_is_uniform_within_sqrt_3_over_n(FillerParameter.Types.VarianceNorm norm, int n)
    {
        var blob = Fill(new FillerParameter { Type = "xavier", VarianceNorm = norm }, 13, 100, 50, 2, 10);
        var values = blob.Data.ToArray();
        var bound = Math.Sqrt(3.0 / n);

        Assert.That(values.Max(v => Math.Abs((double)v)), Is.LessThanOrEqualTo(bound * (1 + 1e-6)));
        Assert.That(values.Max(), Is.GreaterThan(bound * 0.99), "the draws reach the bound");
        Assert.That(values.Min(), Is.LessThan(-bound * 0.99));
        var (mean, std) = Moments(values);
        Assert.That(mean, Is.EqualTo(0.0).Within(bound * 0.02));
        Assert.That(std, Is.EqualTo(Math.Sqrt(1.0 / n)).Within(Math.Sqrt(1.0 / n) * 0.02));
    }

    [TestCase(FillerParameter.Types.VarianceNorm.FanIn, 1000)]
    [TestCase(FillerParameter.Types.VarianceNorm.FanOut, 2000)]
    [TestCase(FillerParameter.Types.VarianceNorm.Average, 1500)]
    public void Msra_is_gaussian_with_std_sqrt_2_over_n(FillerParameter.Types.VarianceNorm norm, int n)
    {
        var blob = Fill(new FillerParameter { Type = "msra", VarianceNorm = norm }, 17, 100, 50, 2, 10);
        var expected = Math.Sqrt(2.0 / n);

        var (mean, std) = Moments(blob.Data);
        Assert.That(mean, Is.EqualTo(0.0).Within(expected * 0.02));
        Assert.That(std, Is.EqualTo(expected).Within(expected * 0.015));
    }

    [Test]
    public void Bilinear_gives_Caffes_upsampling_kernel_for_4x4()
    {
        var blob = Fill(new FillerParameter { Type = "bilinear" }, 1, 2, 1, 4, 4);

        // Caffe: f = ceil(k / 2) = 2, c = (2f - 1 - f % 2) / 2f = 0.75 (also (k - 1) / 2f), w = (1 - |x/f - c|)(1 - |y/f - c|).
        const int k = 4;
        var f = Math.Ceiling(k / 2.0);
        var c = ((2 * f) - 1 - (f % 2)) / (2 * f);
        Assert.That(c, Is.EqualTo((k - 1) / (2 * f)));
        var kernel = new float[k * k];
        for (var y = 0; y < k; y++)
        {
            for (var x = 0; x < k; x++)
            {
                kernel[(y * k) + x] = (float)((1 - Math.Abs((x / f) - c)) * (1 - Math.Abs((y / f) - c)));
            }
        }

        Assert.That(kernel[0], Is.EqualTo(0.0625f));
        Assert.That(kernel[1], Is.EqualTo(0.1875f));
        Assert.That(kernel[5], Is.EqualTo(0.5625f));
        Assert.That(blob.Data[..16].ToArray(), Is.EqualTo(kernel).Within(1e-7f));
        Assert.That(blob.Data[16..].ToArray(), Is.EqualTo(kernel).Within(1e-7f), "every channel gets the same kernel");
    }

    [Test]
    public void Bilinear_needs_a_square_4D_blob()
    {
        Assert.That(() => Fill(new FillerParameter { Type = "bilinear" }, 1, 1, 1, 3, 4), Throws.TypeOf<LayerNetException>().With.Message.Contains("bilinear"));
    }

    [TestCase("uniform")]
    [TestCase("gaussian")]
    [TestCase("xavier")]
    [TestCase("msra")]
    [TestCase("positive_unitball")]
    public void The_same_seed_gives_bit_identical_values(string type)
    {
        var first = Fill(new FillerParameter { Type = type }, 42, 30, 40).Data.ToArray();
        var second = Fill(new FillerParameter { Type = type }, 42, 30, 40).Data.ToArray();

        Assert.That(second.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(first.Select(BitConverter.SingleToInt32Bits)));
    }

    [TestCase("uniform")]
    [TestCase("gaussian")]
    [TestCase("xavier")]
    [TestCase("msra")]
    public void A_different_seed_gives_different_values(string type)
    {
        var first = Fill(new FillerParameter { Type = type }, 42, 30, 40).Data.ToArray();
        var second = Fill(new FillerParameter { Type = type }, 43, 30, 40).Data.ToArray();

        var equal = first.Zip(second).Count(pair => pair.First == pair.Second);
        Assert.That(equal, Is.LessThan(10));
    }

    [Test]
    public void An_unknown_type_is_an_error_with_a_suggestion()
    {
        var error = Assert.Throws<LayerNetException>(() => _ = new Filler(new FillerParameter { Type = "gausian" }));

        Assert.That(error.Message, Does.StartWith("unknown filler type 'gausian'; did you mean 'gaussian'?"));
        Assert.That(error.Message, Does.Contain("Known fillers: constant, gaussian, positive_unitball, uniform, xavier, msra, bilinear"));
    }

    [Test]
    public void A_gaussian_with_a_negative_std_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => _ = new Filler(new FillerParameter { Type = "gaussian", Std = -1f }));

        Assert.That(error.Message, Is.EqualTo("std -1 is negative"));
    }

    [Test]
    public void A_uniform_with_min_above_max_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => _ = new Filler(new FillerParameter { Type = "uniform", Min = 1f, Max = -0.5f }));

        Assert.That(error.Message, Is.EqualTo("min 1 is above max -0.5"));
    }

    [Test]
    public void Std_is_read_only_by_the_gaussian()
    {
        var blob = Fill(new FillerParameter { Type = "constant", Value = 2f, Std = -1f }, 1, 3);

        Assert.That(blob.Data.ToArray(), Is.All.EqualTo(2f));
    }
}
