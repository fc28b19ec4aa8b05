using LayerNet.Layers.Common;
using LayerNet.Layers.Data;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Neuron;
using LayerNet.Layers.Onnx.Export;
using LayerNet.Layers.Recurrent;
using LayerNet.Layers.Vision;
using LayerNet.Plugins;

namespace LayerNet.Layers;

/// <summary>
/// Registers LayerNet's built-in layers, through the same <see cref="LayerNetBuilder"/> path a plugin uses. One
/// table lists every built-in type under Caffe's name (and LayerNet's own data layers); a new layer is one row. A
/// second table gives the ONNX exporter of each type that has one, registered with its layer.
/// </summary>
public static class StandardLayers
{
    // Grouped by folder (the class's namespace), which the Add*Layers methods below select.
    private static readonly (string TypeName, Type Implementation)[] Table =
    [
        ("Softmax", typeof(SoftmaxLayer)), ("Accuracy", typeof(AccuracyLayer)), ("ArgMax", typeof(ArgMaxLayer)),
        ("Embed", typeof(EmbedLayer)), ("InnerProduct", typeof(InnerProductLayer)), ("Eltwise", typeof(EltwiseLayer)),
        ("Split", typeof(SplitLayer)), ("Silence", typeof(SilenceLayer)), ("BatchNorm", typeof(BatchNormLayer)),
        ("Scale", typeof(ScaleLayer)), ("Bias", typeof(BiasLayer)), ("Flatten", typeof(FlattenLayer)),
        ("Reshape", typeof(ReshapeLayer)), ("Concat", typeof(ConcatLayer)), ("Slice", typeof(SliceLayer)),
        ("Reduction", typeof(ReductionLayer)), ("Tile", typeof(TileLayer)), ("Crop", typeof(CropLayer)),
        ("Parameter", typeof(ParameterLayer)), ("BatchReindex", typeof(BatchReindexLayer)), ("Filter", typeof(FilterLayer)),
        ("MVN", typeof(MVNLayer)),

        ("Sigmoid", typeof(SigmoidLayer)), ("ReLU", typeof(ReLULayer)), ("PReLU", typeof(PReLULayer)),
        ("ELU", typeof(ELULayer)), ("TanH", typeof(TanHLayer)), ("AbsVal", typeof(AbsValLayer)),
        ("Power", typeof(PowerLayer)), ("Exp", typeof(ExpLayer)), ("Log", typeof(LogLayer)),
        ("BNLL", typeof(BNLLLayer)), ("Dropout", typeof(DropoutLayer)),
        ("Threshold", typeof(ThresholdLayer)), ("Clip", typeof(ClipLayer)), ("Swish", typeof(SwishLayer)),

        ("EuclideanLoss", typeof(EuclideanLossLayer)), ("HingeLoss", typeof(HingeLossLayer)),
        ("MultinomialLogisticLoss", typeof(MultinomialLogisticLossLayer)),
        ("SigmoidCrossEntropyLoss", typeof(SigmoidCrossEntropyLossLayer)), ("SoftmaxWithLoss", typeof(SoftmaxWithLossLayer)),
        ("ContrastiveLoss", typeof(ContrastiveLossLayer)), ("InfogainLoss", typeof(InfogainLossLayer)),

        ("Convolution", typeof(ConvolutionLayer)), ("Deconvolution", typeof(DeconvolutionLayer)),
        ("Pooling", typeof(PoolingLayer)), ("LRN", typeof(LRNLayer)), ("SPP", typeof(SPPLayer)), ("Im2col", typeof(Im2colLayer)),

        ("RNN", typeof(RNNLayer)), ("LSTM", typeof(LSTMLayer)), ("LSTMUnit", typeof(LSTMUnitLayer)),

        ("Input", typeof(InputLayer)), ("DummyData", typeof(DummyDataLayer)), ("HDF5Data", typeof(HDF5DataLayer)),
        ("Data", typeof(DataLayer)), ("MemoryData", typeof(MemoryDataLayer)), ("IdxData", typeof(IdxDataLayer)),
        ("WindowData", typeof(WindowDataLayer)), ("ImageData", typeof(ImageDataLayer)), ("HDF5Output", typeof(HDF5OutputLayer)),
    ];

