using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// Imports one ONNX graph: tracks every value (a constant, or a Caffe blob with its shape), hands each node to the
/// operator's mapping (<see cref="OnnxOperators"/>), and builds the deploy net and its weights from the layers the
/// mappings add.
/// </summary>
/// <remarks>
/// Every layer is created with the <see cref="LayerFactory"/> and set up on blobs of the tracked shapes as it is added:
/// that gives the next layer its bottom shapes from Caffe's own computation, and a mapping Caffe would refuse fails
/// here, naming the node, rather than when the net is built.
/// </remarks>
internal sealed class OnnxGraphImporter
{
    private readonly GraphProto _graph;
    private readonly LayerFactory _layers;
    private readonly OnnxImportOptions _options;
    private readonly Dictionary<string, ImportedValue> _activations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxConstant> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingPad> _pads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorShapeProto> _declaredShapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _blobNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _layerNames = new(StringComparer.Ordinal);
    private readonly HashSet<int> _folded = [];
    private readonly HashSet<int> _namedNodes = [];
    private readonly List<OnnxNode> _nodes = [];
    private readonly NetParameter _net = new();
    private readonly NetParameter _weights = new();
    private long _valuesRead;
    private long _valuesComputed;

    /// <summary>Prepares the import of <paramref name="graph"/>, whose model imports standard operator set <paramref name="opset"/>.</summary>
    public OnnxGraphImporter(GraphProto graph, int opset, LayerFactory layers, OnnxImportOptions options)
    {
        _graph = graph;
        _layers = layers;
        _options = options;
        Opset = opset;
    }

    /// <summary>The version of the standard operator set the model imports.</summary>
    public int Opset { get; }

    /// <summary>Runs the import.</summary>
    public OnnxImportResult Run()
    {
        _net.Name = _options.NetName ?? _graph.Name ?? string.Empty;
        _weights.Name = _net.Name;
        if (_graph.SparseInitializer.Count > 0)
        {
            throw new LayerNetException($"the graph has sparse initializers ('{_graph.SparseInitializer[0].Values?.Name}'), which LayerNet does not read; store them dense");
        }

        if (_graph.Output.Count == 0)
        {
            throw new LayerNetException("the graph has no outputs; a Caffe net computes at least one");
        }

        ReserveNames();
        foreach (var initializer in _graph.Initializer)
        {
            var constant = OnnxConstant.FromTensor(initializer);
            if (!_constants.TryAdd(initializer.Name, constant))
            {
                throw new LayerNetException($"initializer '{initializer.Name}' is given twice");
            }

            CountRead(constant.Count);
        }

        foreach (var output in _graph.Output)
        {
            _graphOutputs.Add(output.Name);
        }

        foreach (var info in _graph.ValueInfo.Concat(_graph.Output))
        {
            if (info.Type?.TensorType?.Shape is { } shape)
            {
                _declaredShapes[info.Name] = shape;
            }
        }

        AddInputs();
        foreach (var node in _nodes)
        {
            if (!_folded.Contains(node.Index))
            {
                ImportNode(node);
            }
        }

        foreach (var output in _graph.Output)
        {
            ConnectOutput(output.Name);
        }

        return new OnnxImportResult(_net, _weights);
    }

    /// <summary>True when the value is an initializer, a Constant node's output, or folded from such values.</summary>
    public bool IsConstant(string name) => _constants.ContainsKey(name);

    /// <summary>Input <paramref name="input"/> of the node as a constant, or null when it is absent or computed.</summary>
    public OnnxConstant? TryConstant(OnnxNode node, int input) =>
        node.HasInput(input) && _constants.TryGetValue(node.Input(input), out var constant) ? constant : null;

    /// <summary>Input <paramref name="input"/> of the node, which must be a constant.</summary>
    /// <param name="node">The node.</param>
    /// <param name="input">The input's index.</param>
    /// <param name="what">What the input is, for the error ("the weights").</param>
    /// <exception cref="LayerNetException">The input is absent or computed by the graph.</exception>
    public OnnxConstant Constant(OnnxNode node, int input, string what)
    {
        if (!node.HasInput(input))
        {
            throw node.Error($"{what} (input {input}) is missing");
        }

        var name = node.Input(input);
        return _constants.TryGetValue(name, out var constant)
            ? constant
            : throw node.Error($"input {input} ({what}, '{name}') is computed by the graph; LayerNet maps {node.OpType} only when it is an initializer or a Constant");
    }

