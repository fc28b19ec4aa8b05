using System.Runtime.CompilerServices;
using Caffe;
using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Vision;

namespace LayerNet.Gpu;

/// <summary>
/// The vision layers on the device: Convolution and Deconvolution (im2col and col2im kernels, the products through
/// <see cref="GpuDevice.Gemm"/> per item and group), Pooling (MAX, with or without the mask top, and AVE) and LRN
/// (ACROSS_CHANNELS and WITHIN_CHANNEL), forward and backward, with the CPU layers' formulas.
/// </summary>
/// <remarks>
/// <para>
/// Convolutions cover groups (depthwise ones too, as group = channels), dilation, stride, pad, the bias or none, 1x1
/// kernels (no columns) and several bottoms sharing the weights. Declined (the CPU runs them): bottoms with other than
/// 2 spatial axes, a top that is its bottom, and a convolution that has folded the layers after it into its forward
/// pass (<see cref="Layer.AbsorbFollowing"/> in a forward-only net). Parameter gradients accumulate over the items in
/// item order, as on the CPU.
/// </para>
/// <para>
/// Pooling declines only a top that is its bottom (STOCHASTIC is refused by the layer itself). With one top, MAX keeps
/// its indices in a blob of the family's for the backward pass; with two, the mask top holds them and backward reads
/// them from there, as Caffe does. LRN is never in place (the layer refuses it); it keeps its scale in a blob of the
/// family's. A layer's forward and backward are both on the device or both on the CPU: what each keeps for backward
/// lives on its own side.
/// </para>
/// </remarks>
internal sealed class VisionFamily : DeviceFamily
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ColumnShape> _imageToColumns;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ColumnShape> _columnsToImage;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _addChannelBias;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _addChannelSums;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> _maxPoolForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> _maxPoolBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> _avePoolForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> _avePoolBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, LrnShape> _lrnAcrossScale;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, LrnShape> _lrnWithinScale;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _lrnNormalize;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _lrnRatio;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnShape> _lrnAcrossBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnShape> _lrnWithinBackward;

    // What a layer keeps on the device between its forward and backward passes: MAX pooling's indices, LRN's scale.
    private readonly ConditionalWeakTable<Layer, Blob> _kept = [];

    // Working space (a convolution's columns, LRN's ratios): the kernels run in order on one stream, so one suffices.
    private Blob _scratch = new(1);

    public VisionFamily(GpuDevice device)
        : base(device)
    {
        _imageToColumns = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ColumnShape>(VisionKernels.ImageToColumns);
        _columnsToImage = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ColumnShape>(VisionKernels.ColumnsToImage);
        _addChannelBias = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(VisionKernels.AddChannelBias);
        _addChannelSums = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(VisionKernels.AddChannelSums);
        _maxPoolForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(VisionKernels.MaxPoolForward);
        _maxPoolBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(VisionKernels.MaxPoolBackward);
        _avePoolForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(VisionKernels.AvePoolForward);
        _avePoolBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(VisionKernels.AvePoolBackward);
        _lrnAcrossScale = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LrnShape>(VisionKernels.LrnAcrossScale);
        _lrnWithinScale = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LrnShape>(VisionKernels.LrnWithinScale);
        _lrnNormalize = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(VisionKernels.LrnNormalize);
        _lrnRatio = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(VisionKernels.LrnRatio);
        _lrnAcrossBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnShape>(VisionKernels.LrnAcrossBackward);
        _lrnWithinBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnShape>(VisionKernels.LrnWithinBackward);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => layer switch
    {
        BaseConvolutionLayer convolution => ConvolutionForward(convolution, bottom, top),
        PoolingLayer pooling => PoolingForward(pooling, bottom[0], top),
        LRNLayer lrn => LrnForward(lrn, bottom[0], top[0]),
        _ => false,
    };

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom) => layer switch
    {
        BaseConvolutionLayer convolution => ConvolutionBackward(convolution, top, propagateDown, bottom),
        PoolingLayer pooling => PoolingBackward(pooling, top, propagateDown[0], bottom[0]),
        LRNLayer lrn => LrnBackward(lrn, top[0], propagateDown[0], bottom[0]),
        _ => false,
    };

    // ---- Convolution and Deconvolution ----

    // The layer's geometry as BaseConvolutionLayer works it out, from its parameter and blobs; null when declined.
    private static ConvolutionPlan? PlanOf(BaseConvolutionLayer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var i = 0; i < bottom.Count; i++)
        {
            if (ReferenceEquals(bottom[i], top[i]))
            {
                return null;
            }
        }

        if (layer.HasFoldedLayers)
        {
            // BatchNorm, Scale or ReLU folded into the convolution's forward: the CPU's pass.
            return null;
        }

        var p = layer.Parameter.ConvolutionParam ?? new ConvolutionParameter();
        var input = bottom[0];
        var output = top[0];
        var channelAxis = p.Axis < 0 ? p.Axis + input.AxisCount : p.Axis;
        if (input.AxisCount - channelAxis - 1 != 2)
        {
            return null;
        }

        var geometry = ConvolutionGeometry.Read(p, 2, layer);
        var reverse = layer is DeconvolutionLayer;
        var group = (int)p.Group;
        var numOutput = (int)p.NumOutput;
        var channels = input.Shape[channelAxis];
        var convIn = reverse ? output : input;
        var convOut = reverse ? input : output;
        var columns = new ColumnShape(
            reverse ? numOutput : channels, convIn.Shape[channelAxis + 1], convIn.Shape[channelAxis + 2],
            geometry.Kernel[0], geometry.Kernel[1], geometry.Pad[0], geometry.Pad[1], geometry.Stride[0], geometry.Stride[1],
            geometry.Dilation[0], geometry.Dilation[1], convOut.Shape[channelAxis + 1], convOut.Shape[channelAxis + 2]);
        var is1x1 = geometry.Kernel[0] == 1 && geometry.Kernel[1] == 1 && geometry.Stride[0] == 1 && geometry.Stride[1] == 1
            && geometry.Pad[0] == 0 && geometry.Pad[1] == 0;
        return new ConvolutionPlan(
            columns, is1x1, reverse, group, numOutput, reverse ? channels : numOutput, input.CountRange(0, channelAxis),
            input.CountFrom(channelAxis), output.CountFrom(channelAxis), output.CountFrom(channelAxis + 1));
    }

    private bool ConvolutionForward(BaseConvolutionLayer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (PlanOf(layer, bottom, top) is not { } plan)
        {
            return false;
        }

        var weight = Read(layer.Blobs[0]);
        for (var i = 0; i < bottom.Count; i++)
        {
            var x = Read(bottom[i]);
            var y = Write(top[i]);
            for (var n = 0; n < plan.Items; n++)
            {
                var xn = x.SubView(n * plan.BottomDim, plan.BottomDim);
                var yn = y.SubView(n * plan.TopDim, plan.TopDim);
                if (plan.Reverse)
                {
                    InputGradient(plan, xn, weight, yn);
                }
                else
                {
                    Convolve(plan, xn, weight, yn);
                }
            }

            if (layer.Blobs.Count > 1)
            {
                _addChannelBias(plan.Items * plan.TopDim, y, Read(layer.Blobs[1]), plan.OutSpatial, plan.NumOutput);
            }
        }

        return true;
    }

    // In the order of the CPU's backward: per top, the bias gradient, the weight gradient (items in order), the input's.
    private bool ConvolutionBackward(BaseConvolutionLayer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (PlanOf(layer, bottom, top) is not { } plan)
        {
            return false;
        }

        for (var i = 0; i < top.Count; i++)
        {
            var dy = ReadDiff(top[i]);
            if (layer.Blobs.Count > 1 && layer.ParamPropagateDown(1))
            {
                _addChannelSums(plan.NumOutput, dy, WriteDiff(layer.Blobs[1]), plan.Items, plan.NumOutput, plan.OutSpatial);
            }

            if (layer.ParamPropagateDown(0))
            {
                var x = Read(bottom[i]);
                var dw = WriteDiff(layer.Blobs[0]);
                for (var n = 0; n < plan.Items; n++)
                {
                    var xn = x.SubView(n * plan.BottomDim, plan.BottomDim);
                    var dyn = dy.SubView(n * plan.TopDim, plan.TopDim);
                    if (plan.Reverse)
                    {
                        AccumulateWeightGradient(plan, dyn, xn, dw);
                    }
                    else
                    {
                        AccumulateWeightGradient(plan, xn, dyn, dw);
                    }
                }
            }

            if (propagateDown[i])
            {
                var weight = Read(layer.Blobs[0]);
                var dx = WriteDiff(bottom[i]);
                for (var n = 0; n < plan.Items; n++)
                {
                    var dyn = dy.SubView(n * plan.TopDim, plan.TopDim);
                    var dxn = dx.SubView(n * plan.BottomDim, plan.BottomDim);
                    if (plan.Reverse)
                    {
                        Convolve(plan, dyn, weight, dxn);
                    }
                    else
                    {
                        InputGradient(plan, dyn, weight, dxn);
                    }
                }
            }
        }

        return true;
    }

    // The columns the products read for one item of the convolution's input: the input itself for a 1x1 kernel.
    private ArrayView<float> Columns(ConvolutionPlan plan, ArrayView<float> input)
    {
        if (plan.Is1x1)
        {
            return input;
        }

        var columns = Scratch(plan.ColumnCount);
        _imageToColumns(plan.ColumnCount, input, columns, plan.Shape);
        return columns;
    }

    // output = W im2col(input), per group (one item).
    private void Convolve(ConvolutionPlan plan, ArrayView<float> input, ArrayView<float> weight, ArrayView<float> output)
    {
        var columns = Columns(plan, input);
        var m = plan.ConvOutChannels / plan.Group;
        for (var g = 0; g < plan.Group; g++)
        {
            Device.Gemm(
                weight.SubView(plan.WeightOffset * g, plan.WeightOffset), columns.SubView(plan.ColumnOffset * g, plan.ColumnOffset),
                output.SubView(plan.OutputOffset * g, plan.OutputOffset),
                new GemmShape(m, plan.ConvOutSpatial, plan.KernelDim, transposeA: false, transposeB: false, 1f, 0f));
        }
    }

    // input = col2im(W^T output), per group (one item).
    private void InputGradient(ConvolutionPlan plan, ArrayView<float> output, ArrayView<float> weight, ArrayView<float> input)
    {
        var columns = plan.Is1x1 ? input : Scratch(plan.ColumnCount);
        var k = plan.ConvOutChannels / plan.Group;
        for (var g = 0; g < plan.Group; g++)
        {
            Device.Gemm(
                weight.SubView(plan.WeightOffset * g, plan.WeightOffset), output.SubView(plan.OutputOffset * g, plan.OutputOffset),
                columns.SubView(plan.ColumnOffset * g, plan.ColumnOffset),
                new GemmShape(plan.KernelDim, plan.ConvOutSpatial, k, transposeA: true, transposeB: false, 1f, 0f));
        }

        if (!plan.Is1x1)
        {
            _columnsToImage(plan.Shape.Channels * plan.Shape.Height * plan.Shape.Width, columns, input, plan.Shape);
        }
    }

    // weights += output im2col(input)^T, per group (one item).
    private void AccumulateWeightGradient(ConvolutionPlan plan, ArrayView<float> input, ArrayView<float> output, ArrayView<float> weights)
    {
        var columns = Columns(plan, input);
        var m = plan.ConvOutChannels / plan.Group;
        for (var g = 0; g < plan.Group; g++)
        {
            Device.Gemm(
                output.SubView(plan.OutputOffset * g, plan.OutputOffset), columns.SubView(plan.ColumnOffset * g, plan.ColumnOffset),
                weights.SubView(plan.WeightOffset * g, plan.WeightOffset),
                new GemmShape(m, plan.KernelDim, plan.ConvOutSpatial, transposeA: false, transposeB: true, 1f, 1f));
        }
    }

    // ---- Pooling ----

    // The layer's geometry from its parameter and its blobs' shapes (the top's is the pooled size); null when declined.
    private static PoolShape? PoolShapeOf(PoolingLayer layer, Blob x, IReadOnlyList<Blob> top)
    {
        if (ReferenceEquals(x, top[0]))
        {
            return null;
        }

        var p = layer.Parameter.PoolingParam ?? new PoolingParameter();
        int kernelH, kernelW;
        if (p.GlobalPooling)
        {
            (kernelH, kernelW) = (x.Height, x.Width);
        }
        else
        {
            (kernelH, kernelW) = p.HasKernelSize ? ((int)p.KernelSize, (int)p.KernelSize) : ((int)p.KernelH, (int)p.KernelW);
        }

        var (padH, padW) = p.HasPadH || p.HasPadW ? ((int)p.PadH, (int)p.PadW) : ((int)p.Pad, (int)p.Pad);
        var (strideH, strideW) = p.HasStrideH || p.HasStrideW ? ((int)p.StrideH, (int)p.StrideW) : ((int)p.Stride, (int)p.Stride);
        return new PoolShape(x.Height, x.Width, top[0].Height, top[0].Width, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    private static bool IsMax(PoolingLayer layer) =>
        (layer.Parameter.PoolingParam?.Pool ?? PoolingParameter.Types.PoolMethod.Max) == PoolingParameter.Types.PoolMethod.Max;

    private bool PoolingForward(PoolingLayer layer, Blob x, IReadOnlyList<Blob> top)
    {
        if (PoolShapeOf(layer, x, top) is not { } shape)
        {
            return false;
        }

        var count = top[0].Count;
        if (!IsMax(layer))
        {
            _avePoolForward(count, Read(x), Write(top[0]), shape);
            return true;
        }

        var indices = top.Count > 1 ? Write(top[1]) : Write(Kept(layer, count));
        _maxPoolForward(count, Read(x), Write(top[0]), indices, shape);
        return true;
    }

    private bool PoolingBackward(PoolingLayer layer, IReadOnlyList<Blob> top, bool toInput, Blob x)
    {
        if (PoolShapeOf(layer, x, top) is not { } shape)
        {
            return false;
        }

        if (!toInput)
        {
            return true;
        }

        if (!IsMax(layer))
        {
            _avePoolBackward(x.Count, ReadDiff(top[0]), WriteDiff(x), shape);
            return true;
        }

        var indices = top.Count > 1 ? Read(top[1]) : Read(Kept(layer, top[0].Count));
        _maxPoolBackward(x.Count, ReadDiff(top[0]), indices, WriteDiff(x), shape);
        return true;
    }

    // ---- LRN ----

    private static LrnShape ShapeOf(LRNLayer layer, Blob x, out bool across)
    {
        var p = layer.Parameter.LrnParam ?? new LRNParameter();
        var size = (int)p.LocalSize;
        across = p.NormRegion == LRNParameter.Types.NormRegion.AcrossChannels;
        var window = across ? size : size * size;
        return new LrnShape(x.Channels, x.Height, x.Width, size, p.Alpha, p.Alpha / size, p.Beta, p.K, 2f * p.Alpha * p.Beta / window);
    }

    private bool LrnForward(LRNLayer layer, Blob x, Blob y)
    {
        var shape = ShapeOf(layer, x, out var across);
        var scale = Write(Kept(layer, x.Count));
        if (across)
        {
            _lrnAcrossScale(x.Num * x.Height * x.Width, Read(x), scale, shape);
        }
        else
        {
            _lrnWithinScale(x.Count, Read(x), scale, shape);
        }

        _lrnNormalize(x.Count, Read(x), scale, Write(y), shape.Beta);
        return true;
    }

    private bool LrnBackward(LRNLayer layer, Blob y, bool toInput, Blob x)
    {
        if (!toInput)
        {
            return true;
        }

        var shape = ShapeOf(layer, x, out var across);
        var scale = Read(Kept(layer, x.Count));
        var ratio = Scratch(x.Count);
        _lrnRatio(x.Count, Read(y), ReadDiff(y), scale, ratio);
        if (across)
        {
            _lrnAcrossBackward(x.Num * x.Height * x.Width, Read(x), ReadDiff(y), scale, ratio, WriteDiff(x), shape);
        }
        else
        {
            _lrnWithinBackward(x.Count, Read(x), ReadDiff(y), scale, ratio, WriteDiff(x), shape);
        }

        return true;
    }

    // ---- Working space ----

    // The blob that keeps what this layer's backward pass reads, of at least `count` values.
    private Blob Kept(Layer layer, int count)
    {
        var blob = _kept.GetValue(layer, _ => new Blob(Math.Max(1, count)));
        if (blob.Count < count)
        {
            blob.Reshape([count]);
        }

        return blob;
    }

    // The family's working space, at least `count` values (its old contents are not kept when it grows).
    private ArrayView<float> Scratch(int count)
    {
        if (_scratch.Count < count)
        {
            Device.Synchronize();
            _scratch.ReleaseDevice();
            _scratch = new Blob(count);
        }

        return WriteDiff(_scratch);
    }
}
