using System.Diagnostics.CodeAnalysis;

namespace LayerNet.Layers.Onnx;

/// <summary>The ONNX operators LayerNet imports, each with its mapping to Caffe layers: one row per operator.</summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, Action<OnnxGraphImporter, OnnxNode>> Table = new(StringComparer.Ordinal)
    {
        ["Conv"] = ConvolutionImport.Conv, ["ConvTranspose"] = ConvolutionImport.ConvTranspose,
        ["MaxPool"] = PoolingImport.MaxPool, ["AveragePool"] = PoolingImport.AveragePool, ["Pad"] = PoolingImport.Pad,
        ["GlobalMaxPool"] = PoolingImport.GlobalMaxPool, ["GlobalAveragePool"] = PoolingImport.GlobalAveragePool,
        ["BatchNormalization"] = NormalizationImport.BatchNormalization, ["LRN"] = NormalizationImport.Lrn,
        ["Softmax"] = NormalizationImport.Softmax,
        ["Gemm"] = DenseImport.Gemm, ["MatMul"] = DenseImport.MatMul,

        ["Relu"] = ActivationImport.Relu, ["LeakyRelu"] = ActivationImport.LeakyRelu, ["PRelu"] = ActivationImport.PRelu,
        ["Elu"] = ActivationImport.Elu, ["Sigmoid"] = ActivationImport.Sigmoid, ["Tanh"] = ActivationImport.Tanh,
        ["Abs"] = ActivationImport.Abs, ["Exp"] = ActivationImport.Exp, ["Log"] = ActivationImport.Log,
        ["Softplus"] = ActivationImport.Softplus, ["Sqrt"] = ActivationImport.Sqrt, ["Reciprocal"] = ActivationImport.Reciprocal,
        ["Neg"] = ActivationImport.Neg, ["Clip"] = ActivationImport.Clip,

        ["Add"] = ArithmeticImport.Add, ["Sub"] = ArithmeticImport.Sub, ["Mul"] = ArithmeticImport.Mul,
        ["Div"] = ArithmeticImport.Div, ["Pow"] = ArithmeticImport.Pow, ["Sum"] = ArithmeticImport.Sum,
        ["Mean"] = ArithmeticImport.Mean, ["Max"] = ArithmeticImport.Max,
        ["Greater"] = ArithmeticImport.Greater, ["Less"] = ArithmeticImport.Less,

        ["Flatten"] = ShapeImport.Flatten, ["Reshape"] = ShapeImport.Reshape, ["Squeeze"] = ShapeImport.Squeeze,
        ["Unsqueeze"] = ShapeImport.Unsqueeze, ["Tile"] = ShapeImport.Tile, ["Concat"] = ShapeImport.Concat,
        ["Split"] = ShapeImport.Split, ["Slice"] = ShapeImport.Slice, ["Identity"] = ShapeImport.Identity,
        ["Dropout"] = ShapeImport.Dropout, ["Cast"] = ShapeImport.Cast,

        ["ReduceSum"] = ReductionImport.ReduceSum, ["ReduceMean"] = ReductionImport.ReduceMean,
        ["ReduceL1"] = ReductionImport.ReduceL1, ["ReduceSumSquare"] = ReductionImport.ReduceSumSquare,
        ["ReduceL2"] = ReductionImport.ReduceL2, ["ArgMax"] = ReductionImport.ArgMax, ["TopK"] = ReductionImport.TopK,
    };

    /// <summary>The operators mapped, sorted (Constant and Shape are computed during the import besides).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The mapping of <paramref name="opType"/>, when LayerNet has one.</summary>
    public static bool TryGet(string opType, [MaybeNullWhen(false)] out Action<OnnxGraphImporter, OnnxNode> mapping) => Table.TryGetValue(opType, out mapping);
}
