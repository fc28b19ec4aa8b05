using Caffe;
using Google.Protobuf.Reflection;
using LayerNet.Errors;
using LayerNet.Text;

namespace LayerNet.Files;

/// <summary>
/// Caffe's upgrade of old net definitions and weights (<c>upgrade_proto.cpp</c>), step for step and in Caffe's
/// order: V0 layers to V1 (padding layers folded into the convolution or pooling they feed), the data layers'
/// transformation fields to <c>transform_param</c>, V1 layers (<c>layers { type: CONVOLUTION }</c>) to V2
/// (<c>layer { type: "Convolution" }</c>), the net's <c>input</c> fields to an Input layer, and BatchNorm's three
/// old param specs removed. A net in the current form is left as it is.
/// </summary>
/// <remarks>
/// The mistakes Caffe stops on (an unknown V0 type, a padding layer feeding neither a convolution nor a pooling)
/// are one-line errors naming the layer's place in its file. What Caffe logs and goes on past (a V0 field the
/// layer's type does not take, dropped) is returned as notes for the caller to print.
/// </remarks>
public static class NetUpgrade
{
    // Caffe's UpgradeV0LayerType: V0 type strings to the V1 enum.
    private static readonly Dictionary<string, V1LayerParameter.Types.LayerType> V0Types = new(StringComparer.Ordinal)
    {
        ["accuracy"] = V1LayerParameter.Types.LayerType.Accuracy,
        ["bnll"] = V1LayerParameter.Types.LayerType.Bnll,
        ["concat"] = V1LayerParameter.Types.LayerType.Concat,
        ["conv"] = V1LayerParameter.Types.LayerType.Convolution,
        ["data"] = V1LayerParameter.Types.LayerType.Data,
        ["dropout"] = V1LayerParameter.Types.LayerType.Dropout,
        ["euclidean_loss"] = V1LayerParameter.Types.LayerType.EuclideanLoss,
        ["flatten"] = V1LayerParameter.Types.LayerType.Flatten,
        ["hdf5_data"] = V1LayerParameter.Types.LayerType.Hdf5Data,
        ["hdf5_output"] = V1LayerParameter.Types.LayerType.Hdf5Output,
        ["im2col"] = V1LayerParameter.Types.LayerType.Im2Col,
        ["images"] = V1LayerParameter.Types.LayerType.ImageData,
        ["infogain_loss"] = V1LayerParameter.Types.LayerType.InfogainLoss,
        ["innerproduct"] = V1LayerParameter.Types.LayerType.InnerProduct,
        ["lrn"] = V1LayerParameter.Types.LayerType.Lrn,
        ["multinomial_logistic_loss"] = V1LayerParameter.Types.LayerType.MultinomialLogisticLoss,
        ["pool"] = V1LayerParameter.Types.LayerType.Pooling,
        ["relu"] = V1LayerParameter.Types.LayerType.Relu,
        ["sigmoid"] = V1LayerParameter.Types.LayerType.Sigmoid,
        ["softmax"] = V1LayerParameter.Types.LayerType.Softmax,
        ["softmax_loss"] = V1LayerParameter.Types.LayerType.SoftmaxLoss,
        ["split"] = V1LayerParameter.Types.LayerType.Split,
        ["tanh"] = V1LayerParameter.Types.LayerType.Tanh,
        ["window_data"] = V1LayerParameter.Types.LayerType.WindowData,
    };

