using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// The arithmetic operators: Add, Sub, Mul, Div, Pow, Sum, Mean, Max, and Greater (Less) against a constant.
/// </summary>
/// <remarks>
/// <para>Two blobs of one shape: Eltwise (SUM, SUM with coefficients 1 and -1 for Sub, PROD; Div is PROD with a Power -1 of the divisor).</para>
/// <para>A blob and one constant value: Power, y = (shift + scale x)^power.</para>
/// <para>
/// A blob and a constant broadcast along consecutive axes (a per-channel [C, 1, 1]): Bias (Add, Sub) or Scale (Mul,
/// Div) with that <c>axis</c> and <c>num_axes</c>. A blob and a smaller blob the same way: the smaller, reshaped to
/// the axes it covers, is the second bottom of Bias or Scale.
/// </para>
/// </remarks>
internal static class ArithmeticImport
{
    private enum Operation
    {
        Add,
        Sub,
        Mul,
        Div,
    }

    /// <summary>Add.</summary>
    public static void Add(OnnxGraphImporter importer, OnnxNode node) => Binary(importer, node, Operation.Add);

    /// <summary>Sub.</summary>
    public static void Sub(OnnxGraphImporter importer, OnnxNode node) => Binary(importer, node, Operation.Sub);

    /// <summary>Mul.</summary>
    public static void Mul(OnnxGraphImporter importer, OnnxNode node) => Binary(importer, node, Operation.Mul);

    /// <summary>Div.</summary>
    public static void Div(OnnxGraphImporter importer, OnnxNode node) => Binary(importer, node, Operation.Div);

    /// <summary>Sum: Eltwise SUM of blobs of one shape.</summary>
    public static void Sum(OnnxGraphImporter importer, OnnxNode node) => Variadic(importer, node, EltwiseParameter.Types.EltwiseOp.Sum, mean: false);

    /// <summary>Mean: Eltwise SUM with every coefficient 1 / n.</summary>
    public static void Mean(OnnxGraphImporter importer, OnnxNode node) => Variadic(importer, node, EltwiseParameter.Types.EltwiseOp.Sum, mean: true);

    /// <summary>Max: Eltwise MAX of blobs of one shape.</summary>
    public static void Max(OnnxGraphImporter importer, OnnxNode node) => Variadic(importer, node, EltwiseParameter.Types.EltwiseOp.Max, mean: false);

    /// <summary>Pow: Power with the exponent one constant value, or Exp with the base one positive constant value.</summary>
    public static void Pow(OnnxGraphImporter importer, OnnxNode node)
    {
        if (importer.IsActivation(node, 0))
        {
            var input = importer.Activation(node, 0);
            var exponent = ScalarFor(importer.TryConstant(node, 1), input)
                ?? throw node.Error("the exponent is not one constant value; Caffe's Power raises to a fixed power");
            Power(importer, node, input, new PowerParameter { Power = exponent });
            return;
        }

        var power = importer.Activation(node, 1);
        var bas = ScalarFor(importer.TryConstant(node, 0), power);
        if (bas is not > 0f)
        {
            throw node.Error("the base is not one positive constant value; Caffe's Exp raises a fixed positive base");
        }

        var layer = importer.NewLayer(node, "Exp");
        layer.ExpParam = new ExpParameter { Base = bas.Value };
        importer.Produce(node, layer, [power]);
    }

    /// <summary>Greater(x, c) with c one constant value: Threshold at c (1 where x &gt; c, else 0), a boolean that a Cast to float reads.</summary>
    public static void Greater(OnnxGraphImporter importer, OnnxNode node) => Threshold(importer, node, activation: 0);

    /// <summary>Less(c, x) with c one constant value: Threshold at c, as <see cref="Greater"/>.</summary>
    public static void Less(OnnxGraphImporter importer, OnnxNode node) => Threshold(importer, node, activation: 1);

    private static void Threshold(OnnxGraphImporter importer, OnnxNode node, int activation)
    {
        if (!importer.IsActivation(node, activation))
        {
            throw node.Error($"Caffe's Threshold compares a blob with a constant: {(activation == 0 ? "x > c" : "c < x")}, the blob {(activation == 0 ? "first" : "second")}");
        }

        var input = importer.Activation(node, activation);
        var threshold = ScalarFor(importer.TryConstant(node, 1 - activation), input)
            ?? throw node.Error("the value compared with is not one constant value; Caffe's Threshold compares with a fixed threshold");
        var layer = importer.NewLayer(node, "Threshold");
        layer.ThresholdParam = new ThresholdParameter { Threshold = threshold };
        var value = importer.AddLayer(node, layer, [input], [node.Output(0)])[0] with { Kind = ImportedValueKind.Boolean, NonNegative = true };
        importer.Define(node, node.Output(0), value);
    }