    /// <summary>True when input <paramref name="input"/> is given and computed by the graph (a blob, not a constant).</summary>
    public bool IsActivation(OnnxNode node, int input) => node.HasInput(input) && _activations.ContainsKey(node.Input(input));

    /// <summary>Input <paramref name="input"/> of the node as a float blob.</summary>
    /// <exception cref="LayerNetException">The input is absent, a constant, or not a float tensor.</exception>
    public ImportedValue Activation(OnnxNode node, int input)
    {
        var value = Value(node, input);
        return value.Kind == ImportedValueKind.Float
            ? value
            : throw node.Error($"input '{node.Input(input)}' holds {(value.Kind == ImportedValueKind.Index ? "int64 indices" : "booleans")}; LayerNet maps only a Cast to float of it");
    }

    /// <summary>Input <paramref name="input"/> of the node as a blob of any kind (indices and booleans included).</summary>
    /// <exception cref="LayerNetException">The input is absent or a constant.</exception>
    public ImportedValue Value(OnnxNode node, int input)
    {
        if (!node.HasInput(input))
        {
            throw node.Error($"input {input} is missing");
        }

        var name = node.Input(input);
        if (_activations.TryGetValue(name, out var value))
        {
            return value;
        }

        if (_pads.TryGetValue(name, out var pad))
        {
            throw pad.Node.Error($"no Caffe layer pads a blob; LayerNet folds a Pad only into the Conv, MaxPool or AveragePool that alone reads it, and {node.Label} cannot take it");
        }

        if (_constants.TryGetValue(name, out var constant) && Materializable(constant))
        {
            return Materialize(node, name, constant);
        }

        throw node.Error($"input '{name}' is a constant; LayerNet maps {node.OpType} only on values the graph computes");
    }

    // A float constant of rank 1 or more can be a blob: a Parameter layer holds it (a graph with no inputs, such as the
    // lecture's circuit exported with its constant inputs, computes on such blobs).
    private static bool Materializable(OnnxConstant constant) =>
        !constant.IsInteger && constant.Dims.Length > 0 && constant.Dims.All(d => d is > 0 and <= int.MaxValue);

    private ImportedValue Materialize(OnnxNode node, string name, OnnxConstant constant)
    {
        var shape = constant.Dims.Select(d => (int)d).ToArray();
        var layer = new LayerParameter { Name = Unique(_layerNames, name), Type = "Parameter", ParameterParam = new ParameterParameter { Shape = new BlobShape() } };
        layer.ParameterParam.Shape.Dim.AddRange(constant.Dims);
        _blobNames.Add(name); // a constant has one name in the graph, and no layer writes it
        var value = AddLayer(node, layer, [], [name], BlobOf(shape, constant.Values))[0];
        _activations[name] = value;
        return value;
    }

    /// <summary>
    /// Input <paramref name="input"/> of a convolution or pooling node and, when it is a Pad node's output, that
    /// padding (which the node must then take into its own pad): the blob read is the Pad's input.
    /// </summary>
    public (ImportedValue Value, PendingPad? Pad) PaddedActivation(OnnxNode node, int input)
    {
        if (_pads.TryGetValue(node.Input(input), out var pad))
        {
            return (pad.Source, pad);
        }

        return (Activation(node, input), null);
    }

    /// <summary>Records that a Pad node's output is read by the node that will take its padding.</summary>
    public void DeferPad(OnnxNode node, PendingPad pad) => _pads[node.Output(0)] = pad;

    /// <summary>The nodes that read <paramref name="value"/>, in graph order.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>True when <paramref name="value"/> is an output of the graph.</summary>
    public bool IsGraphOutput(string value) => _graphOutputs.Contains(value);

    /// <summary>True when <paramref name="value"/> is read by a node or is a graph output.</summary>
    public bool IsUsed(string value) => value.Length > 0 && (_graphOutputs.Contains(value) || Consumers(value).Count > 0);

    /// <summary>
    /// The node that alone reads the node's first output, when that output is not a graph output; else null (a fold
    /// into the reader is then not possible).
    /// </summary>
    public OnnxNode? SoleConsumer(OnnxNode node)
    {
        var output = node.Output(0);
        var readers = Consumers(output);
        return readers.Count == 1 && !IsGraphOutput(output) && readers[0].Proto.Input.Count(i => i == output) == 1 ? readers[0] : null;
    }

