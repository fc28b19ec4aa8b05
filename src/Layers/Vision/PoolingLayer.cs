using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's Pooling: the maximum (MAX) or mean (AVE) of each kernel window of every channel of a
/// num x channels x height x width bottom.
/// </summary>
/// <remarks>
/// <para>
/// Output size per axis: ceil((in + 2 pad - kernel) / stride) + 1 (floor with <c>round_mode: FLOOR</c>), in float as
/// Caffe computes it, so a window larger than the padded input by less than a stride still gives one output; with a
/// pad, one less when the last window would start in the padding ((out - 1) stride &gt;= in + pad). With
/// <c>global_pooling</c> the kernel is the whole input. The window of output (ph, pw) starts at
/// (ph stride_h - pad_h, pw stride_w - pad_w).
/// </para>
/// <para>
/// MAX: y = max of the window clipped to the input; the first maximum's index h * width + w within the channel
/// is kept (in a second top when one is given, as Caffe does). Backward: dx[argmax] += dy.
/// </para>
/// <para>
/// AVE: y = sum of the window clipped to the input / n, where n counts the window clipped to the padded input
/// (in + pad), so padding inside the image's pad border counts as zeros. Backward: dx += dy / n over the window.
/// </para>
/// <para>STOCHASTIC is not supported (Caffe has no CPU implementation either).</para>
/// </remarks>
public sealed class PoolingLayer : Layer
{
    private readonly PoolingParameter.Types.PoolMethod _method;
    private readonly bool _global;
    private readonly bool _floor;
    private readonly int _strideH;
    private readonly int _strideW;
    private readonly int _padH;
    private readonly int _padW;
    private int _kernelH;
    private int _kernelW;
    private int _height;
    private int _width;
    private int _pooledH;
    private int _pooledW;
    private int _planes;
    private int[] _argmax = [];