    private static void Binary(OnnxGraphImporter importer, OnnxNode node, Operation operation)
    {
        var first = importer.IsActivation(node, 0);
        var second = importer.IsActivation(node, 1);
        if (first && second)
        {
            TwoBlobs(importer, node, operation, importer.Activation(node, 0), importer.Activation(node, 1));
            return;
        }

        var blobIndex = first ? 0 : 1;
        var input = importer.Activation(node, blobIndex);
        var constant = importer.Constant(node, 1 - blobIndex, "the other operand");
        var blobFirst = blobIndex == 0;
        if (ScalarFor(constant, input) is { } c)
        {
            Power(importer, node, input, ScalarPower(operation, c, blobFirst));
            return;
        }

        var span = BroadcastSpan.Of(constant.Dims, input.Shape)
            ?? throw node.Error($"the constant of shape {constant.ShapeText} does not broadcast over the input {input.ShapeText} as Caffe's Scale and Bias do (along consecutive axes, without widening it)");
        var covered = span.Covered(input.Shape);
        var values = constant.Values;
        switch (operation)
        {
            case Operation.Add:
                Bias(importer, node, input, span, OnnxGraphImporter.BlobOf(covered, values));
                break;
            case Operation.Sub when blobFirst:
                Bias(importer, node, input, span, OnnxGraphImporter.BlobOf(covered, Array.ConvertAll(values, v => -v)));
                break;
            case Operation.Sub:
                // c - x = -1 x + c.
                var minusOnes = new float[values.Length];
                Array.Fill(minusOnes, -1f);
                Scale(importer, node, input, span, OnnxGraphImporter.BlobOf(covered, minusOnes), OnnxGraphImporter.BlobOf(covered, values));
                break;
            case Operation.Mul:
                Scale(importer, node, input, span, OnnxGraphImporter.BlobOf(covered, values));
                break;
            case Operation.Div when blobFirst:
                Scale(importer, node, input, span, OnnxGraphImporter.BlobOf(covered, Array.ConvertAll(values, v => 1f / v)));
                break;
            default:
                // c / x = c x^-1.
                var reciprocal = Intermediate(importer, node, input, "reciprocal", new PowerParameter { Power = -1f });
                Scale(importer, node, reciprocal, span, OnnxGraphImporter.BlobOf(covered, values));
                break;
        }
    }

    // y = (shift + scale x)^power for x op c (blob first) or c op x.
    private static PowerParameter ScalarPower(Operation operation, float c, bool blobFirst) => operation switch
    {
        Operation.Add => new PowerParameter { Shift = c },
        Operation.Sub when blobFirst => new PowerParameter { Shift = -c },
        Operation.Sub => new PowerParameter { Scale = -1f, Shift = c },
        Operation.Mul => new PowerParameter { Scale = c },
        Operation.Div when blobFirst => new PowerParameter { Scale = 1f / c },

        // c / x = (x / c)^-1; 0 / x is 0.
        _ => c == 0f ? new PowerParameter { Scale = 0f } : new PowerParameter { Power = -1f, Scale = 1f / c },
    };

    private static void TwoBlobs(OnnxGraphImporter importer, OnnxNode node, Operation operation, ImportedValue a, ImportedValue b)
    {
        if (a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            var layer = importer.NewLayer(node, "Eltwise");
            layer.EltwiseParam = new EltwiseParameter();
            switch (operation)
            {
                case Operation.Add:
                    layer.EltwiseParam.Operation = EltwiseParameter.Types.EltwiseOp.Sum;
                    break;
                case Operation.Sub:
                    layer.EltwiseParam.Operation = EltwiseParameter.Types.EltwiseOp.Sum;
                    layer.EltwiseParam.Coeff.Add([1f, -1f]);
                    break;
                case Operation.Mul:
                    layer.EltwiseParam.Operation = EltwiseParameter.Types.EltwiseOp.Prod;
                    break;
                default:
                    layer.EltwiseParam.Operation = EltwiseParameter.Types.EltwiseOp.Prod;
                    b = Intermediate(importer, node, b, "reciprocal", new PowerParameter { Power = -1f });
                    break;
            }

            importer.Produce(node, layer, [a, b]);
            return;
        }

        var output = BroadcastSpan.Broadcast(a.Shape, b.Shape);
        var bigFirst = output is not null && output.AsSpan().SequenceEqual(a.Shape);
        var (big, small) = bigFirst ? (a, b) : (b, a);
        var span = output is not null && output.AsSpan().SequenceEqual(big.Shape) ? BroadcastSpan.Of([.. small.Shape.Select(d => (long)d)], big.Shape) : null;
        if (span is not { AxisCount: > 0 } covering)
        {
            throw node.Error($"the inputs of shapes {a.ShapeText} and {b.ShapeText} broadcast in a way Caffe's Scale and Bias do not (the smaller must cover consecutive axes of the larger, which it leaves its shape)");
        }

        var covered = covering.Covered(big.Shape);
        if (!small.Shape.AsSpan().SequenceEqual(covered))
        {
            small = ShapeImport.ReshapeTo(importer, node, small, covered, "operand");
        }

        switch (operation)
        {
            case Operation.Add:
                Bias(importer, node, big, small, covering);
                break;
            case Operation.Sub when bigFirst:
                Bias(importer, node, big, Intermediate(importer, node, small, "negated", new PowerParameter { Scale = -1f }), covering);
                break;
            case Operation.Sub:
                Bias(importer, node, Intermediate(importer, node, big, "negated", new PowerParameter { Scale = -1f }), small, covering);
                break;
            case Operation.Mul:
                Scale(importer, node, big, small, covering);
                break;
            case Operation.Div when bigFirst:
                Scale(importer, node, big, Intermediate(importer, node, small, "reciprocal", new PowerParameter { Power = -1f }), covering);
                break;
            default:
                Scale(importer, node, Intermediate(importer, node, big, "reciprocal", new PowerParameter { Power = -1f }), small, covering);
                break;
        }
    }

