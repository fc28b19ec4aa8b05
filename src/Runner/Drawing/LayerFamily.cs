namespace LayerNet.Runner.Drawing;

/// <summary>The kinds of layer a drawing tells apart by color.</summary>
internal enum LayerFamily
{
    /// <summary>A layer of a plugin that fits no other family.</summary>
    Other,

    /// <summary>Data sources: Data, HDF5Data, Input, DummyData, Parameter, ...</summary>
    Data,

    /// <summary>Fully connected: InnerProduct, Embed.</summary>
    InnerProduct,

    /// <summary>Vision: Convolution, Deconvolution, Pooling, LRN.</summary>
    Vision,

    /// <summary>Element-wise activations (every <see cref="LayerNet.Layers.NeuronLayer"/>).</summary>
    Neuron,

    /// <summary>Losses and metrics: every <see cref="LayerNet.Layers.LossLayer"/>, Accuracy.</summary>
    Loss,

    /// <summary>Blob plumbing and normalisation: Concat, Slice, Eltwise, Reshape, Softmax, BatchNorm, ...</summary>
    Structure,

    /// <summary>A Split layer the net inserted because a blob feeds several layers.</summary>
    InsertedSplit,
}