    // Caffe's UpgradeV1LayerType: the V1 enum (by its name in caffe.proto) to V2 type names.
    private static readonly Dictionary<string, string> V1Types = new(StringComparer.Ordinal)
    {
        ["NONE"] = string.Empty,
        ["ABSVAL"] = "AbsVal",
        ["ACCURACY"] = "Accuracy",
        ["ARGMAX"] = "ArgMax",
        ["BNLL"] = "BNLL",
        ["CONCAT"] = "Concat",
        ["CONTRASTIVE_LOSS"] = "ContrastiveLoss",
        ["CONVOLUTION"] = "Convolution",
        ["DECONVOLUTION"] = "Deconvolution",
        ["DATA"] = "Data",
        ["DROPOUT"] = "Dropout",
        ["DUMMY_DATA"] = "DummyData",
        ["EUCLIDEAN_LOSS"] = "EuclideanLoss",
        ["ELTWISE"] = "Eltwise",
        ["EXP"] = "Exp",
        ["FLATTEN"] = "Flatten",
        ["HDF5_DATA"] = "HDF5Data",
        ["HDF5_OUTPUT"] = "HDF5Output",
        ["HINGE_LOSS"] = "HingeLoss",
        ["IM2COL"] = "Im2col",
        ["IMAGE_DATA"] = "ImageData",
        ["INFOGAIN_LOSS"] = "InfogainLoss",
        ["INNER_PRODUCT"] = "InnerProduct",
        ["LRN"] = "LRN",
        ["MEMORY_DATA"] = "MemoryData",
        ["MULTINOMIAL_LOGISTIC_LOSS"] = "MultinomialLogisticLoss",
        ["MVN"] = "MVN",
        ["POOLING"] = "Pooling",
        ["POWER"] = "Power",
        ["RELU"] = "ReLU",
        ["SIGMOID"] = "Sigmoid",
        ["SIGMOID_CROSS_ENTROPY_LOSS"] = "SigmoidCrossEntropyLoss",
        ["SILENCE"] = "Silence",
        ["SOFTMAX"] = "Softmax",
        ["SOFTMAX_LOSS"] = "SoftmaxWithLoss",
        ["SPLIT"] = "Split",
        ["SLICE"] = "Slice",
        ["TANH"] = "TanH",
        ["WINDOW_DATA"] = "WindowData",
        ["THRESHOLD"] = "Threshold",
    };

    // The fields of the V1 data layers' parameters that Caffe moves to transform_param, in its order.
    private static readonly string[] TransformationFields = ["scale", "mean_file", "crop_size", "mirror"];

    /// <summary>True when Caffe would upgrade the net: V0 or V1 layers, <c>input</c> fields, or BatchNorm's old param specs.</summary>
    public static bool NeedsUpgrade(NetParameter net)
    {
        ArgumentNullException.ThrowIfNull(net);
        return net.Layers.Count > 0 || net.Input.Count > 0 || NeedsBatchNormUpgrade(net);
    }

    /// <summary>What is old in the net, for a note such as "'x.prototxt' uses the V1 format"; null when nothing is.</summary>
    public static string? DeprecatedForm(NetParameter net)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (NeedsV0ToV1Upgrade(net))
        {
            return "the V0 format";
        }

        if (net.Layers.Count > 0)
        {
            return "the V1 format";
        }

        var parts = new List<string>();
        if (net.Input.Count > 0)
        {
            parts.Add("the deprecated input fields (input, input_shape, input_dim)");
        }

        if (NeedsBatchNormUpgrade(net))
        {
            parts.Add("BatchNorm layers with the three old param specs");
        }

        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    /// <summary>The note printed once for a file upgraded on reading, with the command that saves the upgraded form.</summary>
    /// <param name="file">The file as the user named it.</param>
    /// <param name="form">What was old in it (<see cref="DeprecatedForm"/>).</param>
    public static string Note(string file, string form) =>
        $"'{file}' uses {form}; it was upgraded in memory (save the upgraded form with: layernet upgrade {file} OUT)";

    /// <summary>
    /// The net in the current (V2) form, as Caffe's <c>UpgradeNetAsNeeded</c> makes it; the net itself is not changed
    /// (the result may share its weight blobs).
    /// </summary>
    /// <param name="net">The net as read.</param>
    /// <param name="fileName">The file it was read from, named in errors and notes; empty for none.</param>
    /// <param name="definition">
    /// True for a net definition, where <c>input</c> names without shapes are an error; false for weights (a
    /// <c>.caffemodel</c>), where Caffe drops them.
    /// </param>
    /// <param name="notes">Receives what Caffe logs and goes on past (V0 fields a layer's type does not take); null to drop them.</param>
    /// <exception cref="LayerNetException">A mistake Caffe stops on: an unknown V0 layer type, a misplaced padding layer, inputs without shapes.</exception>
    public static NetParameter Upgrade(NetParameter net, string fileName = "", bool definition = true, ICollection<string>? notes = null) =>
        Upgrade(net, null, fileName, definition, notes ?? []).Net;