    /// <summary>Marks <paramref name="node"/> as done by an earlier node's mapping (folded into its layer).</summary>
    public void Fold(OnnxNode node) => _folded.Add(node.Index);

    /// <summary>Counts values read from the model's tensors (an initializer, a Constant node): they widen the budget of <see cref="ChargeComputed"/>.</summary>
    public void CountRead(long count) => _valuesRead += count;

    /// <summary>
    /// Charges <paramref name="count"/> values that <paramref name="node"/> computes during the import (a folded
    /// constant) before they are allocated. All such values together may be at most 2^26 plus four times the values
    /// the model's tensors hold: a chain of folds that doubles a constant at each step ends in a refusal, not in the
    /// machine's memory.
    /// </summary>
    /// <exception cref="LayerNetException">The budget is spent (the message names the node).</exception>
    public void ChargeComputed(OnnxNode node, long count)
    {
        var budget = (1L << 26) + (4 * _valuesRead);
        _valuesComputed += count;
        if (_valuesComputed > budget)
        {
            throw node.Error($"the constants computed during the import would hold {_valuesComputed} values, more than LayerNet computes for a model whose tensors hold {_valuesRead} ({budget})");
        }
    }

    /// <summary>Records a constant value.</summary>
    public void DefineConstant(string name, OnnxConstant constant)
    {
        if (name.Length > 0)
        {
            _constants[name] = constant;
        }
    }

    /// <summary>Records that ONNX value <paramref name="name"/> is held by <paramref name="value"/>'s blob (checking a shape the model declares).</summary>
    public void Define(OnnxNode node, string name, ImportedValue value)
    {
        if (name.Length == 0)
        {
            return;
        }

        if (_options.InputShapes.Count == 0 && _declaredShapes.TryGetValue(name, out var declared) && StaticDims(declared) is { } dims
            && !dims.AsSpan().SequenceEqual(value.Shape))
        {
            throw node.Error($"Caffe's layers give '{name}' the shape {value.ShapeText}, the model declares {ImportedValue.ShapeOf(dims)}");
        }

        _activations[name] = value;
    }

    /// <summary>
    /// Makes ONNX value <paramref name="name"/> another name for <paramref name="value"/> (Identity, Dropout, a Cast
    /// that changes nothing): no layer, unless the name is a graph output, which a Split then names.
    /// </summary>
    public void Alias(OnnxNode node, string name, ImportedValue value)
    {
        if (IsGraphOutput(name) && value.Blob != name)
        {
            var split = AddLayer(node, NewLayer(node, "Split"), [value], [name])[0];
            Define(node, name, split with { Kind = value.Kind, NonNegative = value.NonNegative });
            return;
        }

        Define(node, name, value);
    }

    /// <summary>A layer definition of <paramref name="type"/> for the node: named after the node, or after it and <paramref name="role"/> for a second layer.</summary>
    public LayerParameter NewLayer(OnnxNode node, string type, string? role = null)
    {
        var name = role is null && _namedNodes.Add(node.Index) ? node.LayerName : Unique(_layerNames, $"{node.LayerName}_{role ?? type.ToLowerInvariant()}");
        return new LayerParameter { Name = name, Type = type };
    }

    /// <summary>A new blob name for a value between two layers of one node's mapping: <paramref name="baseName"/>_<paramref name="role"/>, made unique.</summary>
    public string IntermediateBlob(string baseName, string role) => Unique(_blobNames, $"{baseName}_{role}");

