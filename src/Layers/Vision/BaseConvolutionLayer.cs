using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;
using LayerNet.Layers.Neuron;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// What convolution and deconvolution share (Caffe's BaseConvolutionLayer): reading <c>convolution_param</c>,
/// the learnable blobs, the shapes, and the three matrix products of a convolution done through im2col.
/// </summary>
/// <remarks>
/// <para>
/// The bottom has the axes before <c>axis</c> (the items), the channel axis, then N spatial axes. Kernel, pad,
/// stride and dilation are given once for every spatial axis or once per axis (<c>kernel_h</c>/<c>kernel_w</c>,
/// <c>pad_h</c>/<c>pad_w</c>, <c>stride_h</c>/<c>stride_w</c> for 2-D only). Several bottoms may be given, each
/// with its own top; they must have the same shape and share the weights.
/// </para>
/// <para>
/// Within the convolution proper, C_in channels of the "convolution input" map to C_out channels of the
/// "convolution output" in <c>group</c> independent groups. For a convolution the input is the bottom
/// (C_in = channels, C_out = num_output); for a deconvolution the roles are reversed, the input being the top.
/// The weight is C_out x C_in / group x kernel; the bias has num_output entries. With a 1x1 kernel, stride 1
/// and no pad the column matrix is the input itself and im2col is skipped.
/// </para>
/// </remarks>
public abstract class BaseConvolutionLayer : Layer
{
    private readonly int _numOutput;
    private readonly int _group;
    private readonly bool _reverseDimensions;
    private int _channelAxis;
    private int _spatialAxes;
    private int[] _kernel = [];
    private int[] _pad = [];
    private int[] _stride = [];
    private int[] _dilation = [];
    private bool _is1x1;
    private bool _depthwise;
    private DepthwiseConvolution.Geometry _planes;
    private int _channels;
    private int _convInChannels;
    private int _convOutChannels;
    private int _kernelDim;
    private int _weightOffset;
    private int _columnOffset;
    private int _outputOffset;
    private int _convOutSpatialDim;
    private int _outSpatialDim;
    private int _columnCount;
    private int _bandRows;

    // The layers folded into this one's forward (AbsorbFollowing), and the per-channel map they make with the
    // bias: y = (W x) a + b, rectified when a ReLU is folded in.
    private readonly List<Layer> _folded = [];
    private bool _foldRectify;
    private float _foldSlope;
    private float[] _foldScale = [];
    private float[] _foldShift = [];
    private int _convOutputRows;
    private int _forwardColumnCount;
    private int[] _convInputShape = [];
    private int _sliceCount = 1;
    private ProductSplit _productSplit;
    private bool _depthwiseSplit;
    private bool _weightSplit;
    private int _weightParts;
    private Action<int, int>? _weightPart;
    private int _productParts;
    private int _partItem;
    private Action<int, int>? _runPart;
    private Action<int, int>? _columnsPart;
    private float[]? _sharedColumns;
    private Action<int, int, int>? _sliceBody;
    private Action<int, int>? _runSlice;
    private Action<int, int, int>? _forwardItems;
    private Action<int, int, int>? _backwardItems;
    private Blob? _input;
    private Blob? _output;
    private float[] _biasMultiplier = [];

    // Winograd's F(2 x 2, 3 x 3), in a net that runs forward only and accepts its rounding (AllowForwardOnlyArithmetic):
    // the kernels transformed once and again only when the weight's memory was written since (its Version).
    private bool _winogradAllowed;
    private bool _winograd;
    private Winograd.Geometry _winogradGeometry;
    private int _winogradWorkspace;
    private float[] _winogradWeights = [];
    private SyncedMemory? _winogradSource;
    private long _winogradVersion;
    private Action<int, int>? _winogradBlocksPart;
    private Action<int, int>? _winogradStepPart;
    private float[]? _winogradShared;
    private float[] _winogradPlanes = [];
    private int _winogradStep;

    /// <summary>Reads the parts of <c>convolution_param</c> that need no bottom shape.</summary>
    /// <param name="parameter">The layer's definition.</param>
    /// <param name="reverseDimensions">True for a deconvolution: the convolution maps the top to the bottom.</param>
    protected BaseConvolutionLayer(LayerParameter parameter, bool reverseDimensions)
        : base(parameter, bottoms: BlobArity.AtLeast(1), tops: BlobArity.AtLeast(1))
    {
        var p = parameter.ConvolutionParam ?? new ConvolutionParameter();
        if (p.NumOutput == 0)
        {
            throw Error("convolution_param.num_output must be given and positive");
        }

        if (p.NumOutput > int.MaxValue || p.Group > int.MaxValue)
        {
            throw Error("convolution_param.num_output or group is too large");
        }

        if (p.Group == 0)
        {
            throw Error("convolution_param.group must be positive");
        }

        if (p.NumOutput % p.Group != 0)
        {
            throw Error($"convolution_param.num_output {p.NumOutput} must be a multiple of group {p.Group}");
        }

        _numOutput = (int)p.NumOutput;
        _group = (int)p.Group;
        BiasTerm = p.BiasTerm;
        _reverseDimensions = reverseDimensions;
    }

    /// <inheritdoc/>
    protected override bool EqualBottomTopCount => true;

