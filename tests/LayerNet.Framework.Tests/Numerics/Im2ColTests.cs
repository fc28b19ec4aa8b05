using LayerNet.Fillers;
using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
public sealed class Im2ColTests
{
    private static float[] Range(int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = i + 1;
        }

        return values;
    }

    private static float[] Random(RandomSource random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian(0f, 1f);
        }

        return values;
    }

    [TestCase(5, 3, 0, 1, 1, ExpectedResult = 3)]
    [TestCase(6, 3, 0, 2, 1, ExpectedResult = 2)]
    [TestCase(7, 3, 2, 1, 2, ExpectedResult = 7)]
    [TestCase(4, 1, 0, 2, 1, ExpectedResult = 2)]
    public int Output_size_is_Caffe_formula(int input, int kernel, int pad, int stride, int dilation) =>
        Im2Col.OutputSize(input, kernel, pad, stride, dilation);

    [Test]
    public void A_2x2_kernel_over_a_3x3_image_gives_one_row_per_kernel_offset()
    {
        var columns = new float[16];

        Im2Col.ImageToColumns(Range(9), 1, [3, 3], [2, 2], [0, 0], [1, 1], [1, 1], columns);

        Assert.That(columns, Is.EqualTo(new float[] { 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9 }));
    }

    [Test]
    public void Padding_reads_as_zeros()
    {
        // A 2x2 image [1 2; 3 4], kernel 3, pad 1: the kernel's top-left offset sees the image only at output (1, 1).
        var columns = new float[9 * 4];

        Im2Col.ImageToColumns(Range(4), 1, [2, 2], [3, 3], [1, 1], [1, 1], [1, 1], columns);

        Assert.That(columns[..4], Is.EqualTo(new float[] { 0, 0, 0, 1 }));
        Assert.That(columns[16..20], Is.EqualTo(new float[] { 1, 2, 3, 4 }), "the centre offset reads the image itself");
        Assert.That(columns[32..], Is.EqualTo(new float[] { 4, 0, 0, 0 }));
    }

    [Test]
    public void Stride_and_dilation_pick_spaced_pixels()
    {
        // A 1x7 row, kernel 2 with dilation 3, stride 2: windows start at 0 and 2; offsets 0 and 3.
        var columns = new float[4];

        Im2Col.ImageToColumns(Range(7), 1, [1, 7], [1, 2], [0, 0], [1, 2], [1, 3], columns);

        Assert.That(columns, Is.EqualTo(new float[] { 1, 3, 4, 6 }));
    }

    [Test]
    public void Col2im_of_ones_counts_the_windows_covering_each_pixel()
    {
        var image = new float[9];
        var ones = new float[16];
        Array.Fill(ones, 1f);
        Array.Fill(image, float.NaN);

        Im2Col.ColumnsToImage(ones, 1, [3, 3], [2, 2], [0, 0], [1, 1], [1, 1], image);

        Assert.That(image, Is.EqualTo(new float[] { 1, 2, 1, 2, 4, 2, 1, 2, 1 }));
    }

    public static IEnumerable<TestCaseData> Geometries()
    {
        yield return new TestCaseData(2, new[] { 5, 4 }, new[] { 3, 3 }, new[] { 0, 0 }, new[] { 1, 1 }, new[] { 1, 1 }).SetArgDisplayNames("2-D plain");
        yield return new TestCaseData(3, new[] { 6, 5 }, new[] { 3, 2 }, new[] { 1, 0 }, new[] { 2, 1 }, new[] { 1, 2 }).SetArgDisplayNames("2-D rectangular, pad, stride, dilation");
        yield return new TestCaseData(2, new[] { 7, 7 }, new[] { 3, 3 }, new[] { 2, 2 }, new[] { 3, 3 }, new[] { 2, 2 }).SetArgDisplayNames("2-D stride 3, dilation 2");
        yield return new TestCaseData(2, new[] { 9 }, new[] { 3 }, new[] { 2 }, new[] { 2 }, new[] { 2 }).SetArgDisplayNames("1-D");
        yield return new TestCaseData(2, new[] { 5, 4, 3 }, new[] { 3, 2, 3 }, new[] { 1, 0, 1 }, new[] { 2, 1, 1 }, new[] { 1, 2, 1 }).SetArgDisplayNames("3-D");
        yield return new TestCaseData(1, new[] { 3, 4, 3, 2 }, new[] { 2, 2, 1, 2 }, new[] { 1, 0, 0, 1 }, new[] { 1, 2, 1, 1 }, new[] { 1, 1, 2, 1 }).SetArgDisplayNames("4-D");
    }

    [TestCaseSource(nameof(Geometries))]
    public void Col2im_is_the_adjoint_of_im2col(int channels, int[] shape, int[] kernel, int[] pad, int[] stride, int[] dilation)
    {
        var imageCount = channels;
        var columnCount = channels;
        for (var i = 0; i < shape.Length; i++)
        {
            imageCount *= shape[i];
            columnCount *= kernel[i] * Im2Col.OutputSize(shape[i], kernel[i], pad[i], stride[i], dilation[i]);
        }

        var random = new RandomSource(1701);
        var x = Random(random, imageCount);
        var y = Random(random, columnCount);
        var columns = new float[columnCount];
        var image = new float[imageCount];

        Im2Col.ImageToColumns(x, channels, shape, kernel, pad, stride, dilation, columns);
        Im2Col.ColumnsToImage(y, channels, shape, kernel, pad, stride, dilation, image);

        Assert.That(Dot(image, x), Is.EqualTo(Dot(y, columns)).Within(1e-4));
    }

    // Kernel offsets whose every run lies inside the image take a plain-copy path in 2-D; these mix both kinds.
    public static IEnumerable<TestCaseData> TwoDimensionalGeometries()
    {
        yield return new TestCaseData(2, 6, 5, 3, 2, 1, 1, 2, 1, 1, 2).SetArgDisplayNames("pad, stride, dilation");
        yield return new TestCaseData(3, 12, 12, 5, 5, 0, 0, 1, 1, 1, 1).SetArgDisplayNames("LeNet conv2: no padding, every run inside");
        yield return new TestCaseData(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1).SetArgDisplayNames("pad 1: inner offsets inside, edge ones not");
        yield return new TestCaseData(2, 9, 11, 3, 2, 0, 0, 2, 1, 2, 3).SetArgDisplayNames("no padding, vertical stride 2, dilation");
        yield return new TestCaseData(1, 5, 21, 2, 3, 0, 2, 1, 1, 1, 1).SetArgDisplayNames("runs of 19 and 21 (vector steps and a tail)");
        yield return new TestCaseData(3, 23, 45, 7, 7, 3, 3, 2, 2, 1, 1).SetArgDisplayNames("conv1's geometry: stride 2, pad 3, runs of 20 to 23 (stride-2 vector steps and a tail)");
        yield return new TestCaseData(2, 9, 40, 1, 1, 0, 0, 2, 2, 1, 1).SetArgDisplayNames("a downsampling 1x1 of stride 2: runs of 20 ending at the image's last pixels");
        yield return new TestCaseData(1, 4, 35, 3, 3, 0, 1, 1, 2, 1, 2).SetArgDisplayNames("stride 2 with dilation 2 and an odd width");
    }

    [TestCaseSource(nameof(TwoDimensionalGeometries))]
    public void The_general_N_D_path_agrees_with_the_2_D_path(int channels, int height, int width, int kernelH, int kernelW, int padH, int padW, int strideH, int strideW, int dilationH, int dilationW)
    {
        // A 3-D image with a leading axis of 1 and a kernel of 1 there is the 2-D case, computed the general way.
        var random = new RandomSource(1702);
        var x = Random(random, channels * height * width);
        var columnCount = channels * kernelH * kernelW
            * Im2Col.OutputSize(height, kernelH, padH, strideH, dilationH) * Im2Col.OutputSize(width, kernelW, padW, strideW, dilationW);
        var columns2D = new float[columnCount];
        var columns3D = new float[columnCount];
        int[] kernel2D = [kernelH, kernelW], pad2D = [padH, padW], stride2D = [strideH, strideW], dilation2D = [dilationH, dilationW];
        int[] kernel3D = [1, kernelH, kernelW], pad3D = [0, padH, padW], stride3D = [1, strideH, strideW], dilation3D = [1, dilationH, dilationW];

        Im2Col.ImageToColumns(x, channels, [height, width], kernel2D, pad2D, stride2D, dilation2D, columns2D);
        Im2Col.ImageToColumns(x, channels, [1, height, width], kernel3D, pad3D, stride3D, dilation3D, columns3D);

        Assert.That(columns3D, Is.EqualTo(columns2D));
        var image2D = new float[x.Length];
        var image3D = new float[x.Length];
        Im2Col.ColumnsToImage(columns2D, channels, [height, width], kernel2D, pad2D, stride2D, dilation2D, image2D);
        Im2Col.ColumnsToImage(columns2D, channels, [1, height, width], kernel3D, pad3D, stride3D, dilation3D, image3D);
        Assert.That(image3D, Is.EqualTo(image2D).Within(1e-6f));
    }

    // A range of output positions (crossing rows, starting and ending mid-row) gives exactly those columns of the
    // whole matrix, in place in rows of the whole matrix's length, and writes nothing else.
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 0, 63)]
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 5, 20)]
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 62, 1)]
    [TestCase(3, 11, 8, 3, 2, 2, 0, 2, 1, 2, 1, 3, 17)]
    [TestCase(1, 12, 13, 5, 3, 2, 1, 3, 2, 1, 2, 7, 9)]
    [TestCase(2, 14, 14, 3, 3, 1, 1, 2, 2, 1, 1, 32, 17)]
    [TestCase(2, 6, 6, 1, 1, 0, 0, 1, 1, 1, 1, 4, 30)]
    [TestCase(1, 5, 21, 2, 3, 0, 2, 1, 1, 1, 1, 10, 50)]
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 30, 0)]
    public void A_range_of_positions_is_those_columns_of_the_whole_matrix(
        int channels, int height, int width, int kernelH, int kernelW, int padH, int padW,
        int strideH, int strideW, int dilationH, int dilationW, int first, int count)
    {
        var x = Random(new RandomSource(78), channels * height * width);
        int[] kernel = [kernelH, kernelW], pad = [padH, padW], stride = [strideH, strideW], dilation = [dilationH, dilationW];
        var positions = Im2Col.OutputSize(height, kernelH, padH, strideH, dilationH) * Im2Col.OutputSize(width, kernelW, padW, strideW, dilationW);
        var rows = channels * kernelH * kernelW;
        var whole = new float[rows * positions];
        Im2Col.ImageToColumns(x, channels, [height, width], kernel, pad, stride, dilation, whole);

        var part = Enumerable.Repeat(float.NaN, rows * positions).ToArray();
        Im2Col.ImageToColumnRange(x, channels, [height, width], kernel, pad, stride, dilation, first, count, part, positions);

        var expected = Enumerable.Repeat(float.NaN, rows * positions).ToArray();
        for (var row = 0; row < rows; row++)
        {
            Array.Copy(whole, (row * positions) + first, expected, (row * positions) + first, count);
        }

        Assert.That(part.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(
            () => Im2Col.ImageToColumnRange(x, channels, [height, width], kernel, pad, stride, dilation, first, positions - first + 1, part, positions),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // A band of output rows gives exactly the columns of those rows in the whole matrix: padding above and below,
    // strides, dilation, one-row bands, a band reaching the last row.
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 0, 3)]
    [TestCase(2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 4, 3)]
    [TestCase(3, 11, 8, 3, 2, 2, 0, 2, 1, 2, 1, 1, 1)]
    [TestCase(1, 12, 13, 5, 3, 2, 1, 3, 2, 1, 2, 2, 2)]
    [TestCase(2, 6, 6, 1, 1, 0, 0, 1, 1, 1, 1, 0, 6)]
    public void A_band_of_rows_is_that_band_of_the_whole_column_matrix(
        int channels, int height, int width, int kernelH, int kernelW, int padH, int padW,
        int strideH, int strideW, int dilationH, int dilationW, int firstRow, int rowCount)
    {
        var x = Random(new RandomSource(77), channels * height * width);
        int[] kernel = [kernelH, kernelW], pad = [padH, padW], stride = [strideH, strideW], dilation = [dilationH, dilationW];
        var outputH = Im2Col.OutputSize(height, kernelH, padH, strideH, dilationH);
        var outputW = Im2Col.OutputSize(width, kernelW, padW, strideW, dilationW);
        var rows = channels * kernelH * kernelW;
        var whole = new float[rows * outputH * outputW];
        Im2Col.ImageToColumns(x, channels, [height, width], kernel, pad, stride, dilation, whole);

        var band = new float[rows * rowCount * outputW];
        band.AsSpan().Fill(float.NaN);
        Im2Col.ImageToColumnRows(x, channels, [height, width], kernel, pad, stride, dilation, firstRow, rowCount, band);

        var expected = new float[band.Length];
        for (var r = 0; r < rows; r++)
        {
            whole.AsSpan((r * outputH * outputW) + (firstRow * outputW), rowCount * outputW).CopyTo(expected.AsSpan(r * rowCount * outputW));
        }

        Assert.That(band, Is.EqualTo(expected));
    }

    [Test]
    public void A_band_past_the_last_output_row_is_an_argument_error() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Im2Col.ImageToColumnRows(Range(16), 1, [4, 4], [3, 3], [0, 0], [1, 1], [1, 1], 1, 2, new float[18]));

    [Test]
    public void A_short_column_buffer_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => Im2Col.ImageToColumns(Range(9), 1, [3, 3], [2, 2], [0, 0], [1, 1], [1, 1], new float[15]));

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0d;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
