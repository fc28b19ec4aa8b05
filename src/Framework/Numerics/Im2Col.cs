using System.Runtime.Intrinsics;

namespace LayerNet.Numerics;

/// <summary>
/// Caffe's im2col and col2im: the rearrangement that turns a convolution into one matrix product, for any
/// number of spatial axes, with a kernel size, padding, stride and dilation per axis.
/// </summary>
/// <remarks>
/// <para>
/// The image holds <c>channels</c> x d_0 x ... x d_(N-1) values, row-major. On spatial axis i, with kernel
/// k_i, pad p_i, stride s_i and dilation r_i, the output size is
/// o_i = (d_i + 2 p_i - (r_i (k_i - 1) + 1)) / s_i + 1 (integer division, see <see cref="OutputSize"/>).
/// </para>
/// <para>
/// The column matrix is row-major with channels * prod(k) rows, indexed (c, j_0, ..., j_(N-1)) with the last
/// kernel axis fastest, and prod(o) columns, indexed (q_0, ..., q_(N-1)):
/// col[(c, j), q] = image[c, q_i s_i - p_i + j_i r_i], or 0 where that lies in the padding.
/// </para>
/// <para>
/// col2im is the adjoint (transpose) of im2col: it overwrites the image with zeros, then adds every column
/// entry back at the image place it was read from (padding entries are dropped), so
/// &lt;col2im(y), x&gt; = &lt;y, im2col(x)&gt;.
/// </para>
/// </remarks>
public static class Im2Col
{
    /// <summary>
    /// The output size on one spatial axis: (input + 2 pad - (dilation (kernel - 1) + 1)) / stride + 1, with
    /// C's truncating division (the caller checks that the kernel extent fits the padded input).
    /// </summary>
    public static int OutputSize(int input, int kernel, int pad, int stride, int dilation) =>
        ((input + (2 * pad) - ((dilation * (kernel - 1)) + 1)) / stride) + 1;

    /// <summary>
    /// im2col: writes the column matrix of <paramref name="image"/> (channels x imageShape) into
    /// <paramref name="columns"/> (channels * prod(kernel) rows, prod(output size) columns).
    /// </summary>
    /// <param name="image">The image, channels x imageShape values, row-major.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="imageShape">The spatial size of the image on each axis.</param>
    /// <param name="kernel">The kernel size per spatial axis.</param>
    /// <param name="pad">The zero padding per spatial axis (both sides).</param>
    /// <param name="stride">The stride per spatial axis.</param>
    /// <param name="dilation">The dilation per spatial axis.</param>
    /// <param name="columns">Receives the column matrix; every entry is written.</param>
    public static void ImageToColumns(
        ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        Span<float> columns)
    {
        CheckArguments(image.Length, channels, imageShape, kernel, pad, stride, dilation, columns.Length);
        switch (imageShape.Length)
        {
            case 1:
                ImageToColumns2D(image, channels, 1, imageShape[0], 1, kernel[0], 0, pad[0], 1, stride[0], 1, dilation[0], columns);
                break;
            case 2:
                ImageToColumns2D(
                    image, channels, imageShape[0], imageShape[1], kernel[0], kernel[1], pad[0], pad[1],
                    stride[0], stride[1], dilation[0], dilation[1], columns);
                break;
            default:
                ImageToColumnsND(image, channels, imageShape, kernel, pad, stride, dilation, columns);
                break;
        }
    }

    /// <summary>
    /// im2col of output rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/> - 1
    /// of a 2-D convolution: the columns <see cref="ImageToColumns"/> would write for those rows, as a matrix of
    /// channels * kernelH * kernelW rows and rowCount * (output width) columns. A convolution whose whole column matrix
    /// would be too large computes its output a band of rows at a time.
    /// </summary>
    /// <param name="image">The image, channels x height x width values, row-major.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="imageShape">Height and width.</param>
    /// <param name="kernel">The kernel size per spatial axis.</param>
    /// <param name="pad">The zero padding per spatial axis (both sides).</param>
    /// <param name="stride">The stride per spatial axis.</param>
    /// <param name="dilation">The dilation per spatial axis.</param>
    /// <param name="firstRow">The first output row.</param>
    /// <param name="rowCount">How many output rows.</param>
    /// <param name="columns">Receives the columns; every entry is written.</param>
    public static unsafe void ImageToColumnRows(
        ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        int firstRow, int rowCount, Span<float> columns)
    {
        if (imageShape.Length != 2)
        {
            throw new ArgumentException("a band of rows is a 2-D convolution's", nameof(imageShape));
        }

        CheckArguments(image.Length, channels, imageShape, kernel, pad, stride, dilation, int.MaxValue);
        var outputH = OutputSize(imageShape[0], kernel[0], pad[0], stride[0], dilation[0]);
        var outputW = OutputSize(imageShape[1], kernel[1], pad[1], stride[1], dilation[1]);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rowCount, outputH, nameof(rowCount));
        if (columns.Length < (long)channels * kernel[0] * kernel[1] * rowCount * outputW)
        {
            throw new ArgumentException("the columns are shorter than the band needs", nameof(columns));
        }