    /// <summary>
    /// Adds <paramref name="layer"/> reading <paramref name="bottoms"/> and writing the blobs <paramref name="tops"/>,
    /// with <paramref name="blobs"/> as its learned blobs in the weights; returns the tops with the shapes Caffe's
    /// layer gives them.
    /// </summary>
    /// <exception cref="LayerNetException">Caffe's layer refuses the definition or the bottoms' shapes (the message names the node).</exception>
    public ImportedValue[] AddLayer(OnnxNode node, LayerParameter layer, IReadOnlyList<ImportedValue> bottoms, IReadOnlyList<string> tops, params BlobProto[] blobs)
    {
        var bottomBlobs = new List<Blob>(bottoms.Count);
        foreach (var bottom in bottoms)
        {
            layer.Bottom.Add(bottom.Blob);
            try
            {
                var blob = new Blob { Name = bottom.Blob };
                blob.Reshape(bottom.Shape);
                bottomBlobs.Add(blob);
            }
            catch (LayerNetException exception)
            {
                throw node.Error($"input '{bottom.Blob}' {bottom.ShapeText}: {exception.Message.ReplaceLineEndings(" ")}");
            }
        }

        var topBlobs = new List<Blob>(tops.Count);
        foreach (var top in tops)
        {
            layer.Top.Add(top);
            topBlobs.Add(new Blob { Name = top });
        }

        Layer created;
        try
        {
            created = _layers.Create(layer.Clone());
            created.SetUp(bottomBlobs, topBlobs);
        }
        catch (LayerNetException exception)
        {
            throw node.Error($"Caffe's {layer.Type} layer refuses the mapping: {exception.Message.ReplaceLineEndings(" ")}");
        }

        CheckLearnedBlobs(node, layer, created, blobs);
        _net.Layer.Add(layer);
        if (blobs.Length > 0)
        {
            var weights = new LayerParameter { Name = layer.Name, Type = layer.Type };
            weights.Blobs.AddRange(blobs);
            _weights.Layer.Add(weights);
        }

        var values = new ImportedValue[topBlobs.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new ImportedValue(topBlobs[i].Name, [.. topBlobs[i].Shape]);
        }

        return values;
    }

    /// <summary>Adds <paramref name="layer"/> writing the node's first output, and defines that ONNX value.</summary>
    public ImportedValue Produce(OnnxNode node, LayerParameter layer, IReadOnlyList<ImportedValue> bottoms, params BlobProto[] blobs)
    {
        var value = AddLayer(node, layer, bottoms, [node.Output(0)], blobs)[0];
        Define(node, node.Output(0), value);
        return value;
    }

    /// <summary>A blob message of <paramref name="shape"/> holding <paramref name="values"/>, as a .caffemodel stores a learned blob.</summary>
    public static BlobProto BlobOf(IReadOnlyList<int> shape, float[] values)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        foreach (var dim in shape)
        {
            blob.Shape.Dim.Add(dim);
        }