    private static void Variadic(OnnxGraphImporter importer, OnnxNode node, EltwiseParameter.Types.EltwiseOp operation, bool mean)
    {
        var inputs = new List<ImportedValue>();
        for (var i = 0; i < node.InputCount; i++)
        {
            var input = importer.Activation(node, i);
            if (inputs.Count > 0 && !input.Shape.AsSpan().SequenceEqual(inputs[0].Shape))
            {
                throw node.Error($"input '{node.Input(i)}' has shape {input.ShapeText}, input '{node.Input(0)}' {inputs[0].ShapeText}; Caffe's Eltwise takes blobs of one shape");
            }

            inputs.Add(input);
        }

        if (inputs.Count == 1)
        {
            importer.Alias(node, node.Output(0), inputs[0]);
            return;
        }

        var layer = importer.NewLayer(node, "Eltwise");
        layer.EltwiseParam = new EltwiseParameter { Operation = operation };
        if (mean)
        {
            layer.EltwiseParam.Coeff.Add(Enumerable.Repeat(1f / inputs.Count, inputs.Count));
        }

        importer.Produce(node, layer, inputs);
    }

    /// <summary>The constant's one value when it broadcasts over <paramref name="input"/> without changing its shape; else null.</summary>
    internal static float? ScalarFor(OnnxConstant? constant, ImportedValue input) =>
        constant is { Count: 1 } && constant.Dims.Length <= input.Rank ? constant.Values[0] : null;

    private static void Power(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, PowerParameter power)
    {
        var layer = importer.NewLayer(node, "Power");
        layer.PowerParam = power;
        importer.Produce(node, layer, [input]);
    }

    private static ImportedValue Intermediate(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, string role, PowerParameter power)
    {
        var layer = importer.NewLayer(node, "Power", role);
        layer.PowerParam = power;
        return importer.AddLayer(node, layer, [input], [importer.IntermediateBlob(node.Output(0), role)])[0];
    }

    private static void Bias(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, BroadcastSpan span, Caffe.BlobProto bias)
    {
        var layer = importer.NewLayer(node, "Bias");
        layer.BiasParam = new BiasParameter { Axis = span.Axis, NumAxes = span.AxisCount };
        importer.Produce(node, layer, [input], bias);
    }

    private static void Bias(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, ImportedValue bias, BroadcastSpan span)
    {
        var layer = importer.NewLayer(node, "Bias");
        layer.BiasParam = new BiasParameter { Axis = span.Axis };
        importer.Produce(node, layer, [input, bias]);
    }

    private static void Scale(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, BroadcastSpan span, Caffe.BlobProto scale, Caffe.BlobProto? bias = null)
    {
        var layer = importer.NewLayer(node, "Scale");
        layer.ScaleParam = new ScaleParameter { Axis = span.Axis, NumAxes = span.AxisCount, BiasTerm = bias is not null };
        importer.Produce(node, layer, [input], bias is null ? [scale] : [scale, bias]);
    }

    private static void Scale(OnnxGraphImporter importer, OnnxNode node, ImportedValue input, ImportedValue scale, BroadcastSpan span)
    {
        var layer = importer.NewLayer(node, "Scale");
        layer.ScaleParam = new ScaleParameter { Axis = span.Axis };
        importer.Produce(node, layer, [input, scale]);
    }
}
