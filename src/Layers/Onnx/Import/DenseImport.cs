using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>Gemm and MatMul with a constant right operand: InnerProduct, whose weight is N x K (y = x W^T + b).</summary>
internal static class DenseImport
{
    /// <summary>
    /// Gemm, Y = alpha A' B' + beta C, with A a blob (not transposed), B a constant: InnerProduct with W = alpha B'^T and
    /// bias beta C (C one value, or one per output).
    /// </summary>
    public static void Gemm(OnnxGraphImporter importer, OnnxNode node)
    {
        if (node.Int("transA", 0) != 0)
        {
            throw node.Error("transA is set: the blob would be transposed, which Caffe's InnerProduct does not do");
        }

        var input = importer.Activation(node, 0);
        var b = importer.Constant(node, 1, "B");
        if (input.Rank != 2 || b.Dims.Length != 2)
        {
            throw node.Error($"A {input.ShapeText} and B {b.ShapeText} are not matrices");
        }

        var transB = node.Int("transB", 0) != 0;
        var alpha = node.Float("alpha", 1f);
        var beta = node.Float("beta", 1f);
        var (k, n) = transB ? ((int)b.Dims[1], (int)b.Dims[0]) : ((int)b.Dims[0], (int)b.Dims[1]);
        if (input.Shape[1] != k)
        {
            throw node.Error($"A {input.ShapeText} has {input.Shape[1]} columns, B' has {k} rows");
        }

        var weight = new float[n * k];
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                weight[(row * k) + col] = alpha * (transB ? b.Values[(row * k) + col] : b.Values[(col * n) + row]);
            }
        }

        float[]? bias = null;
        if (node.HasInput(2))
        {
            var c = importer.TryConstant(node, 2) ?? throw node.Error($"C '{node.Input(2)}' is computed by the graph; Caffe's InnerProduct adds a learned bias");
            bias = BiasOf(c, n, input.Shape[0]) ?? throw node.Error($"C {c.ShapeText} is neither one value nor one per output ({n}); Caffe's bias is the same for every row");
            for (var i = 0; i < n; i++)
            {
                bias[i] *= beta;
            }
        }

        InnerProduct(importer, node, node, input, axis: 1, n, k, weight, bias);
    }

    /// <summary>
    /// MatMul of a blob by a constant K x N matrix: InnerProduct over the last axis, W = B^T. An Add of a constant of N
    /// values that alone reads the product becomes the layer's bias.
    /// </summary>
    public static void MatMul(OnnxGraphImporter importer, OnnxNode node)
    {
        if (!importer.IsActivation(node, 0) || importer.IsActivation(node, 1))
        {
            throw node.Error("Caffe's InnerProduct multiplies a blob (the left operand) by learned weights (a constant right operand)");
        }

        var input = importer.Activation(node, 0);
        var b = importer.Constant(node, 1, "the right operand");
        if (input.Rank < 2 || b.Dims.Length != 2 || b.Dims[0] != input.Shape[^1])
        {
            throw node.Error($"the left operand {input.ShapeText} and the right operand {b.ShapeText} are not a blob of rows and a K x N matrix");
        }

        var (k, n) = ((int)b.Dims[0], (int)b.Dims[1]);
        var weight = new float[n * k];
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                weight[(row * k) + col] = b.Values[(col * n) + row];
            }
        }

        var output = node;
        float[]? bias = null;
        if (importer.SoleConsumer(node) is { OpType: "Add" } add)
        {
            var other = add.Input(0) == node.Output(0) ? 1 : 0;
            int[] productShape = [.. input.Shape[..^1], n];
            if (importer.TryConstant(add, other) is { } c && BroadcastSpan.Of(c.Dims, productShape) is { AxisCount: 1 } span && span.Axis == productShape.Length - 1)
            {
                bias = c.Values;
                output = add;
                importer.Fold(add);
            }
        }

        InnerProduct(importer, node, output, input, axis: input.Rank - 1, n, k, weight, bias);
    }

    private static void InnerProduct(OnnxGraphImporter importer, OnnxNode node, OnnxNode writer, ImportedValue input, int axis, int n, int k, float[] weight, float[]? bias)
    {
        var layer = importer.NewLayer(node, "InnerProduct");
        layer.InnerProductParam = new InnerProductParameter { NumOutput = (uint)n, BiasTerm = bias is not null, Axis = axis };
        BlobProto[] blobs = bias is null
            ? [OnnxGraphImporter.BlobOf([n, k], weight)]
            : [OnnxGraphImporter.BlobOf([n, k], weight), OnnxGraphImporter.BlobOf([n], bias)];
        var value = importer.AddLayer(node, layer, [input], [writer.Output(0)], blobs)[0];
        importer.Define(writer, writer.Output(0), value);
    }

    // C as Caffe's bias: one value for all N outputs, or N values the same for every one of the M rows.
    private static float[]? BiasOf(OnnxConstant c, int n, int m)
    {
        if (c.Count == 1 && c.Dims.Length <= 2)
        {
            return [.. Enumerable.Repeat(c.Values[0], n)];
        }

        var rowDims = c.Dims.Length == 2 ? c.Dims[0] : 1;
        return c.Count == n && c.Dims.Length is 1 or 2 && c.Dims[^1] == n && (rowDims == 1 || m == 1) ? (float[])c.Values.Clone() : null;
    }
}
