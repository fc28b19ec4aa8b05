namespace LayerNet.Layers.Data;

/// <summary>
/// One batch a <see cref="PrefetchingDataLayer"/> prepares: the values of its data top and, when the layer has
/// one, of its label top. The buffers are allocated once, at set-up, and reused for every batch.
/// </summary>
public sealed class DataBatch
{
    private readonly float[] _data;
    private readonly float[] _label;

    internal DataBatch(int dataCount, int labelCount)
    {
        _data = new float[dataCount];
        _label = new float[labelCount];
    }

    /// <summary>The data top's values, in the top's shape (batch first).</summary>
    public Span<float> Data => _data;

    /// <summary>The label top's values (one per item); empty when the layer has no label top.</summary>
    public Span<float> Label => _label;
}
