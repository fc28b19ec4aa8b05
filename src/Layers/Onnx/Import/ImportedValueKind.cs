namespace LayerNet.Layers.Onnx;

/// <summary>What an imported value's floats stand for in the ONNX graph, whose tensors have types a Caffe blob lacks.</summary>
internal enum ImportedValueKind
{
    /// <summary>A float tensor: any operator may read it.</summary>
    Float,

    /// <summary>An int64 tensor of indices (ArgMax, TopK): a Cast to float reads it as the floats Caffe holds.</summary>
    Index,

    /// <summary>A boolean tensor (a comparison): a Cast to float reads it as Caffe's 0 and 1.</summary>
    Boolean,
}
