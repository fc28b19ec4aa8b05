using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;

namespace LayerNet.Fillers;

/// <summary>
/// Fills a blob with initial values as Caffe's fillers do, drawing from a seeded <see cref="RandomSource"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>constant</c>: every value is <c>value</c>.</item>
/// <item><c>uniform</c>: U(min, max).</item>
/// <item><c>gaussian</c>: N(mean, std); with <c>sparse</c> &gt;= 0 each value is kept with probability sparse / shape(0) and zeroed otherwise.</item>
/// <item><c>positive_unitball</c>: U(0, 1), then each of the shape(0) rows scaled to sum to 1.</item>
/// <item><c>xavier</c>: U(-s, s) with s = sqrt(3 / n); <c>msra</c>: N(0, sqrt(2 / n)); n is fan_in = count / shape(0),
/// fan_out = count / shape(1), or their mean, by <c>variance_norm</c>.</item>
/// <item><c>bilinear</c>: the bilinear-upsampling kernel for a 4-D blob with square spatial axes, f = ceil(k / 2),
/// c = (2f - 1 - f mod 2) / 2f, w(x, y) = (1 - |x / f - c|)(1 - |y / f - c|).</item>
/// </list>
/// </remarks>
public sealed class Filler
{
    /// <summary>The filler types Caffe knows, in its order.</summary>
    public static IReadOnlyList<string> Types { get; } = ["constant", "gaussian", "positive_unitball", "uniform", "xavier", "msra", "bilinear"];

    private readonly FillerParameter _parameter;

    /// <summary>
    /// Creates a filler; an unknown type is an error listing the known ones, and so is a gaussian's negative
    /// <c>std</c> ("std -1 is negative") or a uniform's <c>min</c> above its <c>max</c> ("min 1 is above max 0").
    /// </summary>
    public Filler(FillerParameter? parameter)
    {
        _parameter = parameter ?? new FillerParameter();
        if (!Types.Contains(_parameter.Type))
        {
            var nearest = NearestName.Find(_parameter.Type, Types);
            throw new LayerNetException(
                $"unknown filler type '{_parameter.Type}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Known fillers: {string.Join(", ", Types)}");
        }

        // Caffe only CHECKs these when it draws (caffe_rng_gaussian, caffe_rng_uniform); a negative std would give
        // the same values as its absolute value, silently.
        if (_parameter.Type == "gaussian" && _parameter.Std < 0f)
        {
            throw new LayerNetException(string.Create(CultureInfo.InvariantCulture, $"std {_parameter.Std} is negative"));
        }

        if (_parameter.Type == "uniform" && _parameter.Min > _parameter.Max)
        {
            throw new LayerNetException(string.Create(CultureInfo.InvariantCulture, $"min {_parameter.Min} is above max {_parameter.Max}"));
        }
    }

    /// <summary>Fills the blob's data.</summary>
    public void Fill(Blob blob, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(random);
        var data = blob.Data;
        switch (_parameter.Type)
        {
            case "constant":
                data.Fill(_parameter.Value);
                break;
            case "uniform":
                FillUniform(data, _parameter.Min, _parameter.Max, random);
                break;
            case "gaussian":
                FillGaussian(blob, random);
                break;
            case "positive_unitball":
                FillPositiveUnitBall(blob, random);
                break;
            case "xavier":
                var scale = MathF.Sqrt(3f / FanNormalizer(blob));
                FillUniform(data, -scale, scale, random);
                break;
            case "msra":
                var std = MathF.Sqrt(2f / FanNormalizer(blob));
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = random.NextGaussian(0f, std);
                }

                break;
            case "bilinear":
                FillBilinear(blob);
                break;
        }
    }

    private static void FillUniform(Span<float> data, float min, float max, RandomSource random)
    {
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.NextUniform(min, max);
        }
    }

    private void FillGaussian(Blob blob, RandomSource random)
    {
        var data = blob.Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.NextGaussian(_parameter.Mean, _parameter.Std);
        }

        if (_parameter.Sparse < 0)
        {
            return;
        }

        if (blob.AxisCount < 1)
        {
            throw new LayerNetException($"blob '{blob.Name}': a sparse gaussian filler needs at least one axis");
        }

        // Keep about `sparse` non-zero inputs per output: Caffe draws the whole mask after the gaussians, with a float
        // probability, and multiplies (a dropped negative value becomes -0, as in Caffe).
        var keep = (float)_parameter.Sparse / blob.Shape[0];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] *= random.NextBernoulli(keep) ? 1f : 0f;
        }
    }

    private static void FillPositiveUnitBall(Blob blob, RandomSource random)
    {
        var data = blob.Data;
        FillUniform(data, 0f, 1f, random);
        if (data.Length == 0)
        {
            return;
        }

        // Caffe sums each row in order, in float, then divides each value by the sum.
        var rows = blob.AxisCount > 0 ? blob.Shape[0] : 1;
        var width = data.Length / rows;
        for (var r = 0; r < rows; r++)
        {
            var row = data.Slice(r * width, width);
            var sum = 0f;
            for (var j = 0; j < row.Length; j++)
            {
                sum += row[j];
            }

            for (var j = 0; j < row.Length; j++)
            {
                row[j] /= sum;
            }
        }
    }

    private float FanNormalizer(Blob blob)
    {
        if (blob.AxisCount < 1 || blob.Count == 0)
        {
            throw new LayerNetException($"blob '{blob.Name}' of shape {blob.ShapeString}: the {_parameter.Type} filler needs a non-empty blob");
        }

        // As Caffe: integer fans (count / num, count / channels), their sum halved in float.
        var fanIn = blob.Count / blob.Shape[0];
        var fanOut = blob.AxisCount > 1 ? blob.Count / blob.Shape[1] : blob.Count;
        return _parameter.VarianceNorm switch
        {
            FillerParameter.Types.VarianceNorm.FanOut => fanOut,
            FillerParameter.Types.VarianceNorm.Average => (fanIn + fanOut) / 2f,
            _ => fanIn,
        };
    }

    private static void FillBilinear(Blob blob)
    {
        if (blob.AxisCount != 4 || blob.Shape[2] != blob.Shape[3])
        {
            throw new LayerNetException($"blob '{blob.Name}' of shape {blob.ShapeString}: the bilinear filler needs 4 axes with equal height and width");
        }

        var data = blob.Data;
        var width = blob.Shape[3];
        var height = blob.Shape[2];
        var f = MathF.Ceiling(width / 2f);
        var c = ((2f * f) - 1f - (f % 2f)) / (2f * f);
        for (var i = 0; i < data.Length; i++)
        {
            float x = i % width;
            float y = i / width % height;
            data[i] = (1f - MathF.Abs((x / f) - c)) * (1f - MathF.Abs((y / f) - c));
        }
    }
}