    /// <summary>True when the layer adds a learned bias (<c>bias_term</c>).</summary>
    protected bool BiasTerm { get; }

    /// <summary>The number of items: the product of the axes before the channel axis.</summary>
    protected int ItemCount { get; private set; }

    /// <summary>The number of bottom values per item (channels times the spatial size).</summary>
    protected int BottomDim { get; private set; }

    /// <summary>The number of top values per item (num_output times the output spatial size).</summary>
    protected int TopDim { get; private set; }

    /// <summary>The output size on one spatial axis, given the input size there and the kernel's extent d (k - 1) + 1; 0 or less when none fits.</summary>
    protected abstract int OutputSize(int input, int kernelExtent, int pad, int stride);

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        var p = Parameter.ConvolutionParam ?? new ConvolutionParameter();
        var input = bottom[0];
        _channelAxis = CanonicalAxis(p.Axis, input, "convolution_param.axis");
        _spatialAxes = input.AxisCount - _channelAxis - 1;
        (_kernel, _pad, _stride, _dilation) = ConvolutionGeometry.Read(p, _spatialAxes, this);
        _is1x1 = true;
        for (var i = 0; i < _spatialAxes; i++)
        {
            _is1x1 &= _kernel[i] == 1 && _stride[i] == 1 && _pad[i] == 0;
        }

        _channels = input.Shape[_channelAxis];
        if (_channels % _group != 0)
        {
            throw Error($"bottom '{input.Name}' has {_channels} channels, which is not a multiple of convolution_param.group {_group}");
        }

        _convOutChannels = _reverseDimensions ? _channels : _numOutput;
        _convInChannels = _reverseDimensions ? _numOutput : _channels;

        // One input and one output channel per group, in 2-D (MobileNet's depthwise layers): direct planes, no im2col.
        _depthwise = !_reverseDimensions && _spatialAxes == 2 && _group > 1 && _group == _channels && _numOutput == _channels;
        var weightShape = new int[_spatialAxes + 2];
        weightShape[0] = _convOutChannels;
        weightShape[1] = _convInChannels / _group;
        _kernel.CopyTo(weightShape, 2);
        _kernelDim = weightShape[1];
        foreach (var size in _kernel)
        {
            _kernelDim *= size;
        }

        _weightOffset = _convOutChannels * _kernelDim / _group;
        RequireLearnableBlobCount(BiasTerm ? ["weight", "bias"] : ["weight"]);
        LearnableBlob(0, "weight", weightShape, p.WeightFiller, "convolution_param.weight_filler");
        if (BiasTerm)
        {
            LearnableBlob(1, "bias", [_numOutput], p.BiasFiller, "convolution_param.bias_filler");
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var firstSpatialAxis = _channelAxis + 1;
        if (input.AxisCount != firstSpatialAxis + _spatialAxes)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; the layer was set up for {firstSpatialAxis + _spatialAxes} axes");
        }