        fixed (float* imageStart = image)
        fixed (float* columnStart = columns)
        {
            Traverse2D<Gather>(
                imageStart, columnStart, channels, imageShape[0], imageShape[1], kernel[0], kernel[1], pad[0], pad[1],
                stride[0], stride[1], dilation[0], dilation[1], firstRow, rowCount);
        }
    }

    /// <summary>
    /// im2col of output positions <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1
    /// (row-major over the output plane) of a 2-D convolution, in place in a column matrix whose rows are
    /// <paramref name="rowLength"/> long: column q of row r goes to columns[r * rowLength + q], and nothing outside
    /// those columns is written. A thread that computes a range of a convolution's output builds just the columns it
    /// reads, in its own buffer.
    /// </summary>
    internal static unsafe void ImageToColumnRange(
        ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        int first, int count, Span<float> columns, int rowLength)
    {
        if (imageShape.Length != 2)
        {
            throw new ArgumentException("a range of positions is a 2-D convolution's", nameof(imageShape));
        }

        CheckArguments(image.Length, channels, imageShape, kernel, pad, stride, dilation, int.MaxValue);
        int height = imageShape[0], width = imageShape[1];
        int kernelH = kernel[0], kernelW = kernel[1], strideH = stride[0], strideW = stride[1];
        int outputH = OutputSize(height, kernelH, pad[0], strideH, dilation[0]);
        int outputW = OutputSize(width, kernelW, pad[1], strideW, dilation[1]);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, outputH * outputW, nameof(count));
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, outputH * outputW);
        if (columns.Length < (long)channels * kernelH * kernelW * rowLength)
        {
            throw new ArgumentException("the columns are shorter than the rows need", nameof(columns));
        }

        if (count == 0)
        {
            return;
        }

        var planeSize = height * width;
        fixed (float* imageStart = image)
        fixed (float* columnStart = columns)
        {
            var row = columnStart;
            for (var c = 0; c < channels; c++)
            {
                var plane = imageStart + ((long)c * planeSize);
                for (var kh = 0; kh < kernelH; kh++)
                {
                    for (var kw = 0; kw < kernelW; kw++, row += rowLength)
                    {
                        var startW = (kw * dilation[1]) - pad[1];
                        var (inFirst, inLast) = InsideRange(startW, strideW, width, outputW);
                        var offsetH = (kh * dilation[0]) - pad[0];

                        // The positions first .. first + count - 1 cross output rows: one run per row they touch.
                        for (var q = first; q < first + count;)
                        {
                            var oh = q / outputW;
                            var ow0 = q - (oh * outputW);
                            var ow1 = Math.Min(outputW, ow0 + (first + count - q));
                            var target = row + q - ow0; // where column (oh, 0) would go
                            RowSegment<Gather>(plane, width, height, (oh * strideH) + offsetH, startW, strideW, inFirst, inLast, target, ow0, ow1);
                            q += ow1 - ow0;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// col2im: overwrites <paramref name="image"/> (channels x imageShape) with the sum of the column entries
    /// that <see cref="ImageToColumns"/> would have read from each place (the adjoint of im2col).
    /// </summary>
    /// <param name="columns">The column matrix, channels * prod(kernel) rows, prod(output size) columns.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="imageShape">The spatial size of the image on each axis.</param>
    /// <param name="kernel">The kernel size per spatial axis.</param>
    /// <param name="pad">The zero padding per spatial axis (both sides).</param>
    /// <param name="stride">The stride per spatial axis.</param>
    /// <param name="dilation">The dilation per spatial axis.</param>
    /// <param name="image">Receives the image; its previous contents are ignored.</param>
    public static void ColumnsToImage(
        ReadOnlySpan<float> columns, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        Span<float> image)
    {
        CheckArguments(image.Length, channels, imageShape, kernel, pad, stride, dilation, columns.Length);
        switch (imageShape.Length)
        {
            case 1:
                ColumnsToImage2D(columns, channels, 1, imageShape[0], 1, kernel[0], 0, pad[0], 1, stride[0], 1, dilation[0], image);
                break;
            case 2:
                ColumnsToImage2D(
                    columns, channels, imageShape[0], imageShape[1], kernel[0], kernel[1], pad[0], pad[1],
                    stride[0], stride[1], dilation[0], dilation[1], image);
                break;
            default:
                ColumnsToImageND(columns, channels, imageShape, kernel, pad, stride, dilation, image);
                break;
        }
    }

    private static void CheckArguments(
        int imageLength, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        int columnsLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channels);
        var axes = imageShape.Length;
        if (kernel.Length != axes || pad.Length != axes || stride.Length != axes || dilation.Length != axes)
        {
            throw new ArgumentException("kernel, pad, stride and dilation need one value per spatial axis of the image");
        }

        long imageCount = channels;
        long columnCount = channels;
        for (var i = 0; i < axes; i++)
        {
            if (imageShape[i] < 0 || kernel[i] <= 0 || pad[i] < 0 || stride[i] <= 0 || dilation[i] <= 0)
            {
                throw new ArgumentException($"spatial axis {i}: the size and pad must not be negative, the kernel, stride and dilation must be positive");
            }

            var output = OutputSize(imageShape[i], kernel[i], pad[i], stride[i], dilation[i]);
            if (imageShape[i] + (2 * pad[i]) < (dilation[i] * (kernel[i] - 1)) + 1)
            {
                throw new ArgumentException($"spatial axis {i}: the kernel extent exceeds the padded image");
            }

            imageCount *= imageShape[i];
            columnCount *= (long)kernel[i] * output;
        }

        if (imageLength < imageCount || columnsLength < columnCount)
        {
            throw new ArgumentException("the image or the column buffer is shorter than the shapes require");
        }
    }

    /// <summary>
    /// The range [first, last) of output positions q whose input position start + q * stride lies in [0, size).
    /// </summary>
    private static (int First, int Last) InsideRange(int start, int stride, int size, int outputs)
    {
        var first = start >= 0 ? 0 : (-start + stride - 1) / stride;
        var last = size - start <= 0 ? 0 : (size - start + stride - 1) / stride;
        first = Math.Min(first, outputs);
        last = Math.Clamp(last, first, outputs);
        return (first, last);
    }

    // Whether every run of a kernel offset lies inside the image (no padding reached): the columns first..last of
    // each run cover the whole output row, and the first and last input rows it reads exist.
    private static bool RunsInside(int first, int last, int outputW, int inputRow, int outputH, int strideH, int height) =>
        first == 0 && last == outputW && inputRow >= 0 && inputRow + ((outputH - 1) * strideH) < height;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ImageToColumns2D(
        ReadOnlySpan<float> image, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> columns)
    {
        fixed (float* imageStart = image)
        fixed (float* columnStart = columns)
        {
            Traverse2D<Gather>(imageStart, columnStart, channels, height, width, kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ColumnsToImage2D(
        ReadOnlySpan<float> columns, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> image)
    {
        image[..(channels * height * width)].Clear();
        fixed (float* imageStart = image)
        fixed (float* columnStart = columns)
        {
            Traverse2D<Scatter>(imageStart, columnStart, channels, height, width, kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW);
        }
    }

    // Walks the column rows (channel, kernel offset, output row) and the image runs they come from, for im2col
    // (Gather) and col2im (Scatter). The 2-D paths run on pointers: a convolution like LeNet's conv2 copies
    // thousands of runs of a few floats per image each way, and slicing a span and calling a copy for each costs
    // more than the copy itself.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Traverse2D<TDirection>(
        float* imageStart, float* columnStart, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int firstRow = 0, int rowCount = -1)
        where TDirection : struct, IRunDirection
    {
        // Output rows firstRow .. firstRow + outputH - 1 (all of them unless a range is given).
        var outputH = rowCount >= 0 ? rowCount : OutputSize(height, kernelH, padH, strideH, dilationH);
        var outputW = OutputSize(width, kernelW, padW, strideW, dilationW);
        var planeSize = height * width;
        var row = columnStart;
        for (var c = 0; c < channels; c++)
        {
            var plane = imageStart + ((long)c * planeSize);
            for (var kh = 0; kh < kernelH; kh++)
            {
                for (var kw = 0; kw < kernelW; kw++)
                {
                    var startW = (kw * dilationW) - padW;
                    var (first, last) = InsideRange(startW, strideW, width, outputW);
                    var inputRow = (kh * dilationH) - padH + (firstRow * strideH);
                    if (strideW == 1 && RunsInside(first, last, outputW, inputRow, outputH, strideH, height))
                    {
                        // Every run of this kernel offset lies inside the image: whole runs, no bounds work.
                        var pixels = plane + ((long)inputRow * width) + startW;
                        for (var oh = 0; oh < outputH; oh++, pixels += (long)strideH * width, row += outputW)
                        {
                            TDirection.Run(pixels, row, outputW);
                        }

                        continue;
                    }

                    for (var oh = 0; oh < outputH; oh++, inputRow += strideH, row += outputW)
                    {
                        RowSegment<TDirection>(plane, width, height, inputRow, startW, strideW, first, last, row, 0, outputW);
                    }
                }
            }
        }
    }

    // Positions ow0 .. ow1 - 1 of one output row of a column row (row[ow] is position ow) and the pixels of input row
    // inputRow they cover, starting at column startW: [inFirst, inLast) are the positions whose pixel lies inside the
    // row (InsideRange); the rest, and the whole run when the input row is outside the image, are padding.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void RowSegment<TDirection>(
        float* plane, int width, int height, int inputRow, int startW, int strideW, int inFirst, int inLast, float* row, int ow0, int ow1)
        where TDirection : struct, IRunDirection
    {
        var lo = Math.Clamp(inFirst, ow0, ow1);
        var hi = Math.Clamp(inLast, lo, ow1);
        if ((uint)inputRow >= (uint)height || lo == hi)
        {
            TDirection.Outside(row + ow0, ow1 - ow0);
            return;
        }

        TDirection.Outside(row + ow0, lo - ow0);
        TDirection.Outside(row + hi, ow1 - hi);
        var pixels = plane + ((long)inputRow * width) + startW;
        if (strideW == 1)
        {
            TDirection.Run(pixels + lo, row + lo, hi - lo);
        }
        else
        {
            TDirection.Strided(pixels, strideW, row, lo, hi);
        }
    }

    // What Traverse2D does with a run of a column row and the image pixels it covers.
    private unsafe interface IRunDirection
    {
        // row[0..count) and the contiguous pixels[0..count).
        static abstract void Run(float* pixels, float* row, int count);

        // row[ow] and pixels[ow * stride] for ow in [first, last).
        static abstract void Strided(float* pixels, int stride, float* row, int first, int last);

        // row[0..count) where it reaches padding.
        static abstract void Outside(float* row, int count);
    }

    // im2col: a column row takes its pixels, and zeros where it reaches padding.
    private readonly unsafe struct Gather : IRunDirection
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Run(float* pixels, float* row, int count) => Copy(pixels, row, count);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Strided(float* pixels, int stride, float* row, int first, int last)
        {
            var ow = first;
            if (stride == 2 && System.Runtime.Intrinsics.X86.Avx2.IsSupported)
            {
                // Stride 2 (ResNet's and GoogLeNet's first convolutions, every downsampling 1 x 1): sixteen pixels in two
                // loads, the even ones kept, eight outputs a step where one at a time took most of conv1's time. The
                // last pixel loaded, 2 ow + 15, lies inside the run while ow + 8 < last.
                for (; ow + 8 < last; ow += 8)
                {
                    var low = Vector256.Load(pixels + (2 * ow));
                    var high = Vector256.Load(pixels + (2 * ow) + 8);

                    // Per 128-bit half: low's 0 and 2, high's 0 and 2; then the four pairs put in order.
                    var even = System.Runtime.Intrinsics.X86.Avx.Shuffle(low, high, 0b10_00_10_00);
                    var ordered = System.Runtime.Intrinsics.X86.Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle();
                    Vector256.Store(ordered, row + ow);
                }
            }

            for (; ow < last; ow++)
            {
                row[ow] = pixels[ow * stride];
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Outside(float* row, int count) => new Span<float>(row, count).Clear();
    }

    // col2im: a column row is added onto its pixels; what reached padding goes nowhere.
    private readonly unsafe struct Scatter : IRunDirection
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Run(float* pixels, float* row, int count) => AddTo(row, pixels, count);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Strided(float* pixels, int stride, float* row, int first, int last)
        {
            for (var ow = first; ow < last; ow++)
            {
                pixels[ow * stride] += row[ow];
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void Outside(float* row, int count)
        {
        }
    }

    // Runs are short (a convolution's output width): vector steps of 8, then single values.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* source, float* destination, int count)
    {
        var i = 0;
        for (; Vector256.IsHardwareAccelerated && i + 8 <= count; i += 8)
        {
            Vector256.Store(Vector256.Load(source + i), destination + i);
        }

        for (; i < count; i++)
        {
            destination[i] = source[i];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTo(float* source, float* destination, int count)
    {
        var i = 0;
        for (; Vector256.IsHardwareAccelerated && i + 8 <= count; i += 8)
        {
            Vector256.Store(
                Vector256.Load(destination + i) + Vector256.Load(source + i), destination + i);
        }

        for (; i < count; i++)
        {
            destination[i] += source[i];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ImageToColumnsND(
        ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        Span<float> columns)
    {
        var axes = imageShape.Length;
        Span<int> outputShape = stackalloc int[axes];
        Span<int> kernelIndex = stackalloc int[axes];
        Span<int> outputIndex = stackalloc int[axes];
        var (kernelCount, outputCount) = Counts(imageShape, kernel, pad, stride, dilation, outputShape);
        var column = 0;
        for (var row = 0; row < channels * kernelCount; row++)
        {
            var channel = SplitRow(row, kernel, kernelIndex);
            outputIndex.Clear();
            for (var q = 0; q < outputCount; q++, column++)
            {
                var index = ImageIndex(channel, imageShape, pad, stride, dilation, kernelIndex, outputIndex);
                columns[column] = index < 0 ? 0f : image[index];
                Increment(outputIndex, outputShape);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ColumnsToImageND(
        ReadOnlySpan<float> columns, int channels, ReadOnlySpan<int> imageShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation,
        Span<float> image)
    {
        var axes = imageShape.Length;
        Span<int> outputShape = stackalloc int[axes];
        Span<int> kernelIndex = stackalloc int[axes];
        Span<int> outputIndex = stackalloc int[axes];
        var (kernelCount, outputCount) = Counts(imageShape, kernel, pad, stride, dilation, outputShape);
        var imageCount = channels;
        foreach (var size in imageShape)
        {
            imageCount *= size;
        }

        image[..imageCount].Clear();
        var column = 0;
        for (var row = 0; row < channels * kernelCount; row++)
        {
            var channel = SplitRow(row, kernel, kernelIndex);
            outputIndex.Clear();
            for (var q = 0; q < outputCount; q++, column++)
            {
                var index = ImageIndex(channel, imageShape, pad, stride, dilation, kernelIndex, outputIndex);
                if (index >= 0)
                {
                    image[index] += columns[column];
                }

                Increment(outputIndex, outputShape);
            }
        }
    }

    private static (int KernelCount, int OutputCount) Counts(
        ReadOnlySpan<int> imageShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> dilation, Span<int> outputShape)
    {
        var kernelCount = 1;
        var outputCount = 1;
        for (var i = 0; i < imageShape.Length; i++)
        {
            outputShape[i] = OutputSize(imageShape[i], kernel[i], pad[i], stride[i], dilation[i]);
            kernelCount *= kernel[i];
            outputCount *= outputShape[i];
        }

        return (kernelCount, outputCount);
    }

    /// <summary>Splits a column-matrix row into its kernel offsets (last axis fastest); returns the channel.</summary>
    private static int SplitRow(int row, ReadOnlySpan<int> kernel, Span<int> kernelIndex)
    {
        for (var i = kernel.Length - 1; i >= 0; i--)
        {
            kernelIndex[i] = row % kernel[i];
            row /= kernel[i];
        }

        return row;
    }

    /// <summary>The flat image index read for one kernel offset and output position, or -1 in the padding.</summary>
    private static int ImageIndex(
        int channel, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> dilation, ReadOnlySpan<int> kernelIndex, ReadOnlySpan<int> outputIndex)
    {
        var index = channel;
        for (var i = 0; i < imageShape.Length; i++)
        {
            var position = (outputIndex[i] * stride[i]) - pad[i] + (kernelIndex[i] * dilation[i]);
            if ((uint)position >= (uint)imageShape[i])
            {
                return -1;
            }

            index = (index * imageShape[i]) + position;
        }

        return index;
    }

    private static void Increment(Span<int> index, ReadOnlySpan<int> shape)
    {
        for (var i = index.Length - 1; i >= 0; i--)
        {
            if (++index[i] < shape[i])
            {
                return;
            }

            index[i] = 0;
        }
    }
}
