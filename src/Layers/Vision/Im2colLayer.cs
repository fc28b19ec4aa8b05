using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's Im2col: the column matrix of each item's image, the rearrangement a convolution multiplies by its
/// weights, as a layer of its own (no weights).
/// </summary>
/// <remarks>
/// <para>
/// The bottom has the axes before <c>convolution_param.axis</c> (the items), the channel axis C, then N spatial
/// axes; kernel, pad, stride and dilation are read as Convolution reads them (<see cref="ConvolutionGeometry"/>).
/// The top keeps the item axes; its channel axis has C prod(k) entries and spatial axis i has
/// o_i = (d_i + 2 p_i - (r_i (k_i - 1) + 1)) / s_i + 1 entries.
/// </para>
/// <para>
/// Forward: y[n, (c, j), q] = x[n, c, q s - p + j r], 0 in the padding (see <see cref="Im2Col"/>).
/// Backward: dx = col2im(dy), each image place summing the gradients of every column entry read from it.
/// <c>force_nd_im2col</c> picks Caffe's N-D kernel for 2-D input; both give the same numbers, so it is accepted and
/// changes nothing.
/// </para>
/// </remarks>
public sealed class Im2colLayer : Layer
{
    private int _channelAxis;
    private int _spatialAxes;
    private ConvolutionGeometry _geometry = new([], [], [], []);
    private int[] _imageShape = [];
    private int _channels;
    private int _items;
    private int _bottomDim;
    private int _topDim;

    /// <summary>Creates the layer from its definition (<c>convolution_param</c>: the kernel, pad, stride, dilation and axis).</summary>
    public Im2colLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        var p = Parameter.ConvolutionParam ?? new ConvolutionParameter();
        var input = bottom[0];
        _channelAxis = CanonicalAxis(p.Axis, input, "convolution_param.axis");
        _spatialAxes = input.AxisCount - _channelAxis - 1;
        if (_spatialAxes < 1)
        {
            throw Error($"bottom '{input.Name}' of shape {input.ShapeString} has no spatial axis after convolution_param.axis {_channelAxis}");
        }

        _geometry = ConvolutionGeometry.Read(p, _spatialAxes, this);
        _imageShape = new int[_spatialAxes];
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        RequireOutOfPlace(input, top[0]);
        var firstSpatialAxis = _channelAxis + 1;
        if (input.AxisCount != firstSpatialAxis + _spatialAxes)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; the layer was set up for {firstSpatialAxis + _spatialAxes} axes");
        }

        _channels = input.Shape[_channelAxis];
        var topShape = new int[input.AxisCount];
        for (var i = 0; i < topShape.Length; i++)
        {
            topShape[i] = input.Shape[i];
        }

        for (var i = 0; i < _spatialAxes; i++)
        {
            var size = input.Shape[firstSpatialAxis + i];
            var extent = _geometry.Extent(i);
            if (size + (2 * _geometry.Pad[i]) < extent)
            {
                throw Error($"bottom '{input.Name}' of shape {input.ShapeString} is too small on spatial axis {i} for a kernel extent of {extent} with pad {_geometry.Pad[i]}");
            }

            _imageShape[i] = size;
            topShape[_channelAxis] *= _geometry.Kernel[i];
            topShape[firstSpatialAxis + i] = Im2Col.OutputSize(size, _geometry.Kernel[i], _geometry.Pad[i], _geometry.Stride[i], _geometry.Dilation[i]);
        }

        top[0].Reshape(topShape);
        _items = input.CountRange(0, _channelAxis);
        _bottomDim = input.CountFrom(_channelAxis);
        _topDim = top[0].CountFrom(_channelAxis);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var x = bottom[0].Data;
        var y = top[0].Data;
        var g = _geometry;
        for (var n = 0; n < _items; n++)
        {
            Im2Col.ImageToColumns(
                x.Slice(n * _bottomDim, _bottomDim), _channels, _imageShape, g.Kernel, g.Pad, g.Stride, g.Dilation, y.Slice(n * _topDim, _topDim));
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var dy = top[0].Diff;
        var dx = bottom[0].Diff;
        var g = _geometry;
        for (var n = 0; n < _items; n++)
        {
            Im2Col.ColumnsToImage(
                dy.Slice(n * _topDim, _topDim), _channels, _imageShape, g.Kernel, g.Pad, g.Stride, g.Dilation, dx.Slice(n * _bottomDim, _bottomDim));
        }
    }
}
