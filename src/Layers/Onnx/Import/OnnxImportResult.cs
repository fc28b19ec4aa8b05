using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>An ONNX model as a Caffe net: the deploy definition and its learned blobs.</summary>
/// <param name="Net">The deploy net: an Input layer per graph input, then the layers, without blobs (a <c>.prototxt</c>).</param>
/// <param name="Weights">The learned blobs as a <c>.caffemodel</c> holds them: each layer that has some, by name and type.</param>
public sealed record OnnxImportResult(NetParameter Net, NetParameter Weights);