        blob.Data.AddRange(values);
        return blob;
    }

    private static void CheckLearnedBlobs(OnnxNode node, LayerParameter layer, Layer created, BlobProto[] blobs)
    {
        if (created.Blobs.Count != blobs.Length)
        {
            throw node.Error($"Caffe's {layer.Type} layer '{layer.Name}' has {created.Blobs.Count} learned blobs, the import made {blobs.Length}");
        }

        for (var i = 0; i < blobs.Length; i++)
        {
            var expected = created.Blobs[i].Shape;
            var given = blobs[i].Shape.Dim;
            if (!expected.Select(d => (long)d).SequenceEqual(given) || blobs[i].Data.Count != created.Blobs[i].Count)
            {
                throw node.Error($"Caffe's {layer.Type} layer '{layer.Name}' expects blob {i} of shape {ImportedValue.ShapeOf(expected)}, the import made [{string.Join(", ", given)}]");
            }
        }
    }

    private void ImportNode(OnnxNode node)
    {
        if (node.OpType.Length == 0)
        {
            throw node.Error("it has no operator (op_type is empty)");
        }

        if (node.Output(0).Length == 0)
        {
            throw node.Error("its first output has no name; LayerNet names the blob of a node's result after it");
        }

        if (node.Proto.Domain is { Length: > 0 } domain && domain != "ai.onnx")
        {
            throw node.Error($"the operator is from domain '{domain}'; LayerNet imports only the standard ONNX operators (domain ai.onnx)");
        }

        for (var i = 0; i < node.InputCount; i++)
        {
            var name = node.Input(i);
            if (name.Length > 0 && !_activations.ContainsKey(name) && !_constants.ContainsKey(name) && !_pads.ContainsKey(name))
            {
                throw node.Error($"input '{name}' is neither a graph input, an initializer nor the output of an earlier node");
            }
        }

        if (!OnnxOperators.TryGet(node.OpType, out var mapping) && !ConstantFolding.Computes(node.OpType))
        {
            throw node.Error($"no Caffe layer computes it; LayerNet maps {string.Join(", ", OnnxOperators.Names)}");
        }

        try
        {
            if (!ConstantFolding.TryFold(this, node))
            {
                (mapping ?? throw node.Error("its inputs are not all constants, and no Caffe layer computes it"))(this, node);
            }
        }
        catch (Exception exception) when (exception is ArgumentException or IndexOutOfRangeException or InvalidOperationException or ArithmeticException or KeyNotFoundException)
        {
            // A malformed node that no check above names (an attribute or a tensor of the wrong length) surfaces as an
            // out-of-range access or an arithmetic fault: still one line naming the node.
            throw new LayerNetException($"{node.Label}: malformed for its operator ({exception.Message.ReplaceLineEndings(" ")})", exception);
        }
        catch (OutOfMemoryException exception)
        {
            throw new LayerNetException($"{node.Label}: its mapping needs more memory than is free ({exception.Message.ReplaceLineEndings(" ")})", exception);
        }
    }

    private void ReserveNames()
    {
        foreach (var input in _graph.Input)
        {
            if (input.Name.Length == 0)
            {
                throw new LayerNetException("a graph input has no name");
            }

            if (!_blobNames.Add(input.Name))
            {
                throw new LayerNetException($"graph input '{input.Name}' is listed twice");
            }
        }

        foreach (var initializer in _graph.Initializer)
        {
            _blobNames.Add(initializer.Name);
        }

        var nameCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in _graph.Node)
        {
            _blobNames.UnionWith(node.Input.Where(n => n.Length > 0));
            _blobNames.UnionWith(node.Output.Where(n => n.Length > 0));
            if (node.Name.Length > 0)
            {
                nameCounts[node.Name] = nameCounts.GetValueOrDefault(node.Name) + 1;
            }
        }

        // The Input layers are named after their blobs; a node of the same name gets a suffix.
        _layerNames.UnionWith(_graph.Input.Select(i => i.Name));
        var writers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var inputs = _graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var initializers = _graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < _graph.Node.Count; i++)
        {
            var proto = _graph.Node[i];
            var preferred = proto.Name.Length > 0 && nameCounts[proto.Name] == 1 ? proto.Name : $"{proto.OpType}_{i}";
            var node = new OnnxNode(proto, i, Unique(_layerNames, preferred));
            _nodes.Add(node);
            CheckWriter(node, writers, inputs, initializers);
            foreach (var input in proto.Input.Where(n => n.Length > 0).Distinct())
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    list = [];
                    _consumers[input] = list;
                }

                list.Add(node);
            }
        }
    }

    // Each value has one writer (ONNX's graphs are in single static assignment form): a node's output that is a graph
    // input, an initializer or another node's output would silently replace that value.
    private static void CheckWriter(OnnxNode node, Dictionary<string, OnnxNode> writers, HashSet<string> inputs, HashSet<string> initializers)
    {
        foreach (var output in node.Proto.Output)
        {
            if (output.Length == 0)
            {
                continue;
            }

            if (inputs.Contains(output))
            {
                throw node.Error($"output '{output}' is already a graph input; each ONNX value has one writer");
            }

            if (initializers.Contains(output))
            {
                throw node.Error($"output '{output}' is already an initializer; each ONNX value has one writer");
            }

            if (!writers.TryAdd(output, node))
            {
                throw node.Error($"output '{output}' is already written by {writers[output].Label}; each ONNX value has one writer");
            }
        }
    }

    private void AddInputs()
    {
        var inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        foreach (var name in _options.InputShapes.Keys)
        {
            if (!inputs.Exists(i => i.Name == name))
            {
                throw new LayerNetException($"the input shapes name '{name}', which is not an input of the graph (its inputs: {string.Join(", ", inputs.Select(i => $"'{i.Name}'"))})");
            }
        }

        foreach (var input in inputs)
        {
            var shape = InputShape(input);
            var layer = new LayerParameter { Name = input.Name, Type = "Input", InputParam = new InputParameter() };
            var blobShape = new BlobShape();
            blobShape.Dim.AddRange(shape.Select(d => (long)d));
            layer.InputParam.Shape.Add(blobShape);
            layer.Top.Add(input.Name);
            _net.Layer.Add(layer);
            _activations[input.Name] = new ImportedValue(input.Name, shape);
        }
    }

    private int[] InputShape(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType ?? throw new LayerNetException($"graph input '{input.Name}' is not a tensor; LayerNet imports tensor inputs only");
        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new LayerNetException($"graph input '{input.Name}' is of type {(TensorProto.Types.DataType)tensor.ElemType}; LayerNet's blobs hold float32 only, so the graph's inputs must be float");
        }

        var declared = tensor.Shape;
        if (_options.InputShapes.TryGetValue(input.Name, out var given))
        {
            if (given.Any(d => d <= 0))
            {
                throw new LayerNetException($"the input shape {ImportedValue.ShapeOf(given)} given for '{input.Name}' has a dimension that is not positive");
            }

            if (declared is not null && (declared.Dim.Count != given.Length
                || declared.Dim.Select((d, i) => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue != given[i]).Any(differs => differs)))
            {
                throw new LayerNetException($"the input shape {ImportedValue.ShapeOf(given)} given for '{input.Name}' disagrees with the model's {DeclaredText(declared)}");
            }

            return Fits(input, [.. given]);
        }

        if (declared is null)
        {
            throw new LayerNetException($"graph input '{input.Name}' has no shape in the model; give one with the import's input shapes (OnnxImportOptions.InputShapes)");
        }

        var shape = new int[declared.Dim.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            var dim = declared.Dim[i];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                shape[i] = 1;
                continue;
            }

            shape[i] = dim.DimValue is > 0 and <= int.MaxValue
                ? (int)dim.DimValue
                : throw new LayerNetException($"graph input '{input.Name}' has dimension {dim.DimValue} on axis {i}; a blob's dimensions are 1 to {int.MaxValue}");
        }

        return Fits(input, shape);
    }

    // The shape, when a blob of it can be: at most Blob.MaxAxes axes and Array.MaxLength elements.
    private static int[] Fits(ValueInfoProto input, int[] shape)
    {
        if (shape.Length > Blob.MaxAxes)
        {
            throw new LayerNetException($"graph input '{input.Name}' has {shape.Length} axes; a blob has at most {Blob.MaxAxes}");
        }

        long count = 1;
        foreach (var dim in shape)
        {
            count = Math.Min(count * dim, (long)Array.MaxLength + 1);
        }

        return count <= Array.MaxLength
            ? shape
            : throw new LayerNetException($"graph input '{input.Name}' of shape {ImportedValue.ShapeOf(shape)} has {ShapeCount(shape)} elements, more than a blob holds ({Array.MaxLength})");
    }

    private static string ShapeCount(int[] shape) =>
        shape.Aggregate(System.Numerics.BigInteger.One, (product, dim) => product * dim).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string DeclaredText(TensorShapeProto shape) =>
        $"[{string.Join(", ", shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam.Length > 0 ? d.DimParam : "?"))}]";

    private static int[]? StaticDims(TensorShapeProto shape)
    {
        var dims = new int[shape.Dim.Count];
        for (var i = 0; i < dims.Length; i++)
        {
            var dim = shape.Dim[i];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dim.DimValue is < 0 or > int.MaxValue)
            {
                return null;
            }

            dims[i] = (int)dim.DimValue;
        }

        return dims;
    }

    private void ConnectOutput(string name)
    {
        if (_activations.TryGetValue(name, out var value))
        {
            if (value.Blob != name)
            {
                // A graph output that is another value's blob (an Identity of an input, say): a Split gives it its name.
                var layer = new LayerParameter { Name = Unique(_layerNames, $"{name}_split"), Type = "Split" };
                layer.Bottom.Add(value.Blob);
                layer.Top.Add(name);
                _net.Layer.Add(layer);
            }

            return;
        }

        if (_constants.TryGetValue(name, out var constant) && Materializable(constant))
        {
            Materialize(new OnnxNode(new NodeProto { Name = name, OpType = "Constant" }, -1, name), name, constant);
            return;
        }

        throw _constants.ContainsKey(name)
            ? new LayerNetException($"graph output '{name}' is a constant that no Caffe blob can hold")
            : new LayerNetException($"graph output '{name}' is not computed by any node");
    }

    private static string Unique(HashSet<string> taken, string preferred)
    {
        var name = preferred;
        for (var i = 1; !taken.Add(name); i++)
        {
            name = $"{preferred}_{i}";
        }

        return name;
    }
}
