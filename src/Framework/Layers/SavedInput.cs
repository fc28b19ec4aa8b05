using LayerNet.Blobs;

namespace LayerNet.Layers;

/// <summary>
/// The input of a layer that may run in place (top is bottom) and whose backward pass needs the input x, not only
/// the output y: forward overwrites x with y, so x is copied aside first (Caffe's bottom_memory_). Out of place it
/// costs nothing and hands back the bottom's own data.
/// </summary>
/// <remarks>
/// Use: a field <c>private readonly SavedInput _input = new();</c>; <see cref="Reshape"/> from the layer's Reshape,
/// <see cref="Save"/> first thing in forward, <see cref="Values"/> in backward.
/// </remarks>
public sealed class SavedInput
{
    private float[] _values = [];
    private bool _active;

    /// <summary>
    /// Decides, from the blobs' identity, whether a copy is needed, and sizes it. Called from the layer's Reshape;
    /// <paramref name="needed"/> is false when the layer's backward pass can do with the top alone.
    /// </summary>
    /// <param name="bottom">The layer's bottom.</param>
    /// <param name="top">The layer's top; a copy is kept only when it is <paramref name="bottom"/>.</param>
    /// <param name="needed">Whether backward reads x at all (with the layer's present parameters).</param>
    public void Reshape(Blob bottom, Blob top, bool needed = true)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        _active = needed && ReferenceEquals(bottom, top);
        if (_active && _values.Length < bottom.Count)
        {
            _values = new float[bottom.Count];
        }
    }

    /// <summary>Keeps the input values; called at the start of forward, before the top is written.</summary>
    /// <param name="bottom">The layer's bottom.</param>
    public void Save(Blob bottom)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        if (_active)
        {
            bottom.Data.CopyTo(_values);
        }
    }

    /// <summary>The input values of the last forward pass: the copy in place, the bottom's data otherwise.</summary>
    /// <param name="bottom">The layer's bottom.</param>
    /// <returns>x, as forward read it.</returns>
    public ReadOnlySpan<float> Values(Blob bottom)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        return _active ? _values.AsSpan(0, bottom.Count) : bottom.Data;
    }
}
