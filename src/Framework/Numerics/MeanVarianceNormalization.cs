using System.Runtime.CompilerServices;

namespace LayerNet.Numerics;

/// <summary>
/// Caffe's MVN over rows: each row of <c>dim</c> values made zero-mean and, optionally, unit-variance.
/// </summary>
/// <remarks>
/// Forward, per row: m = mean(x), y = x - m; with variance normalisation s = sqrt(mean(y^2)) + eps (eps after the
/// square root, as Caffe) and y /= s. Backward with y the output: dx = dy - mean(dy) without variance normalisation,
/// dx = (dy - (y sum(y dy) + sum(dy)) / dim) / s with it. Sums run left to right in float, as the layer always ran
/// them; the backward pass may run in place (dx is dy): each element reads dy before writing dx, after both sums.
/// </remarks>
public static class MeanVarianceNormalization
{
    /// <summary>Normalises each row of <paramref name="x"/> into <paramref name="y"/>; <paramref name="scale"/> receives each row's s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int dim, bool normalizeVariance, float eps, Span<float> scale)
    {
        var inverseDim = 1f / dim;
        for (var r = 0; r < rows; r++)
        {
            var row = x.Slice(r * dim, dim);
            var output = y.Slice(r * dim, dim);
            var sum = 0f;
            foreach (var value in row)
            {
                sum += value;
            }

            var mean = sum * inverseDim;
            for (var i = 0; i < dim; i++)
            {
                output[i] = row[i] - mean;
            }

            if (!normalizeVariance)
            {
                continue;
            }

            var squares = 0f;
            foreach (var value in output)
            {
                squares += value * value;
            }

            var s = MathF.Sqrt(squares * inverseDim) + eps;
            scale[r] = s;
            for (var i = 0; i < dim; i++)
            {
                output[i] /= s;
            }
        }
    }

    /// <summary>The input gradient of <see cref="Forward"/> from its output <paramref name="y"/> and the output gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int dim, bool normalizeVariance, ReadOnlySpan<float> scale)
    {
        var inverseDim = 1f / dim;
        for (var r = 0; r < rows; r++)
        {
            var rowY = y.Slice(r * dim, dim);
            var rowDy = dy.Slice(r * dim, dim);
            var rowDx = dx.Slice(r * dim, dim);
            var sumDy = 0f;
            var sumYDy = 0f;
            for (var i = 0; i < dim; i++)
            {
                sumDy += rowDy[i];
                sumYDy += rowY[i] * rowDy[i];
            }

            for (var i = 0; i < dim; i++)
            {
                rowDx[i] = normalizeVariance
                    ? (rowDy[i] - (inverseDim * ((rowY[i] * sumYDy) + sumDy))) / scale[r]
                    : rowDy[i] - (sumDy * inverseDim);
            }
        }
    }
}