    // The ONNX exporter of each built-in type that has an ONNX form. Losses, data layers, the recurrent layers,
    // Accuracy (it compares with labels) and Filter (its top's size follows the data) have none; Input layers become
    // the graph's inputs without one.
    private static readonly Dictionary<string, Type> Exporters = new(StringComparer.Ordinal)
    {
        ["Softmax"] = typeof(SoftmaxExporter), ["ArgMax"] = typeof(ArgMaxExporter), ["Embed"] = typeof(EmbedExporter),
        ["InnerProduct"] = typeof(InnerProductExporter), ["Eltwise"] = typeof(EltwiseExporter), ["Split"] = typeof(IdentityExporter),
        ["Silence"] = typeof(SilenceExporter), ["BatchNorm"] = typeof(BatchNormExporter), ["Scale"] = typeof(ScaleExporter),
        ["Bias"] = typeof(BiasExporter), ["Flatten"] = typeof(FlattenExporter), ["Reshape"] = typeof(ReshapeExporter),
        ["Concat"] = typeof(ConcatExporter), ["Slice"] = typeof(SliceExporter), ["Reduction"] = typeof(ReductionExporter),
        ["Tile"] = typeof(TileExporter), ["Crop"] = typeof(CropExporter), ["Parameter"] = typeof(ParameterExporter),
        ["BatchReindex"] = typeof(BatchReindexExporter), ["MVN"] = typeof(MVNExporter), ["DummyData"] = typeof(DummyDataExporter),

        ["Sigmoid"] = typeof(ActivationExporter), ["ReLU"] = typeof(ReLUExporter), ["PReLU"] = typeof(PReLUExporter),
        ["ELU"] = typeof(ELUExporter), ["TanH"] = typeof(ActivationExporter), ["AbsVal"] = typeof(ActivationExporter),
        ["Power"] = typeof(PowerExporter), ["Exp"] = typeof(ExpExporter), ["Log"] = typeof(LogExporter),
        ["BNLL"] = typeof(ActivationExporter), ["Dropout"] = typeof(IdentityExporter),
        ["Threshold"] = typeof(ThresholdExporter), ["Clip"] = typeof(ClipExporter), ["Swish"] = typeof(SwishExporter),

        ["Convolution"] = typeof(ConvolutionExporter), ["Deconvolution"] = typeof(ConvolutionExporter),
        ["Pooling"] = typeof(PoolingExporter), ["LRN"] = typeof(LRNExporter), ["SPP"] = typeof(SPPExporter), ["Im2col"] = typeof(Im2colExporter),
    };

    /// <summary>Registers every built-in layer type under Caffe's type name (and LayerNet's own data layers).</summary>
    public static LayerNetBuilder AddStandardLayers(this LayerNetBuilder builder) => Add(builder, inNamespace: null);

    /// <summary>Registers the structural layers (inner product, element-wise, shape and routing layers).</summary>
    public static LayerNetBuilder AddCommonLayers(this LayerNetBuilder builder) => Add(builder, typeof(SoftmaxLayer).Namespace);

    /// <summary>Registers the element-wise activation layers.</summary>
    public static LayerNetBuilder AddNeuronLayers(this LayerNetBuilder builder) => Add(builder, typeof(SigmoidLayer).Namespace);

    /// <summary>Registers the loss layers.</summary>
    public static LayerNetBuilder AddLossLayers(this LayerNetBuilder builder) => Add(builder, typeof(EuclideanLossLayer).Namespace);

    /// <summary>Registers the spatial layers (convolution, pooling, normalisation).</summary>
    public static LayerNetBuilder AddVisionLayers(this LayerNetBuilder builder) => Add(builder, typeof(ConvolutionLayer).Namespace);

    /// <summary>Registers the recurrent layers (RNN, LSTM and the LSTM's unit).</summary>
    public static LayerNetBuilder AddRecurrentLayers(this LayerNetBuilder builder) => Add(builder, typeof(LSTMLayer).Namespace);

    /// <summary>Registers the layers that feed data into a net, and the parameters of LayerNet's own (layernet.proto).</summary>
    public static LayerNetBuilder AddDataLayers(this LayerNetBuilder builder) => Add(builder, typeof(InputLayer).Namespace);

    private static LayerNetBuilder Add(LayerNetBuilder builder, string? inNamespace)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (typeName, implementation) in Table)
        {
            if (inNamespace is null || implementation.Namespace == inNamespace)
            {
                builder.AddLayer(typeName, implementation);
                if (Exporters.TryGetValue(typeName, out var exporter))
                {
                    builder.AddOnnxExporter(typeName, exporter);
                }
            }
        }

        if (inNamespace is null || inNamespace == typeof(InputLayer).Namespace)
        {
            builder.AddParameterExtensions(LayernetReflection.Descriptor);
        }

        return builder;
    }
}
