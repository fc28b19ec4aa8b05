using LayerNet.Blobs;
using LayerNet.Fillers;

namespace LayerNet.Testing;

/// <summary>Creates blobs for tests: given values, or seeded random draws.</summary>
public static class BlobBuilder
{
    /// <summary>A blob of the given shape holding <paramref name="values"/> (row-major), which must fill it exactly.</summary>
    public static Blob FromValues(int[] shape, params float[] values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        var blob = new Blob(shape);
        if (values.Length != blob.Count)
        {
            throw new ArgumentException($"a blob of shape {blob.ShapeString} needs {blob.Count} values, {values.Length} given", nameof(values));
        }

        values.CopyTo(blob.Data);
        return blob;
    }

    /// <summary>A blob of the given shape with every value N(mean, std), drawn from <paramref name="random"/>.</summary>
    public static Blob Gaussian(RandomSource random, float mean, float std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Drawn(shape, () => random.NextGaussian(mean, std));
    }

    /// <summary>A blob of the given shape with every value U(min, max), drawn from <paramref name="random"/>.</summary>
    public static Blob Uniform(RandomSource random, float min, float max, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Drawn(shape, () => random.NextUniform(min, max));
    }

    /// <summary>A blob of the given shape with every value <paramref name="value"/>.</summary>
    public static Blob Constant(float value, params int[] shape)
    {
        var blob = new Blob(shape);
        blob.Data.Fill(value);
        return blob;
    }

    // Draws each value in order, so a seed gives the same blob whichever distribution is asked for.
    private static Blob Drawn(int[] shape, Func<float> draw)
    {
        var blob = new Blob(shape);
        var data = blob.Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = draw();
        }

        return blob;
    }
}