    /// <summary>Creates the layer from its definition (<c>pooling_param</c>).</summary>
    public PoolingLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: Tops(parameter))
    {
        var p = parameter.PoolingParam ?? new PoolingParameter();
        _method = p.Pool;
        if (_method == PoolingParameter.Types.PoolMethod.Stochastic)
        {
            throw Error("pooling_param.pool STOCHASTIC is not supported; use MAX or AVE");
        }

        if (_method is not (PoolingParameter.Types.PoolMethod.Max or PoolingParameter.Types.PoolMethod.Ave))
        {
            throw Error($"pooling_param.pool {_method} is not a known pooling method");
        }

        _global = p.GlobalPooling;
        _floor = p.RoundMode == PoolingParameter.Types.RoundMode.Floor;
        if (_global)
        {
            if (p.HasKernelSize || p.HasKernelH || p.HasKernelW)
            {
                throw Error("pooling_param: with global_pooling the kernel size cannot be given");
            }
        }
        else
        {
            if (p.HasKernelSize == (p.HasKernelH || p.HasKernelW))
            {
                throw Error(p.HasKernelSize
                    ? "pooling_param: give kernel_size or kernel_h and kernel_w, not both"
                    : "pooling_param: the kernel size is required (kernel_size, or kernel_h and kernel_w)");
            }

            if (!p.HasKernelSize && !(p.HasKernelH && p.HasKernelW))
            {
                throw Error("pooling_param: a non-square kernel needs both kernel_h and kernel_w");
            }

            _kernelH = ToInt(p.HasKernelSize ? p.KernelSize : p.KernelH);
            _kernelW = ToInt(p.HasKernelSize ? p.KernelSize : p.KernelW);
            if (_kernelH <= 0 || _kernelW <= 0)
            {
                throw Error($"pooling_param: the kernel size must be positive, got {_kernelH} x {_kernelW}");
            }
        }

        (_padH, _padW) = PerAxis(p.HasPad, p.Pad, p.HasPadH, p.PadH, p.HasPadW, p.PadW, "pad");
        (_strideH, _strideW) = PerAxis(p.HasStride, p.Stride, p.HasStrideH, p.StrideH, p.HasStrideW, p.StrideW, "stride");
        if (_strideH <= 0 || _strideW <= 0)
        {
            throw Error($"pooling_param: the stride must be positive, got {_strideH} x {_strideW}");
        }

        if (_global && (_padH != 0 || _padW != 0 || _strideH != 1 || _strideW != 1))
        {
            throw Error("pooling_param: with global_pooling only pad 0 and stride 1 are allowed");
        }

        if (!_global && (_padH >= _kernelH || _padW >= _kernelW))
        {
            throw Error($"pooling_param: the pad ({_padH} x {_padW}) must be less than the kernel size ({_kernelH} x {_kernelW})");
        }
    }

    // MAX (the default) may give a second top: the argmax.
    private static BlobArity Tops(LayerParameter parameter) =>
        parameter?.PoolingParam?.Pool is null or PoolingParameter.Types.PoolMethod.Max ? BlobArity.Between(1, 2) : BlobArity.Exactly(1);

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        RequireImageAxes(input, "pooling");

        _height = input.Height;
        _width = input.Width;
        if (_global)
        {
            _kernelH = _height;
            _kernelW = _width;
        }

        _pooledH = PooledSize(_height, _kernelH, _padH, _strideH, _floor);
        _pooledW = PooledSize(_width, _kernelW, _padW, _strideW, _floor);
        if (_pooledH <= 0 || _pooledW <= 0)
        {
            throw Error($"bottom '{input.Name}' of shape {input.ShapeString} is smaller than the kernel ({_kernelH} x {_kernelW}) with pad ({_padH} x {_padW})");
        }

        _planes = input.Num * input.Channels;
        int[] shape = [input.Num, input.Channels, _pooledH, _pooledW];
        foreach (var blob in top)
        {
            blob.Reshape(shape);
        }

        var count = top[0].Count;
        if (_method == PoolingParameter.Types.PoolMethod.Max && _argmax.Length < count)
        {
            _argmax = new int[count];
        }
    }

    // Inputs of at least this many values (256 KB) are pooled on several threads.
    private const int SplitValues = 1 << 16;

    private Blob? _input;
    private Blob? _output;
    private Action<int, int>? _forwardPlanes;

    // Planes [planes * part / parts, planes * (part + 1) / parts) of the forward pass.
    private void ForwardPlanes(int part, int parts)
    {
        int first = _planes * part / parts, count = (_planes * (part + 1) / parts) - first;
        int planeIn = _height * _width, planeOut = _pooledH * _pooledW;
        var x = _input!.Data.Slice(first * planeIn, count * planeIn);
        var y = _output!.Data.Slice(first * planeOut, count * planeOut);
        if (_method == PoolingParameter.Types.PoolMethod.Ave)
        {
            Pooling.AverageForward(x, count, Geometry, y);
        }
        else
        {
            Pooling.MaxForward(x, count, Geometry, y, _argmax.AsSpan(first * planeOut, count * planeOut));
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Planes are independent: a large input is split over the threads by planes (the same values either way).
        (_input, _output) = (bottom[0], top[0]);
        _forwardPlanes ??= ForwardPlanes;
        try
        {
            Workers.RunParts(Math.Min(WorkParts.For(bottom[0].Count >= SplitValues), _planes), _forwardPlanes);
        }
        finally
        {
            (_input, _output) = (null, null);
        }

        if (_method == PoolingParameter.Types.PoolMethod.Max && top.Count > 1)
        {
            // The mask top: Caffe's indices within the plane, as floats.
            var mask = top[1].Data;
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] = _argmax[i];
            }
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var geometry = Geometry;
        if (_method == PoolingParameter.Types.PoolMethod.Ave)
        {
            Pooling.AverageBackward(top[0].Diff, _planes, geometry, bottom[0].Diff);
            return;
        }

        if (top.Count > 1)
        {
            // As Caffe: the indices come from the mask top.
            var mask = top[1].Data;
            for (var i = 0; i < mask.Length; i++)
            {
                _argmax[i] = (int)mask[i];
            }
        }

        Pooling.MaxBackward(top[0].Diff, _argmax, _planes, geometry, bottom[0].Diff);
    }

    private PoolGeometry Geometry =>
        new(_height, _width, _pooledH, _pooledW, _kernelH, _kernelW, _strideH, _strideW, _padH, _padW);

    /// <summary>The output size on one axis, as Caffe's Pooling computes it (see the class remarks); SPP's levels use it too.</summary>
    internal static int PooledSize(int size, int kernel, int pad, int stride, bool floor)
    {
        // Caffe's formula, in float as Caffe evaluates it: a window larger than the padded input gives a negative
        // quotient that rounds up to 0, hence one output (OpenPose's 1x1 placeholder input). Rounding up lets
        // windows hang over the bottom/right edge.
        var quotient = (float)(size + (2 * pad) - kernel) / stride;
        var pooled = (int)(floor ? MathF.Floor(quotient) : MathF.Ceiling(quotient)) + 1;
        if (pad > 0 && (pooled - 1) * stride >= size + pad)
        {
            // The last window would start in the padding: drop it.
            pooled--;
        }

        return pooled;
    }

    private (int H, int W) PerAxis(bool hasBoth, uint both, bool hasH, uint h, bool hasW, uint w, string field)
    {
        if (hasH || hasW)
        {
            if (hasBoth || !(hasH && hasW))
            {
                throw Error($"pooling_param: give {field}, or both {field}_h and {field}_w");
            }

            return (ToInt(h), ToInt(w));
        }

        return (ToInt(both), ToInt(both));
    }

    private static int ToInt(uint value) => value > int.MaxValue / 4 ? int.MaxValue / 4 : (int)value;
}
