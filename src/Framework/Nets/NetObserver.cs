namespace LayerNet.Nets;

/// <summary>
/// Watches a net run, layer by layer: what <c>layernet time</c> (per-layer clocks), <c>draw --values</c> (each
/// value as it is written) and <c>gradcheck</c> (each layer checked on the net's real inputs) build on, so that
/// the loop, and how a failing layer is reported, live in <see cref="Net"/> alone.
/// </summary>
/// <remarks>
/// Called on the thread that runs the net, between layers; an exception thrown here reaches the caller of
/// <see cref="Net.Forward"/> or <see cref="Net.Backward"/> as it is. Override only what you need.
/// </remarks>
public abstract class NetObserver
{
    /// <summary>Before a layer's forward pass.</summary>
    public virtual void BeforeForward(NetStep layer)
    {
    }

    /// <summary>After a layer's forward pass, with the weighted loss it contributed.</summary>
    public virtual void AfterForward(NetStep layer, float loss)
    {
    }

    /// <summary>Before a layer's backward pass (only layers that run backward).</summary>
    public virtual void BeforeBackward(NetStep layer)
    {
    }

    /// <summary>After a layer's backward pass: its bottoms' gradients are complete.</summary>
    public virtual void AfterBackward(NetStep layer)
    {
    }
}
