namespace LayerNet.Layers.Images;

/// <summary>
/// Resizes 8-bit interleaved images (1 to 4 channels) as OpenCV's <c>cv::resize</c> with <c>INTER_LINEAR</c> does
/// on x86-64 (what Caffe's io.cpp and window_data_layer.cpp call), to the byte.
/// </summary>
/// <remarks>
/// <para>
/// Output pixel <c>(dx, dy)</c> samples the source at <c>fx = (dx + 0.5) * scale_x - 0.5</c> (in double, then
/// rounded to float), <c>scale_x = 1 / (dst_width / src_width)</c>, likewise for y; <c>sx = floor(fx)</c> and the
/// fraction <c>fx - sx</c>. Columns are clamped to the edges (fraction 0 there); rows are not: above the first
/// row both taps read row 0 with their unclamped weights, as OpenCV does. Each axis's two weights are
/// <c>round((1 - f) * 2048)</c> and <c>round(f * 2048)</c> (11 bits, ties to even). The horizontal pass is exact:
/// <c>h = S[sx] * a0 + S[sx + 1] * a1</c>. The vertical pass is the one OpenCV's vector code computes for every
/// value of a row: <c>v = ((h0 &gt;&gt; 4) * b0 &gt;&gt; 16) + ((h1 &gt;&gt; 4) * b1 &gt;&gt; 16)</c>, then
/// <c>(v + 2) &gt;&gt; 2</c>, which is at times one below the exact rounding. An exact halving of both sides is
/// OpenCV's INTER_AREA shortcut instead: the rounded mean of each 2 x 2 block.
/// </para>
/// <para>
/// Checked against OpenCV 4.6 (Debian's python3-opencv) on photographs (JPEG and PNG, up and down, odd sizes):
/// identical bytes. Not reproduced: builds of OpenCV with IPP or a vendor HAL, and OpenCV 2.4, whose scalar
/// tail (the last values of a row that fill no vector) rounds exactly and so can be one higher there.
/// </para>
/// </remarks>
internal sealed class LinearResizer
{
    private const int CoefficientBits = 11;
    private const int CoefficientScale = 1 << CoefficientBits;

    private int[] _columnOffsets = [];
    private short[] _columnWeights = [];
    private int[] _rowOffsets = [];
    private short[] _rowWeights = [];
    private int[] _upper = [];
    private int[] _lower = [];

    /// <summary>
    /// Resizes the <paramref name="width"/> x <paramref name="height"/> region of <paramref name="source"/> that starts
    /// at its first byte (rows <paramref name="sourceStride"/> bytes apart) into <paramref name="target"/>
    /// (<paramref name="targetWidth"/> x <paramref name="targetHeight"/>, rows packed). The buffers it needs are kept
    /// for the next call.
    /// </summary>
    public void Resize(
        ReadOnlySpan<byte> source, int width, int height, int sourceStride, int channels,
        Span<byte> target, int targetWidth, int targetHeight)
    {
        if (width <= 0 || height <= 0 || targetWidth <= 0 || targetHeight <= 0 || channels is < 1 or > 4)
        {
            throw new ArgumentException($"cannot resize {width} x {height} x {channels} to {targetWidth} x {targetHeight}");
        }

        if (target.Length < targetWidth * targetHeight * channels)
        {
            throw new ArgumentException("the target is too small", nameof(target));
        }

        var scaleX = 1.0 / ((double)targetWidth / width);
        var scaleY = 1.0 / ((double)targetHeight / height);
        if (scaleX == 2.0 && scaleY == 2.0 && channels != 2)
        {
            // OpenCV turns INTER_LINEAR into INTER_AREA for an exact halving.
            HalveByArea(source, sourceStride, channels, target, targetWidth, targetHeight);
            return;
        }

        Grow(ref _columnOffsets, targetWidth);
        Grow(ref _columnWeights, targetWidth * 2);
        Grow(ref _rowOffsets, targetHeight);
        Grow(ref _rowWeights, targetHeight * 2);
        Coefficients(scaleX, width, targetWidth, _columnOffsets, _columnWeights, clamp: true);
        Coefficients(scaleY, height, targetHeight, _rowOffsets, _rowWeights, clamp: false);

        var rowLength = targetWidth * channels;
        Grow(ref _upper, rowLength);
        Grow(ref _lower, rowLength);
        var upper = _upper.AsSpan(0, rowLength);
        var lower = _lower.AsSpan(0, rowLength);
        int upperRow = -1, lowerRow = -1;
        for (var dy = 0; dy < targetHeight; dy++)
        {
            // Rows are not clamped with their weights: above the first row (or below the last) both taps read
            // the edge row, with the unclamped weights, as OpenCV does.
            var sy0 = Math.Clamp(_rowOffsets[dy], 0, height - 1);
            var sy1 = Math.Clamp(_rowOffsets[dy] + 1, 0, height - 1);

            // Rows are filtered once and kept while the next output rows still need them.
            if (sy0 != upperRow)
            {
                if (sy0 == lowerRow)
                {
                    (_upper, _lower) = (_lower, _upper);
                    upper = _upper.AsSpan(0, rowLength);
                    lower = _lower.AsSpan(0, rowLength);
                    (upperRow, lowerRow) = (lowerRow, -1);
                }
                else
                {
                    FilterRow(source.Slice(sy0 * sourceStride), channels, targetWidth, upper);
                    upperRow = sy0;
                }
            }

            if (sy1 != lowerRow)
            {
                FilterRow(source.Slice(sy1 * sourceStride), channels, targetWidth, lower);
                lowerRow = sy1;
            }

            Blend(upper, lower, _rowWeights[dy * 2], _rowWeights[(dy * 2) + 1], target.Slice(dy * rowLength, rowLength));
        }
    }

