using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;

namespace LayerNet.Layers.Data;

/// <summary>
/// Declares the net's inputs (Caffe's Input): tops whose values the caller writes before each forward pass.
/// </summary>
/// <remarks>
/// <para>
/// Each top gets <c>input_param.shape</c>: one shape for every top, one per top, or none (the caller shapes
/// the tops). Forward and backward do nothing.
/// </para>
/// </remarks>
public sealed class InputLayer : Layer
{
    /// <summary>Creates the layer from its definition (<c>input_param</c>).</summary>
    public InputLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.AtLeast(1))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var shapes = (Parameter.InputParam ?? new InputParameter()).Shape;
        if (shapes.Count == 0)
        {
            return;
        }

        if (shapes.Count != 1 && shapes.Count != top.Count)
        {
            throw Error($"input_param.shape must be given once, once per top blob, or not at all: {shapes.Count} shapes for {top.Count} tops");
        }

        for (var i = 0; i < top.Count; i++)
        {
            try
            {
                top[i].Reshape(shapes[shapes.Count == 1 ? 0 : i]);
            }
            catch (LayerNetException exception)
            {
                throw Error($"input_param.shape: {exception.Message}");
            }
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // The shapes were set once in LayerSetUp; the caller may reshape the tops itself between passes.
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }
}
