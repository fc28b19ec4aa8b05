namespace LayerNet.Gpu;

/// <summary>
/// A convolution's geometry as <see cref="LayerNet.Layers.Vision.BaseConvolutionLayer"/> works it out: the convolution
/// proper maps the input (the bottom, or a deconvolution's top) of <see cref="ColumnShape.Channels"/> channels to
/// <see cref="ConvOutChannels"/> channels in <see cref="Group"/> groups.
/// </summary>
/// <param name="Shape">im2col's geometry over one item of the convolution's input.</param>
/// <param name="Is1x1">A 1x1 kernel, stride 1, no pad: the columns are the input itself.</param>
/// <param name="Reverse">A deconvolution: its forward is a convolution's input gradient.</param>
/// <param name="Group">The groups.</param>
/// <param name="NumOutput">The layer's output channels (the bias's length).</param>
/// <param name="ConvOutChannels">The convolution's output channels (num_output, or a deconvolution's bottom channels).</param>
/// <param name="Items">The items: the product of the axes before the channel axis.</param>
/// <param name="BottomDim">The bottom's values per item.</param>
/// <param name="TopDim">The top's values per item.</param>
/// <param name="OutSpatial">The top's spatial size (the bias's run per channel).</param>
internal sealed record ConvolutionPlan(
    ColumnShape Shape, bool Is1x1, bool Reverse, int Group, int NumOutput, int ConvOutChannels, int Items, int BottomDim, int TopDim, int OutSpatial)
{
    /// <summary>The rows of one group's columns: input channels per group times the kernel's taps.</summary>
    public int KernelDim => Shape.Channels / Group * Shape.KernelH * Shape.KernelW;

    /// <summary>The convolution's output positions per item.</summary>
    public int ConvOutSpatial => Shape.OutputH * Shape.OutputW;

    /// <summary>One group's part of the weight.</summary>
    public int WeightOffset => ConvOutChannels * KernelDim / Group;

    /// <summary>One group's part of the columns.</summary>
    public int ColumnOffset => KernelDim * ConvOutSpatial;

    /// <summary>One group's part of the convolution's output (one item).</summary>
    public int OutputOffset => ConvOutChannels * ConvOutSpatial / Group;

    /// <summary>The columns of one item, every group.</summary>
    public int ColumnCount => ColumnOffset * Group;
}