    /// <summary>
    /// OpenCV's sample positions and 11-bit weights along one axis; columns are clamped to the edges (weight 0 past
    /// them), rows are not.
    /// </summary>
    private static void Coefficients(double scale, int sourceLength, int targetLength, Span<int> offsets, Span<short> weights, bool clamp)
    {
        for (var d = 0; d < targetLength; d++)
        {
            var f = (float)(((d + 0.5) * scale) - 0.5);
            var s = (int)MathF.Floor(f);
            f -= s;
            if (clamp && s < 0)
            {
                (s, f) = (0, 0f);
            }

            if (clamp && s >= sourceLength - 1)
            {
                (s, f) = (sourceLength - 1, 0f);
            }

            offsets[d] = s;
            weights[d * 2] = RoundWeight((1f - f) * CoefficientScale);
            weights[(d * 2) + 1] = RoundWeight(f * CoefficientScale);
        }
    }

    private static short RoundWeight(float value) => (short)MathF.Round(value, MidpointRounding.ToEven);

    private void FilterRow(ReadOnlySpan<byte> row, int channels, int targetWidth, Span<int> output)
    {
        for (var dx = 0; dx < targetWidth; dx++)
        {
            var sx = _columnOffsets[dx] * channels;
            int a0 = _columnWeights[dx * 2], a1 = _columnWeights[(dx * 2) + 1];

            // At the right edge the second weight is 0 and the second sample would lie past the row.
            var next = a1 == 0 ? sx : sx + channels;
            for (var c = 0; c < channels; c++)
            {
                output[(dx * channels) + c] = (row[sx + c] * a0) + (row[next + c] * a1);
            }
        }
    }

    private static void Blend(ReadOnlySpan<int> upper, ReadOnlySpan<int> lower, int b0, int b1, Span<byte> output)
    {
        for (var x = 0; x < output.Length; x++)
        {
            // Each product's high half fits 16 bits (at most 1020), so the saturating sum never saturates.
            var sum = (((upper[x] >> 4) * b0) >> 16) + (((lower[x] >> 4) * b1) >> 16);
            output[x] = (byte)Math.Clamp((sum + 2) >> 2, 0, 255);
        }
    }

    private static void HalveByArea(ReadOnlySpan<byte> source, int sourceStride, int channels, Span<byte> target, int targetWidth, int targetHeight)
    {
        var rowLength = targetWidth * channels;
        for (var dy = 0; dy < targetHeight; dy++)
        {
            var top = source.Slice(dy * 2 * sourceStride);
            var bottom = source.Slice(((dy * 2) + 1) * sourceStride);
            var output = target.Slice(dy * rowLength, rowLength);
            for (var dx = 0; dx < targetWidth; dx++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var left = (dx * 2 * channels) + c;
                    var right = left + channels;
                    output[(dx * channels) + c] = (byte)((top[left] + top[right] + bottom[left] + bottom[right] + 2) >> 2);
                }
            }
        }
    }

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }
}