        if (input.Shape[_channelAxis] != _channels)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}, with {input.Shape[_channelAxis]} channels on axis {_channelAxis}; the layer was set up for {_channels}");
        }

        for (var i = 1; i < bottom.Count; i++)
        {
            RequireSameShape(input, bottom[i]);
        }

        ItemCount = input.CountRange(0, _channelAxis);
        var topShape = new int[input.AxisCount];
        for (var i = 0; i < _channelAxis; i++)
        {
            topShape[i] = input.Shape[i];
        }

        topShape[_channelAxis] = _numOutput;
        for (var i = 0; i < _spatialAxes; i++)
        {
            var size = input.Shape[firstSpatialAxis + i];
            var extent = (_dilation[i] * (_kernel[i] - 1)) + 1;
            var output = OutputSize(size, extent, _pad[i], _stride[i]);
            if (output <= 0)
            {
                throw Error($"bottom '{input.Name}' of shape {input.ShapeString} is too small on spatial axis {i} for a kernel extent of {extent} with pad {_pad[i]}");
            }

            topShape[firstSpatialAxis + i] = output;
        }

        foreach (var blob in top)
        {
            blob.Reshape(topShape);
        }

        var output0 = top[0];
        _convInputShape = new int[_spatialAxes];
        var convOutput = _reverseDimensions ? input : output0;
        var convInput = _reverseDimensions ? output0 : input;
        for (var i = 0; i < _spatialAxes; i++)
        {
            _convInputShape[i] = convInput.Shape[firstSpatialAxis + i];
        }

        _convOutSpatialDim = convOutput.CountFrom(firstSpatialAxis);
        _convOutputRows = convOutput.Shape[firstSpatialAxis];
        // One item's im2col columns are one array: columns that would not fit are refused here, where the int
        // product would wrap and a pass then fail on a negative length.
        var columns = _is1x1 ? 0L : (long)_kernelDim * _group * _convOutSpatialDim;
        if (columns > Array.MaxLength)
        {
            throw Error($"bottom '{input.Name}' of shape {input.ShapeString}: the convolution's columns would hold {columns} floats, more than one array holds ({Array.MaxLength})");
        }

        _columnOffset = _kernelDim * _convOutSpatialDim;
        _outputOffset = _convOutChannels * _convOutSpatialDim / _group;
        BottomDim = input.CountFrom(_channelAxis);
        TopDim = output0.CountFrom(_channelAxis);
        _outSpatialDim = output0.CountFrom(firstSpatialAxis);
        _columnCount = (int)columns;
        if (_depthwise)
        {
            _planes = new DepthwiseConvolution.Geometry(
                _channels, _convInputShape[0], _convInputShape[1], output0.Shape[firstSpatialAxis], output0.Shape[firstSpatialAxis + 1],
                _kernel[0], _kernel[1], _stride[0], _stride[1], _pad[0], _pad[1], _dilation[0], _dilation[1]);
            _columnCount = _planes.ScratchLength;
        }

        // A 2-D convolution whose column matrix would exceed BandColumns floats computes its forward output a band of
        // rows at a time (the columns of the band, and the band's product before it is put in place): FCN-8s's
        // conv1_2 at 500x500 would otherwise need 1.1 GB of columns for one image. Backward still builds them whole.
        _bandRows = 0;
        _forwardColumnCount = _columnCount;
        if (!_is1x1 && !_depthwise && !_reverseDimensions && _spatialAxes == 2 && _group == 1 && _columnCount > BandColumns)
        {
            var outputW = output0.Shape[firstSpatialAxis + 1];
            _bandRows = Math.Max(1, BandFloats / ((_kernelDim + _convOutChannels) * outputW));
            _forwardColumnCount = (_kernelDim + _convOutChannels) * _bandRows * outputW;
        }

        // A batch whose products add up to enough work is split over the worker threads (each with its own columns).
        var work = (long)ItemCount * _kernelDim * _convOutSpatialDim * _convOutChannels;
        _sliceCount = work >= SliceWork ? Math.Clamp(Workers.Count, 1, Math.Max(1, ItemCount)) : 1;

        // A batch that does not divide over the threads (one image on two cores) splits each item's product instead:
        // every thread builds the im2col columns of its own part of the output in its own buffer and computes that part
        // (PackedGemm.GemmSlice), so no thread reads columns another core has just written (that read took as long as
        // the second core saved). The parts are panels of the very product one thread would run, so the bits are the
        // same whatever the split.
        _productSplit = ProductSplit.None;
        _productParts = WorkParts.For(ItemCount % Workers.Count != 0);
        var itemWork = (long)_kernelDim * _convOutSpatialDim * _convOutChannels;
        if (_productParts > 1 && !_reverseDimensions && !_depthwise && _group == 1 && _bandRows == 0 && (_is1x1 || _spatialAxes == 2)
            && (WorkParts.Forced > 0 || itemWork >= ItemSplitWork))
        {
            _productSplit = PackedGemm.SplitOf(_convOutChannels, _convOutSpatialDim, _kernelDim);
        }

        // A depthwise convolution splits its channels (each thread lays out and sums its own planes).
        _depthwiseSplit = _productParts > 1 && _depthwise && _channels >= 2 * _productParts
            && (WorkParts.Forced > 0 || itemWork >= DepthwiseSplitWork);
        if (_productSplit != ProductSplit.None || _depthwiseSplit)
        {
            _sliceCount = 1;
        }

        // The weight gradient sums the items in order; split by columns of dW (the kernel's rows: channel and tap), each
        // thread sums every item for its columns, from the im2col rows of its own channels, so the order per weight,
        // and the bits, are those of one thread.
        _weightParts = WorkParts.For(true);
        _weightSplit = _weightParts > 1 && !_reverseDimensions && !_depthwise && _group == 1 && _bandRows == 0 && (_is1x1 || _spatialAxes == 2)
            && (WorkParts.Forced > 0 || (long)ItemCount * itemWork >= SliceWork)
            && PackedGemm.SplitsTransposedB(_convOutChannels, _kernelDim, _convOutSpatialDim);

        // The forward columns of every thread that will run a slice are reserved now, at set-up, not in the first pass
        // (a banded layer's whole columns are made at its first backward, if it has one).
        ColumnWorkspace.Get(_forwardColumnCount);
        var threads = _productSplit != ProductSplit.None || _depthwiseSplit ? Math.Min(_productParts, Workers.Count) : _sliceCount;
        if (threads > 1)
        {
            var length = _forwardColumnCount;
            Workers.Run(threads, (_, _) => ColumnWorkspace.Get(length));
        }

        if (BiasTerm && _biasMultiplier.Length < _outSpatialDim)
        {
            _biasMultiplier = new float[_outSpatialDim];
            Array.Fill(_biasMultiplier, 1f);
        }

        ChooseWinograd();
    }

    /// <inheritdoc/>
    internal override void AllowForwardOnlyArithmetic()
    {
        _winogradAllowed = true;
        ChooseWinograd();
    }

    /// <summary>Whether the forward pass runs Winograd's F(2 x 2, 3 x 3) (see <see cref="AllowForwardOnlyArithmetic"/>).</summary>
    internal bool RunsWinograd => _winograd;

    // Winograd where the net allows it, the kernel is 3 x 3 of stride 1, and the output is large enough for its
    // transforms to pay (14 x 14 and more: at 7 x 7 the 2 x 2 tiles waste a quarter and its transformed weights,
    // 16/9 the weight's size, would add 50 MB to ResNet-50), with 16 channels or more on both sides.
    private void ChooseWinograd()
    {
        _winograd = false;
        if (!_winogradAllowed || _reverseDimensions || _depthwise || _group != 1 || _spatialAxes != 2 || _bandRows != 0
            || !Winograd.Fits(_kernel[0], _kernel[1], _stride[0], _stride[1], _dilation[0], _dilation[1], _pad[0], _pad[1])
            || _convInChannels < 16 || _convOutChannels < 16)
        {
            return;
        }

        var geometry = new Winograd.Geometry(_convInChannels, _convOutChannels, _convInputShape[0], _convInputShape[1], _pad[0], _pad[1]);
        var workspace = (long)geometry.BlockV + geometry.BlockM;
        if (geometry.OutputHeight * geometry.OutputWidth < 196 || workspace > WinogradFloats)
        {
            return;
        }

        _winogradGeometry = geometry;
        _winogradWorkspace = Winograd.WorkspaceLength(geometry);
        _winograd = true;
        if (_winogradPlanes.Length < Math.Max(1, _productParts) * geometry.PlaneLength)
        {
            _winogradPlanes = new float[Math.Max(1, _productParts) * geometry.PlaneLength];
        }

        ColumnWorkspace.Get(_winogradWorkspace);
        var threads = _productSplit != ProductSplit.None ? Math.Min(_productParts, Workers.Count) : _sliceCount;
        if (threads > 1)
        {
            var length = _winogradWorkspace;
            Workers.Run(threads, (_, _) => ColumnWorkspace.Get(length));
        }
    }

    // A Winograd block's V and M above this many floats (32 MB) are left to im2col.
    private const long WinogradFloats = 1L << 23;

    // The transformed kernels, made again when the weight was written since they were made.
    private void PrepareWinogradWeights()
    {
        var memory = Blobs[0].DataMemory;
        var length = Winograd.Points * _convOutChannels * _convInChannels;
        if (_winogradWeights.Length == length && ReferenceEquals(memory, _winogradSource) && memory.Version == _winogradVersion)
        {
            return;
        }

        if (_winogradWeights.Length != length)
        {
            _winogradWeights = new float[length];
        }

        Winograd.TransformWeights(memory.HostToRead.AsSpan(0, Blobs[0].Count), _convOutChannels, _convInChannels, _winogradWeights);
        _winogradSource = memory;
        _winogradVersion = memory.Version;
    }

    // Part `part` of `parts` of step _winogradStep of item _partItem's one-block pass, in the calling thread's workspace;
    // the last step also maps its output channels (the bias or the folded layers).
    private void WinogradStepPart(int part, int parts)
    {
        var g = _winogradGeometry;
        var total = _winogradStep switch { 0 => g.Inputs, 1 => Winograd.Points, _ => g.Outputs };
        int first = total * part / parts, last = total * (part + 1) / parts;
        if (first >= last)
        {
            return;
        }

        var x = _input!.Data.Slice(_partItem * BottomDim, BottomDim);
        var y = _output!.Data.Slice(_partItem * TopDim, TopDim);
        var planes = _winogradPlanes.Length / g.PlaneLength;
        var plane = _winogradPlanes.AsSpan(part % planes * g.PlaneLength, g.PlaneLength);
        Winograd.ForwardStep(g, _winogradStep, x, _winogradWeights, y, _winogradShared.AsSpan(0, _winogradWorkspace), plane, first, last);
        if (_winogradStep < 2)
        {
            return;
        }

        if (_folded.Count > 0)
        {
            var channels = y.Slice(first * _outSpatialDim, (last - first) * _outSpatialDim);
            Channelwise.Map(channels, _foldScale.AsSpan(first, last - first), _foldShift.AsSpan(first, last - first), _outSpatialDim, _foldRectify, _foldSlope, channels);
        }
        else if (BiasTerm)
        {
            AddBias(y, first, last, 0, _outSpatialDim);
        }
    }

    // Blocks of tile rows `part` of `parts` of item _partItem by Winograd, on this thread's workspace, then the bias or
    // the folded map on the rows they wrote: every value as one thread computes it.
    private void WinogradBlocksPart(int part, int parts)
    {
        var g = _winogradGeometry;
        int first = g.Blocks * part / parts, last = g.Blocks * (part + 1) / parts;
        if (first >= last)
        {
            return;
        }

        var x = _input!.Data.Slice(_partItem * BottomDim, BottomDim);
        var y = _output!.Data.Slice(_partItem * TopDim, TopDim);
        Winograd.ForwardBlocks(g, x, _winogradWeights, y, ColumnWorkspace.Get(_winogradWorkspace), first, last);
        int from = 2 * first * g.BlockRows * g.OutputWidth, to = Math.Min(g.OutputHeight, 2 * last * g.BlockRows) * g.OutputWidth;
        if (_folded.Count > 0)
        {
            for (var c = 0; c < _convOutChannels; c++)
            {
                var run = y.Slice((c * _outSpatialDim) + from, to - from);
                Channelwise.Map(run, _foldScale.AsSpan(c, 1), _foldShift.AsSpan(c, 1), to - from, _foldRectify, _foldSlope, run);
            }
        }
        else if (BiasTerm)
        {
            AddBias(y, 0, _convOutChannels, from, to);
        }
    }

    /// <summary>Whether layers after this one (BatchNorm, Scale, ReLU) are folded into its forward (a device runs it on the CPU then).</summary>
    internal bool HasFoldedLayers => _folded.Count > 0;

    /// <summary>Whether this layer's forward computes each item's product in parts (see <see cref="WorkParts"/>).</summary>
    internal bool SplitsProducts => _productSplit != ProductSplit.None || _depthwiseSplit;

    /// <summary>Whether this layer's backward computes the weight gradient in parts (see <see cref="WorkParts"/>).</summary>
    internal bool SplitsWeightGradient => _weightSplit;

    // One item's product of fewer multiply-adds runs on one thread: about 10 us on one core, against a hand-over to a
    // spinning worker of about 1 us.
    private const long ItemSplitWork = 1L << 21;

    // A depthwise convolution of fewer multiply-adds per item (kernel taps times output values) runs on one thread:
    // MobileNet v2's smallest (960 channels at 7x7) has 0.42 M.
    private const long DepthwiseSplitWork = 1L << 18;

    // Products of a whole batch below this many multiply-adds stay on one thread (LeNet's conv1 and conv2 have 18 M
    // and 102 M).
    private const long SliceWork = 1L << 22;

    // Column matrices larger than this (16 MB of floats) are built a band of output rows at a time in forward; a band's
    // columns and product together take at most BandFloats (4 MB), so the product is copied to its place from cache.
    private const int BandColumns = 1 << 22;
    private const int BandFloats = 1 << 20;

    /// <summary>
    /// Runs <paramref name="body"/>(slot, first, last) over the batch's items [0, ItemCount) in contiguous ranges, one
    /// per worker thread when the batch is large enough (see <see cref="Workers"/>), else all on this thread; slot
    /// numbers the range (each thread has its own column buffer, <see cref="ColumnWorkspace"/>). Every item is computed the same way whatever the split,
    /// so results do not depend on the number of threads. The body is a delegate the layer made once.
    /// </summary>
    protected void ForEachItem(Action<int, int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_sliceCount <= 1)
        {
            body(0, 0, ItemCount);
            return;
        }

        _sliceBody = body;
        _runSlice ??= RunSlice;
        try
        {
            Workers.Run(_sliceCount, _runSlice);
        }
        finally
        {
            _sliceBody = null;
        }
    }

    private void RunSlice(int slot, int total) =>
        _sliceBody!(slot, ItemCount * slot / total, ItemCount * (slot + 1) / total);

    /// <summary>
    /// Forward, item by item (split over threads for a large batch): a convolution's y = W im2col(x) + b, or, for
    /// the reversed layer (Deconvolution), y = col2im(W^T x) + b.
    /// </summary>
    protected sealed override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _forwardItems ??= ForwardItems;
        if (_folded.Count > 0)
        {
            ComposeFolded();
        }

        if (_winograd)
        {
            PrepareWinogradWeights();
        }

        for (var i = 0; i < bottom.Count; i++)
        {
            (_input, _output) = (bottom[i], top[i]);
            if (_winograd && _productSplit != ProductSplit.None)
            {
                // One image on several threads: by blocks of tile rows, each thread in its own workspace; a pass of one
                // block in three steps (input channels, points, output channels) in this thread's workspace.
                if (_winogradGeometry.Blocks < 2)
                {
                    _winogradStepPart ??= WinogradStepPart;
                    _winogradShared = ColumnWorkspace.GetArray(_winogradWorkspace);
                    try
                    {
                        for (_partItem = 0; _partItem < ItemCount; _partItem++)
                        {
                            for (_winogradStep = 0; _winogradStep < 3; _winogradStep++)
                            {
                                Workers.RunParts(_productParts, _winogradStepPart);
                            }
                        }
                    }
                    finally
                    {
                        _winogradShared = null;
                    }

                    continue;
                }

                _winogradBlocksPart ??= WinogradBlocksPart;
                for (_partItem = 0; _partItem < ItemCount; _partItem++)
                {
                    Workers.RunParts(_productParts, _winogradBlocksPart);
                }

                continue;
            }

            if (_productSplit == ProductSplit.None && !_depthwiseSplit)
            {
                ForEachItem(_forwardItems);
                continue;
            }

            _runPart ??= ForwardPart;
            _columnsPart ??= ColumnsPart;
            var sharedColumns = _productSplit == ProductSplit.Rows && !_is1x1;
            _sharedColumns = sharedColumns ? ColumnWorkspace.GetArray(_columnCount) : null;
            try
            {
                for (_partItem = 0; _partItem < ItemCount; _partItem++)
                {
                    if (sharedColumns)
                    {
                        Workers.RunParts(_productParts, _columnsPart);
                    }

                    Workers.RunParts(_productParts, _runPart);
                }
            }
            finally
            {
                _sharedColumns = null;
            }
        }

        (_input, _output) = (null, null);
    }

    // Channels first .. last - 1 of a depthwise convolution's item, with the folded map or the bias.
    private void ForwardDepthwise(ReadOnlySpan<float> x, Span<float> y, int first, int last)
    {
        var folded = _folded.Count > 0;
        DepthwiseConvolution.Forward(
            _planes, x, Blobs[0].Data, y, ColumnWorkspace.Get(_columnCount), first, last,
            folded ? _foldScale : default, folded ? _foldShift : default, _foldRectify, _foldSlope);
        if (folded || !BiasTerm)
        {
            return;
        }

        AddBias(y, first, last, 0, _outSpatialDim);
    }

    // y[c, q] += b[c] for channels first .. last - 1 and positions from .. to - 1 of one item: the bias of a part of the
    // output (the same sums as ForwardBias's product with k = 1).
    private void AddBias(Span<float> y, int first, int last, int from, int to)
    {
        var bias = Blobs[1].Data;
        for (var c = first; c < last; c++)
        {
            var run = y.Slice((c * _outSpatialDim) + from, to - from);
            System.Numerics.Tensors.TensorPrimitives.Add(run, bias[c], run);
        }
    }

    // Part `part` of `parts` of the weight gradient: its columns of dW (rows of the im2col matrix), summed over the
    // items in order, from the im2col rows of the whole channels those columns fall in.
    private void WeightPart(int part, int parts)
    {
        int m = _convOutChannels, n = _kernelDim, k = _convOutSpatialDim;
        var (first, last) = PackedGemm.SliceRange(ProductSplit.Columns, m, n, part, parts);
        if (first >= last)
        {
            return;
        }

        var taps = n / _convInChannels;
        int c0 = first / taps, c1 = (last + taps - 1) / taps;
        var plane = BottomDim / _channels;
        var x = _input!.Data;
        var dy = _output!.Diff;
        var dw = Blobs[0].Diff;
        for (var item = 0; item < ItemCount; item++)
        {
            var xn = x.Slice(item * BottomDim, BottomDim);
            ReadOnlySpan<float> rows = xn;
            var firstRow = 0;
            if (!_is1x1)
            {
                var buffer = ColumnWorkspace.Get((c1 - c0) * taps * k);
                Im2Col.ImageToColumns(xn.Slice(c0 * plane, (c1 - c0) * plane), c1 - c0, _convInputShape, _kernel, _pad, _stride, _dilation, buffer);
                rows = buffer;
                firstRow = c0 * taps;
            }

            PackedGemm.AccumulateSliceTransposedB(m, n, k, dy.Slice(item * TopDim, TopDim), rows, firstRow, dw, part, parts);
        }
    }

    // Part `part` of `parts` of item _partItem's im2col columns, into the buffer all parts of a split by rows read.
    private void ColumnsPart(int part, int parts)
    {
        var x = _input!.Data.Slice(_partItem * BottomDim, BottomDim);
        var n = _convOutSpatialDim;
        int first = n * part / parts, last = n * (part + 1) / parts;
        Im2Col.ImageToColumnRange(x, _convInChannels, _convInputShape, _kernel, _pad, _stride, _dilation, first, last - first, _sharedColumns, n);
    }

    // Part `part` of `parts` of item _partItem's forward: the columns that part reads, its panels of W * columns, and
    // the folded map or the bias on them.
    private void ForwardPart(int part, int parts)
    {
        var x = _input!.Data.Slice(_partItem * BottomDim, BottomDim);
        var y = _output!.Data.Slice(_partItem * TopDim, TopDim);
        if (_depthwiseSplit)
        {
            ForwardDepthwise(x, y, _channels * part / parts, _channels * (part + 1) / parts);
            return;
        }

        int m = _convOutChannels, n = _convOutSpatialDim, k = _kernelDim;
        var (first, last) = PackedGemm.SliceRange(_productSplit, m, n, part, parts);
        if (first >= last)
        {
            return;
        }

        ReadOnlySpan<float> columns = x;
        if (!_is1x1)
        {
            if (_productSplit != ProductSplit.Rows)
            {
                var buffer = ColumnWorkspace.Get(_columnCount);
                Im2Col.ImageToColumnRange(x, _convInChannels, _convInputShape, _kernel, _pad, _stride, _dilation, first, last - first, buffer, n);
                columns = buffer;
            }
            else
            {
                // Every part reads all the columns, which the parts built together (ColumnsPart) in the caller's buffer.
                columns = _sharedColumns.AsSpan(0, _columnCount);
            }
        }

        var folded = _folded.Count > 0;
        PackedGemm.GemmSlice(
            _productSplit, m, n, k, Blobs[0].Data, columns, y,
            folded ? _foldScale : default, folded ? _foldShift : default, _foldRectify, _foldSlope, part, parts);
        if (folded || !BiasTerm)
        {
            return;
        }

        if (_productSplit == ProductSplit.Rows)
        {
            AddBias(y, first, last, 0, n);
        }
        else
        {
            AddBias(y, 0, m, first, last);
        }
    }

    /// <summary>
    /// Backward: the bias and weight gradients sum over the items, in item order, on this thread; the input
    /// gradients are independent items and may be split over threads (each slice takes its own im2col).
    /// </summary>
    protected sealed override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        _backwardItems ??= BackwardItems;
        for (var i = 0; i < top.Count; i++)
        {
            var topDiff = top[i].Diff;
            if (BiasTerm && ParamPropagateDown(1))
            {
                for (var n = 0; n < ItemCount; n++)
                {
                    BackwardBias(Blobs[1].Diff, topDiff.Slice(n * TopDim, TopDim));
                }
            }

            if (ParamPropagateDown(0) && _weightSplit)
            {
                (_input, _output) = (bottom[i], top[i]);
                _weightPart ??= WeightPart;
                try
                {
                    Workers.RunParts(_weightParts, _weightPart);
                }
                finally
                {
                    (_input, _output) = (null, null);
                }
            }
            else if (ParamPropagateDown(0))
            {
                var bottomData = bottom[i].Data;
                for (var n = 0; n < ItemCount; n++)
                {
                    var x = bottomData.Slice(n * BottomDim, BottomDim);
                    var dy = topDiff.Slice(n * TopDim, TopDim);
                    if (_reverseDimensions)
                    {
                        WeightGemm(dy, x, Blobs[0].Diff);
                    }
                    else
                    {
                        WeightGemm(x, dy, Blobs[0].Diff);
                    }
                }
            }

            if (propagateDown[i])
            {
                (_input, _output) = (bottom[i], top[i]);
                ForEachItem(_backwardItems);
                (_input, _output) = (null, null);
            }
        }
    }

    private void ForwardItems(int slot, int first, int last)
    {
        var input = _input!.Data;
        var output = _output!.Data;
        for (var n = first; n < last; n++)
        {
            var x = input.Slice(n * BottomDim, BottomDim);
            var y = output.Slice(n * TopDim, TopDim);
            if (_reverseDimensions)
            {
                BackwardGemm(x, Blobs[0].Data, y, slot);
            }
            else if (_depthwise)
            {
                ForwardDepthwise(x, y, 0, _channels);
                continue;
            }
            else if (_winograd)
            {
                Winograd.Forward(_winogradGeometry, x, _winogradWeights, y, ColumnWorkspace.Get(_winogradWorkspace));
            }
            else if (_folded.Count > 0 && _group == 1 && _bandRows == 0)
            {
                // The product maps each panel of its output as it completes: no second pass over the output.
                PackedGemm.GemmMapped(_convOutChannels, _convOutSpatialDim, _kernelDim, Blobs[0].Data, Columns(x), y, _foldScale, _foldShift, _foldRectify, _foldSlope);
                continue;
            }
            else
            {
                ForwardGemm(x, Blobs[0].Data, y, slot);
            }

            if (_folded.Count > 0)
            {
                // The bias, BatchNorm, Scale and ReLU in one pass.
                Channelwise.Map(y, _foldScale, _foldShift, _outSpatialDim, _foldRectify, _foldSlope, y);
            }
            else if (BiasTerm)
            {
                ForwardBias(y, Blobs[1].Data);
            }
        }
    }

    /// <summary>
    /// Takes a BatchNorm with global statistics, a Scale of the output channels, and a ReLU (last) that follow on this
    /// layer's only top into its forward pass, in a net that runs forward only.
    /// </summary>
    public override bool AbsorbFollowing(Layer following)
    {
        ArgumentNullException.ThrowIfNull(following);
        if (RunsBackward || _foldRectify || Parameter.Top.Count != 1)
        {
            return false;
        }

        switch (following)
        {
            case BatchNormLayer batchNorm when batchNorm.UsesGlobalStats && batchNorm.Blobs.Count == 3 && batchNorm.Blobs[0].Count == _numOutput:
                break;
            case ScaleLayer scale when scale.ScalesChannels(_numOutput):
                break;
            case ReLULayer relu:
                _foldRectify = true;
                _foldSlope = relu.NegativeSlope;
                break;
            default:
                return false;
        }

        _folded.Add(following);
        return true;
    }

    // The folded layers' per-channel map from their parameters as they are now (they may change between passes).
    private void ComposeFolded()
    {
        if (_foldScale.Length != _numOutput)
        {
            _foldScale = new float[_numOutput];
            _foldShift = new float[_numOutput];
        }

        Array.Fill(_foldScale, 1f);
        Array.Clear(_foldShift);
        foreach (var layer in _folded)
        {
            switch (layer)
            {
                case BatchNormLayer batchNorm:
                    batchNorm.ComposeAffine(_foldScale, _foldShift);
                    break;
                case ScaleLayer scale:
                    scale.ComposeAffine(_foldScale, _foldShift);
                    break;
            }
        }

        // The bias comes before them: (W x + bias) a + b = (W x) a + (bias a + b).
        if (BiasTerm)
        {
            var bias = Blobs[1].Data;
            for (var c = 0; c < _numOutput; c++)
            {
                _foldShift[c] += bias[c] * _foldScale[c];
            }
        }
    }

    private void BackwardItems(int slot, int first, int last)
    {
        var topDiff = _output!.Diff;
        var bottomDiff = _input!.Diff;
        for (var n = first; n < last; n++)
        {
            var dy = topDiff.Slice(n * TopDim, TopDim);
            var dx = bottomDiff.Slice(n * BottomDim, BottomDim);
            if (_reverseDimensions)
            {
                ForwardGemm(dy, Blobs[0].Data, dx, slot);
            }
            else
            {
                BackwardGemm(dy, Blobs[0].Data, dx, slot);
            }
        }
    }

    /// <summary>
    /// output = W * im2col(input), per group: the convolution of one item, with the column buffer of the thread that
    /// runs it (<paramref name="slot"/> numbers the range of items, see <see cref="ForEachItem"/>).
    /// </summary>
    protected void ForwardGemm(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, Span<float> output, int slot = 0)
    {
        if (_bandRows > 0)
        {
            ForwardBands(input, weights, output);
            return;
        }

        if (_depthwise)
        {
            DepthwiseConvolution.Forward(_planes, input, weights, output, ColumnWorkspace.Get(_columnCount));
            return;
        }

        var columns = Columns(input);
        for (var g = 0; g < _group; g++)
        {
            Blas.Gemm(
                false, false, _convOutChannels / _group, _convOutSpatialDim, _kernelDim,
                1f, weights[(_weightOffset * g)..], columns[(_columnOffset * g)..], 0f, output[(_outputOffset * g)..]);
        }
    }

    // ForwardGemm a band of output rows at a time: each band's columns, its product W * columns (out channels x band),
    // then each channel's run of the band copied to its place in the output.
    // The matrix the product reads for one item: the input itself for a 1x1 convolution, else im2col(input) in this
    // thread's column buffer.
    private ReadOnlySpan<float> Columns(ReadOnlySpan<float> input)
    {
        if (_is1x1)
        {
            return input;
        }

        var buffer = ColumnWorkspace.Get(_columnCount);
        Im2Col.ImageToColumns(input, _convInChannels, _convInputShape, _kernel, _pad, _stride, _dilation, buffer);
        return buffer;
    }

    private void ForwardBands(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, Span<float> output)
    {
        var outputW = _convOutSpatialDim / _convOutputRows;
        var band = _bandRows * outputW;
        var workspace = ColumnWorkspace.Get(_forwardColumnCount);
        var columns = workspace[..(_kernelDim * band)];
        var product = workspace[(_kernelDim * band)..];
        for (var first = 0; first < _convOutputRows; first += _bandRows)
        {
            var rows = Math.Min(_bandRows, _convOutputRows - first);
            var n = rows * outputW;
            Im2Col.ImageToColumnRows(input, _convInChannels, _convInputShape, _kernel, _pad, _stride, _dilation, first, rows, columns);
            Blas.Gemm(false, false, _convOutChannels, n, _kernelDim, 1f, weights, columns, 0f, product);
            for (var c = 0; c < _convOutChannels; c++)
            {
                product.Slice(c * n, n).CopyTo(output.Slice((c * _convOutSpatialDim) + (first * outputW), n));
            }
        }
    }

    /// <summary>output += b 1^T: adds each output channel's bias to its every position (one item).</summary>
    protected void ForwardBias(Span<float> output, ReadOnlySpan<float> bias) =>
        Blas.Gemm(false, false, _numOutput, _outSpatialDim, 1, 1f, bias, _biasMultiplier.AsSpan(0, _outSpatialDim), 1f, output);

    /// <summary>input = col2im(W^T * output), per group: the gradient of a convolution with respect to its input (one item).</summary>
    protected void BackwardGemm(ReadOnlySpan<float> output, ReadOnlySpan<float> weights, Span<float> input, int slot = 0)
    {
        if (_depthwise)
        {
            DepthwiseConvolution.InputGradient(_planes, output, weights, input, ColumnWorkspace.Get(_columnCount));
            return;
        }

        var columns = _is1x1 ? input : ColumnWorkspace.Get(_columnCount);
        for (var g = 0; g < _group; g++)
        {
            Blas.Gemm(
                true, false, _kernelDim, _convOutSpatialDim, _convOutChannels / _group,
                1f, weights[(_weightOffset * g)..], output[(_outputOffset * g)..], 0f, columns[(_columnOffset * g)..]);
        }

        if (!_is1x1)
        {
            Im2Col.ColumnsToImage(columns, _convInChannels, _convInputShape, _kernel, _pad, _stride, _dilation, input);
        }
    }

    /// <summary>weights += output * im2col(input)^T, per group: accumulates the weight gradient of one item.</summary>
    protected void WeightGemm(ReadOnlySpan<float> input, ReadOnlySpan<float> output, Span<float> weights)
    {
        if (_depthwise)
        {
            DepthwiseConvolution.AccumulateWeightGradient(_planes, input, output, weights, ColumnWorkspace.Get(_columnCount));
            return;
        }

        var columns = Columns(input);
        for (var g = 0; g < _group; g++)
        {
            Blas.Gemm(
                false, true, _convOutChannels / _group, _kernelDim, _convOutSpatialDim,
                1f, output[(_outputOffset * g)..], columns[(_columnOffset * g)..], 1f, weights[(_weightOffset * g)..]);
        }
    }

    /// <summary>bias += output 1: accumulates the bias gradient of one item (the spatial sums of each channel).</summary>
    protected void BackwardBias(Span<float> bias, ReadOnlySpan<float> output) =>
        Blas.Gemv(false, _numOutput, _outSpatialDim, 1f, output, _biasMultiplier.AsSpan(0, _outSpatialDim), 1f, bias);
}