    /// <summary>
    /// A net read from text, upgraded as <see cref="Upgrade(NetParameter, string, bool, ICollection{string}?)"/> does;
    /// its errors and notes name the place in the text, and the result's source places each layer where its old block is.
    /// </summary>
    /// <exception cref="LayerNetException">A mistake Caffe stops on, at its place in the text.</exception>
    public static TextDocument<NetParameter> Upgrade(TextDocument<NetParameter> document, bool definition = true, ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var (net, source) = Upgrade(document.Message, document.Source, document.Source.File, definition, notes ?? []);
        return new TextDocument<NetParameter>(net, source ?? document.Source);
    }

    /// <summary>
    /// As <see cref="Upgrade(NetParameter, string, bool, ICollection{string}?)"/>, with where each layer of the result
    /// came from: layer i of the result at the place of the <c>layers</c> block it was made from (a padding layer folded
    /// away has no layer of its own), the Input layer made from the <c>input</c> fields at the net's start.
    /// </summary>
    internal static (NetParameter Net, MessageSource? Source) Upgrade(NetParameter net, MessageSource? source, string fileName, bool definition, ICollection<string> notes)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(notes);
        var upgrade = new Upgrader(source, fileName, notes);
        return upgrade.Run(net, definition);
    }

    private static bool NeedsV0ToV1Upgrade(NetParameter net)
    {
        foreach (var layer in net.Layers)
        {
            if (layer.Layer is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool NeedsBatchNormUpgrade(NetParameter net)
    {
        foreach (var layer in net.Layer)
        {
            if (layer.Type == "BatchNorm" && layer.Param.Count == 3)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One upgrade of one net: the steps, and where the layers of each stage came from.</summary>
    private sealed class Upgrader(MessageSource? source, string fileName, ICollection<string> notes)
    {
        private List<SourcePosition?> _positions = [];

        public (NetParameter Net, MessageSource? Source) Run(NetParameter net, bool definition)
        {
            // Each stage keeps the places of its layers: the V0 and V1 layers where their 'layers' blocks are, the V2
            // ones where their 'layer' blocks are.
            _positions = [];
            var field = net.Layers.Count > 0 ? NetParameter.LayersFieldNumber : NetParameter.LayerFieldNumber;
            var count = net.Layers.Count > 0 ? net.Layers.Count : net.Layer.Count;
            for (var i = 0; i < count; i++)
            {
                _positions.Add(source?.Child(field, i)?.Position);
            }

            if (NeedsV0ToV1Upgrade(net))
            {
                net = UpgradeV0Net(net);
            }
            else
            {
                net = ShallowCopy(net);
            }

            UpgradeDataTransformation(net);
            if (net.Layers.Count > 0)
            {
                net = UpgradeV1Net(net);
            }

            if (net.Input.Count > 0)
            {
                UpgradeInput(net, definition);
            }

            for (var i = 0; i < net.Layer.Count; i++)
            {
                // Caffe's UpgradeNetBatchNorm: the old definition declared three param specs; the layer now sets its own.
                if (net.Layer[i].Type == "BatchNorm" && net.Layer[i].Param.Count == 3)
                {
                    net.Layer[i] = net.Layer[i].Clone();
                    net.Layer[i].Param.Clear();
                }
            }

            return (net, SourceOf(net));
        }

        private MessageSource? SourceOf(NetParameter net)
        {
            if (source is null)
            {
                return null;
            }

            var result = new MessageSource(source.Position);
            for (var i = 0; i < net.Layer.Count && i < _positions.Count; i++)
            {
                if (_positions[i] is { } position)
                {
                    result.Add(NetParameter.LayerFieldNumber, i, position);
                }
            }

            return result;
        }

        private LayerNetException Error(SourcePosition? position, string message) =>
            position is null && fileName.Length > 0 ? new LayerNetException($"{fileName}: {message}") : LayerNetException.At(position, message);

        private void Note(SourcePosition? position, string message) =>
            notes.Add(position is { } p ? $"{p}: {message}" : fileName.Length > 0 ? $"{fileName}: {message}" : message);

        // Caffe's UpgradeV0Net: padding layers folded, then each V0 layer to V1; of the net, only its name, inputs
        // and force_backward are kept.
        private NetParameter UpgradeV0Net(NetParameter v0)
        {
            var (layers, positions) = FoldPaddingLayers(v0);
            _positions = positions;
            var net = new NetParameter();
            if (v0.HasName)
            {
                net.Name = v0.Name;
            }

            for (var i = 0; i < layers.Count; i++)
            {
                net.Layers.Add(UpgradeV0Layer(layers[i], positions[i]));
            }

            net.Input.AddRange(v0.Input);
            net.InputDim.AddRange(v0.InputDim);
            if (v0.HasForceBackward)
            {
                net.ForceBackward = v0.ForceBackward;
            }

            return net;
        }

        // Caffe's UpgradeV0PaddingLayers: a padding layer is removed and its pad given to the layer that reads its output.
        private (List<V1LayerParameter> Layers, List<SourcePosition?> Positions) FoldPaddingLayers(NetParameter net)
        {
            var layers = new List<V1LayerParameter>();
            var positions = new List<SourcePosition?>();
            var lastProducer = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var input in net.Input)
            {
                lastProducer[input] = -1;
            }

            for (var i = 0; i < net.Layers.Count; i++)
            {
                var connection = net.Layers[i];
                var type = connection.Layer?.Type ?? string.Empty;
                var name = connection.Layer?.Name ?? string.Empty;
                V1LayerParameter? kept = null;
                if (type != "padding")
                {
                    kept = connection.Clone();
                    layers.Add(kept);
                    positions.Add(_positions[i]);
                }

                for (var j = 0; j < connection.Bottom.Count; j++)
                {
                    var blob = connection.Bottom[j];
                    if (!lastProducer.TryGetValue(blob, out var producer))
                    {
                        throw Error(_positions[i], $"layer '{name}' ({type}): unknown bottom blob '{blob}': no input and no earlier layer produces it (Caffe: \"Unknown blob input {blob}\")");
                    }

                    if (producer == -1 || net.Layers[producer].Layer?.Type != "padding")
                    {
                        continue;
                    }

                    var padding = net.Layers[producer];
                    var paddingName = padding.Layer!.Name;
                    if (kept is null || (type != "conv" && type != "pool"))
                    {
                        throw Error(_positions[i], $"layer '{name}' ({type}) reads the output of padding layer '{paddingName}': Padding layer input to non-convolutional / non-pooling layer type {type}; only a conv or pool layer can take a V0 padding layer's pad");
                    }

                    if (connection.Bottom.Count != 1)
                    {
                        throw Error(_positions[i], $"layer '{name}' ({type}) reads the output of padding layer '{paddingName}' and has {connection.Bottom.Count} bottoms: a layer fed by a padding layer takes a single blob as input");
                    }

                    if (padding.Bottom.Count != 1 || padding.Top.Count != 1)
                    {
                        throw Error(_positions[producer], $"padding layer '{paddingName}' has {padding.Bottom.Count} bottoms and {padding.Top.Count} tops: a padding layer takes a single blob as input and produces a single blob as output");
                    }

                    kept.Layer ??= new V0LayerParameter();
                    kept.Layer.Pad = padding.Layer.Pad;
                    kept.Bottom[j] = padding.Bottom[0];
                }

                foreach (var top in connection.Top)
                {
                    lastProducer[top] = i;
                }
            }

            return (layers, positions);
        }

        // Caffe's UpgradeV0LayerParameter: each V0 field to its place in V1 for the layer's type.
        private V1LayerParameter UpgradeV0Layer(V1LayerParameter connection, SourcePosition? position)
        {
            var layer = new V1LayerParameter();
            layer.Bottom.AddRange(connection.Bottom);
            layer.Top.AddRange(connection.Top);
            if (connection.Layer is not { } v0)
            {
                return layer;
            }

            if (v0.HasName)
            {
                layer.Name = v0.Name;
            }

            var type = v0.Type;
            if (v0.HasType)
            {
                if (!V0Types.TryGetValue(type, out var v1Type))
                {
                    var nearest = NearestName.Find(type, V0Types.Keys);
                    throw Error(position, $"layer '{v0.Name}': unknown V0 layer type '{type}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} (V0 types: {string.Join(", ", V0Types.Keys)})");
                }

                layer.Type = v1Type;
            }

            layer.Blobs.AddRange(v0.Blobs);
            layer.BlobsLr.AddRange(v0.BlobsLr);
            layer.WeightDecay.AddRange(v0.WeightDecay);
            void Move(bool has, string field, Action? apply)
            {
                if (!has)
                {
                    return;
                }

                if (apply is null)
                {
                    Note(position, $"layer '{v0.Name}': the V0 field {field} does not apply to a '{type}' layer; dropped, as Caffe drops it");
                }
                else
                {
                    apply();
                }
            }

            Move(v0.HasNumOutput, "num_output", type switch
            {
                "conv" => () => Convolution(layer).NumOutput = v0.NumOutput,
                "innerproduct" => () => InnerProduct(layer).NumOutput = v0.NumOutput,
                _ => null,
            });
            Move(v0.HasBiasterm, "biasterm", type switch
            {
                "conv" => () => Convolution(layer).BiasTerm = v0.Biasterm,
                "innerproduct" => () => InnerProduct(layer).BiasTerm = v0.Biasterm,
                _ => null,
            });
            Move(v0.WeightFiller is not null, "weight_filler", type switch
            {
                "conv" => () => Convolution(layer).WeightFiller = v0.WeightFiller!.Clone(),
                "innerproduct" => () => InnerProduct(layer).WeightFiller = v0.WeightFiller!.Clone(),
                _ => null,
            });
            Move(v0.BiasFiller is not null, "bias_filler", type switch
            {
                "conv" => () => Convolution(layer).BiasFiller = v0.BiasFiller!.Clone(),
                "innerproduct" => () => InnerProduct(layer).BiasFiller = v0.BiasFiller!.Clone(),
                _ => null,
            });
            Move(v0.HasPad, "pad", type switch
            {
                "conv" => () => Convolution(layer).Pad.Add(v0.Pad),
                "pool" => () => Pooling(layer).Pad = v0.Pad,
                _ => null,
            });
            Move(v0.HasKernelsize, "kernelsize", type switch
            {
                "conv" => () => Convolution(layer).KernelSize.Add(v0.Kernelsize),
                "pool" => () => Pooling(layer).KernelSize = v0.Kernelsize,
                _ => null,
            });
            Move(v0.HasGroup, "group", type == "conv" ? () => Convolution(layer).Group = v0.Group : null);
            Move(v0.HasStride, "stride", type switch
            {
                "conv" => () => Convolution(layer).Stride.Add(v0.Stride),
                "pool" => () => Pooling(layer).Stride = v0.Stride,
                _ => null,
            });
            Move(v0.HasPool, "pool", type == "pool" ? () => Pooling(layer).Pool = (PoolingParameter.Types.PoolMethod)(int)v0.Pool : null);
            Move(v0.HasDropoutRatio, "dropout_ratio", type == "dropout" ? () => (layer.DropoutParam ??= new()).DropoutRatio = v0.DropoutRatio : null);
            Move(v0.HasLocalSize, "local_size", type == "lrn" ? () => Lrn(layer).LocalSize = v0.LocalSize : null);
            Move(v0.HasAlpha, "alpha", type == "lrn" ? () => Lrn(layer).Alpha = v0.Alpha : null);
            Move(v0.HasBeta, "beta", type == "lrn" ? () => Lrn(layer).Beta = v0.Beta : null);
            Move(v0.HasK, "k", type == "lrn" ? () => Lrn(layer).K = v0.K : null);
            Move(v0.HasSource, "source", type switch
            {
                "data" => () => Data(layer).Source = v0.Source,
                "hdf5_data" => () => Hdf5Data(layer).Source = v0.Source,
                "images" => () => ImageData(layer).Source = v0.Source,
                "window_data" => () => WindowData(layer).Source = v0.Source,
                "infogain_loss" => () => (layer.InfogainLossParam ??= new()).Source = v0.Source,
                _ => null,
            });
            Move(v0.HasScale, "scale", () => Transform(layer).Scale = v0.Scale);
            Move(v0.HasMeanfile, "meanfile", () => Transform(layer).MeanFile = v0.Meanfile);
            Move(v0.HasBatchsize, "batchsize", type switch
            {
                "data" => () => Data(layer).BatchSize = v0.Batchsize,
                "hdf5_data" => () => Hdf5Data(layer).BatchSize = v0.Batchsize,
                "images" => () => ImageData(layer).BatchSize = v0.Batchsize,
                "window_data" => () => WindowData(layer).BatchSize = v0.Batchsize,
                _ => null,
            });
            Move(v0.HasCropsize, "cropsize", () => Transform(layer).CropSize = v0.Cropsize);
            Move(v0.HasMirror, "mirror", () => Transform(layer).Mirror = v0.Mirror);
            Move(v0.HasRandSkip, "rand_skip", type switch
            {
                "data" => () => Data(layer).RandSkip = v0.RandSkip,
                "images" => () => ImageData(layer).RandSkip = v0.RandSkip,
                _ => null,
            });
            Move(v0.HasShuffleImages, "shuffle_images", type == "images" ? () => ImageData(layer).Shuffle = v0.ShuffleImages : null);
            Move(v0.HasNewHeight, "new_height", type == "images" ? () => ImageData(layer).NewHeight = (uint)v0.NewHeight : null);
            Move(v0.HasNewWidth, "new_width", type == "images" ? () => ImageData(layer).NewWidth = (uint)v0.NewWidth : null);
            Move(v0.HasConcatDim, "concat_dim", type == "concat" ? () => (layer.ConcatParam ??= new()).ConcatDim = v0.ConcatDim : null);
            Move(v0.HasDetFgThreshold, "det_fg_threshold", type == "window_data" ? () => WindowData(layer).FgThreshold = v0.DetFgThreshold : null);
            Move(v0.HasDetBgThreshold, "det_bg_threshold", type == "window_data" ? () => WindowData(layer).BgThreshold = v0.DetBgThreshold : null);
            Move(v0.HasDetFgFraction, "det_fg_fraction", type == "window_data" ? () => WindowData(layer).FgFraction = v0.DetFgFraction : null);
            Move(v0.HasDetContextPad, "det_context_pad", type == "window_data" ? () => WindowData(layer).ContextPad = v0.DetContextPad : null);
            Move(v0.HasDetCropMode, "det_crop_mode", type == "window_data" ? () => WindowData(layer).CropMode = v0.DetCropMode : null);
            Move(v0.Hdf5OutputParam is not null, "hdf5_output_param", type == "hdf5_output" ? () => layer.Hdf5OutputParam = v0.Hdf5OutputParam!.Clone() : null);
            return layer;
        }

        // Caffe's UpgradeNetDataTransformation: scale, mean_file, crop_size and mirror of a V1 data layer to transform_param.
        private static void UpgradeDataTransformation(NetParameter net)
        {
            for (var i = 0; i < net.Layers.Count; i++)
            {
                var field = net.Layers[i].Type switch
                {
                    V1LayerParameter.Types.LayerType.Data => V1LayerParameter.DataParamFieldNumber,
                    V1LayerParameter.Types.LayerType.ImageData => V1LayerParameter.ImageDataParamFieldNumber,
                    V1LayerParameter.Types.LayerType.WindowData => V1LayerParameter.WindowDataParamFieldNumber,
                    _ => 0,
                };
                if (field == 0 || V1LayerParameter.Descriptor.FindFieldByNumber(field).Accessor.GetValue(net.Layers[i]) is null)
                {
                    continue;
                }

                // The layers may be the caller's (a shallow copy of the net); change a copy. Data layers hold no weights.
                var layer = net.Layers[i] = net.Layers[i].Clone();
                var parameters = (Google.Protobuf.IMessage)V1LayerParameter.Descriptor.FindFieldByNumber(field).Accessor.GetValue(layer);
                foreach (var name in TransformationFields)
                {
                    // The three parameter messages name these fields alike, as TransformationParameter does.
                    var from = parameters.Descriptor.FindFieldByName(name);
                    if (from.Accessor.HasValue(parameters))
                    {
                        TransformationParameter.Descriptor.FindFieldByName(name).Accessor.SetValue(Transform(layer), from.Accessor.GetValue(parameters));
                        from.Accessor.Clear(parameters);
                    }
                }
            }
        }

        // Caffe's UpgradeV1Net: every V1 layer to a V2 layer; the rest of the net kept. V2 layers beside V1 ones are dropped.
        private NetParameter UpgradeV1Net(NetParameter v1)
        {
            if (v1.Layer.Count > 0)
            {
                Note(source?.Position, $"the net gives both V1 'layers' and V2 'layer' blocks; its {v1.Layer.Count} 'layer' block(s) are dropped, as Caffe drops them");
            }

            var net = ShallowCopy(v1);
            net.Layers.Clear();
            net.Layer.Clear();
            for (var i = 0; i < v1.Layers.Count; i++)
            {
                net.Layer.Add(UpgradeV1Layer(v1.Layers[i], i < _positions.Count ? _positions[i] : null));
            }

            return net;
        }

        // Caffe's UpgradeV1LayerParameter.
        private LayerParameter UpgradeV1Layer(V1LayerParameter v1, SourcePosition? position)
        {
            var layer = new LayerParameter();
            layer.Bottom.AddRange(v1.Bottom);
            layer.Top.AddRange(v1.Top);
            if (v1.HasName)
            {
                layer.Name = v1.Name;
            }

            layer.Include.AddRange(v1.Include.Select(rule => rule.Clone()));
            layer.Exclude.AddRange(v1.Exclude.Select(rule => rule.Clone()));
            if (v1.HasType)
            {
                var enumName = V1LayerParameter.Descriptor.FindFieldByNumber(V1LayerParameter.TypeFieldNumber).EnumType.FindValueByNumber((int)v1.Type)?.Name;
                if (enumName is null || !V1Types.TryGetValue(enumName, out var typeName))
                {
                    throw Error(position, $"layer '{v1.Name}': unknown V1 layer type {(int)v1.Type}");
                }

                layer.Type = typeName;
            }

            layer.Blobs.AddRange(v1.Blobs);
            ParamSpec Spec(int index)
            {
                while (layer.Param.Count <= index)
                {
                    layer.Param.Add(new ParamSpec());
                }

                return layer.Param[index];
            }

            for (var i = 0; i < v1.Param.Count; i++)
            {
                Spec(i).Name = v1.Param[i];
            }

            for (var i = 0; i < v1.BlobShareMode.Count; i++)
            {
                Spec(i).ShareMode = v1.BlobShareMode[i] switch
                {
                    V1LayerParameter.Types.DimCheckMode.Strict => ParamSpec.Types.DimCheckMode.Strict,
                    V1LayerParameter.Types.DimCheckMode.Permissive => ParamSpec.Types.DimCheckMode.Permissive,
                    var mode => throw Error(position, $"layer '{v1.Name}': unknown blob_share_mode {(int)mode}"),
                };
            }

            for (var i = 0; i < v1.BlobsLr.Count; i++)
            {
                Spec(i).LrMult = v1.BlobsLr[i];
            }

            for (var i = 0; i < v1.WeightDecay.Count; i++)
            {
                Spec(i).DecayMult = v1.WeightDecay[i];
            }

            layer.LossWeight.AddRange(v1.LossWeight);
            CopyTypedParameters(v1, layer);
            if (v1.Layer is not null)
            {
                Note(position, $"layer '{v1.Name}': its V0 'layer' block is ignored, as Caffe ignores it");
            }

            return layer;
        }

        // Every *_param of a V1 layer (the 30 Caffe copies one by one) to the V2 field of the same name and type.
        private static void CopyTypedParameters(V1LayerParameter v1, LayerParameter layer)
        {
            foreach (var field in V1LayerParameter.Descriptor.Fields.InFieldNumberOrder())
            {
                if (field.FieldType != FieldType.Message || field.IsRepeated || !field.Name.EndsWith("_param", StringComparison.Ordinal))
                {
                    continue;
                }

                if (field.Accessor.GetValue(v1) is { } value)
                {
                    LayerParameter.Descriptor.FindFieldByName(field.Name).Accessor.SetValue(layer, value);
                }
            }
        }

        // Caffe's UpgradeNetInput: input with input_shape (or four input_dim each) becomes an Input layer named "input",
        // first in the net; the input fields are cleared.
        private void UpgradeInput(NetParameter net, bool definition)
        {
            var where = source?.Position;
            var hasShape = net.InputShape.Count > 0;
            var hasDim = net.InputDim.Count > 0;
            if (hasShape || hasDim)
            {
                var layer = new LayerParameter { Name = "input", Type = "Input", InputParam = new InputParameter() };
                layer.Top.AddRange(net.Input);
                if (hasShape)
                {
                    if (net.InputShape.Count != net.Input.Count)
                    {
                        throw Error(where, $"net '{net.Name}': {net.Input.Count} inputs but {net.InputShape.Count} input_shape entries; give one per input");
                    }

                    layer.InputParam.Shape.AddRange(net.InputShape.Select(shape => shape.Clone()));
                }
                else
                {
                    if (net.InputDim.Count != 4 * net.Input.Count)
                    {
                        throw Error(where, $"net '{net.Name}': {net.Input.Count} inputs need {4 * net.Input.Count} input_dim values (4 each), got {net.InputDim.Count}");
                    }

                    for (var i = 0; i < net.Input.Count; i++)
                    {
                        var shape = new BlobShape();
                        for (var d = 0; d < 4; d++)
                        {
                            shape.Dim.Add(net.InputDim[(4 * i) + d]);
                        }

                        layer.InputParam.Shape.Add(shape);
                    }
                }

                net.Layer.Insert(0, layer);
                _positions.Insert(0, where);
            }
            else if (definition)
            {
                // Caffe drops input names without shapes (an old .caffemodel's); a net definition needs the shapes.
                throw Error(where, $"net '{net.Name}' names inputs without their shapes; add input_shape (or input_dim) for each input");
            }

            net.Input.Clear();
            net.InputShape.Clear();
            net.InputDim.Clear();
        }

        // A new net whose repeated fields hold the same layers and blobs: the upgrade replaces what it changes.
        private static NetParameter ShallowCopy(NetParameter net)
        {
            var copy = new NetParameter();
            copy.MergeFrom(net);
            return copy;
        }

        private static ConvolutionParameter Convolution(V1LayerParameter layer) => layer.ConvolutionParam ??= new ConvolutionParameter();

        private static InnerProductParameter InnerProduct(V1LayerParameter layer) => layer.InnerProductParam ??= new InnerProductParameter();

        private static PoolingParameter Pooling(V1LayerParameter layer) => layer.PoolingParam ??= new PoolingParameter();

        private static LRNParameter Lrn(V1LayerParameter layer) => layer.LrnParam ??= new LRNParameter();

        private static DataParameter Data(V1LayerParameter layer) => layer.DataParam ??= new DataParameter();

        private static HDF5DataParameter Hdf5Data(V1LayerParameter layer) => layer.Hdf5DataParam ??= new HDF5DataParameter();

        private static ImageDataParameter ImageData(V1LayerParameter layer) => layer.ImageDataParam ??= new ImageDataParameter();

        private static WindowDataParameter WindowData(V1LayerParameter layer) => layer.WindowDataParam ??= new WindowDataParameter();

        private static TransformationParameter Transform(V1LayerParameter layer) => layer.TransformParam ??= new TransformationParameter();
    }
}
