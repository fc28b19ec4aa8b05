using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// The input of a neuron layer that runs in place (top is bottom) and whose backward pass needs the input x,
/// not only the output y: forward overwrites x with y, so x is copied aside first (Caffe's bottom_memory_).
/// Out of place it costs nothing and hands back the bottom's own data.
/// </summary>
internal sealed class SavedBottom
{
    private float[] _values = [];
    private bool _active;

    /// <summary>
    /// Decides, from the blobs' identity, whether a copy is needed, and sizes it. Called from the layer's Reshape;
    /// <paramref name="needed"/> is false when the layer's backward pass can do with the top alone.
    /// </summary>
    public void Reshape(Blob bottom, Blob top, bool needed = true)
    {
        _active = needed && ReferenceEquals(bottom, top);
        if (_active && _values.Length < bottom.Count)
        {
            _values = new float[bottom.Count];
        }
    }

    /// <summary>Keeps the input values; called at the start of forward, before the top is written.</summary>
    public void Save(Blob bottom)
    {
        if (_active)
        {
            bottom.Data.CopyTo(_values);
        }
    }

    /// <summary>The input values of the last forward pass.</summary>
    public ReadOnlySpan<float> Input(Blob bottom) => _active ? _values.AsSpan(0, bottom.Count) : bottom.Data;
}
