using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Common;
using LayerNet.Files;
using LayerNet.Plugins;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The infogain loss of a softmax (Caffe's InfogainLoss): bottom 0 holds scores, bottom 1 one integer label per
/// (outer, inner) position, and the infogain matrix H (classes x classes) is bottom 2 or the binary BlobProto that
/// <c>infogain_loss_param.source</c> names; an optional second top receives the probabilities.
/// </summary>
/// <remarks>
/// <para>
/// The scores are read as outer x C x inner around <c>infogain_loss_param.axis</c> (default 1). With p =
/// softmax(x) over C and l a position's label, forward: loss = -sum over positions, sum over c of H[l, c]
/// log(max(p(c), 1e-20)) / Z (Caffe's kLOG_THRESHOLD), skipping positions labelled <c>loss_param.ignore_label</c>.
/// With H the identity it is SoftmaxWithLoss.
/// </para>
/// <para>
/// Z (<c>loss_param.normalization</c>, default VALID) as in SoftmaxWithLoss; the legacy <c>normalize</c> is refused,
/// as Caffe refuses it here.
/// </para>
/// <para>
/// Backward, with w the top's gradient: dx(c) = w (p(c) sum_k H[l, k] - H[l, c]) / Z, 0 at ignored positions.
/// Neither the labels nor H get a gradient.
/// </para>
/// <para>
/// A label outside [0, C) that is not the ignore label stops the forward pass with one line naming the item and the
/// label, as in SoftmaxWithLoss.
/// </para>
/// </remarks>
public sealed class InfogainLossLayer : Layer
{
    // Caffe's kLOG_THRESHOLD: the floor under a probability before its log.
    private const float LogThreshold = 1e-20f;

    private readonly int _axisParameter;
    private readonly SoftmaxOverLabels _softmax;
    private float[]? _storedInfogain;

    /// <summary>Creates the layer from its definition (<c>infogain_loss_param</c>, <c>loss_param</c>).</summary>
    /// <param name="parameter">The layer's definition.</param>
    public InfogainLossLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Between(2, 3), BlobArity.Between(1, 2))
    {
        var loss = parameter.LossParam;
        if (loss is { HasNormalize: true })
        {
            throw Error("loss_param.normalize is deprecated; InfogainLoss takes loss_param.normalization (FULL, VALID, BATCH_SIZE or NONE)");
        }

        _axisParameter = (parameter.InfogainLossParam ?? new InfogainLossParameter()).Axis;
        _softmax = new SoftmaxOverLabels(this, _axisParameter);
    }

    /// <inheritdoc/>
    protected override bool IsLoss => true;

    /// <inheritdoc/>
    public override bool AutoTopBlobs => true;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex == 0;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _softmax.SetUp(bottom[0]);
        if (bottom.Count < 3)
        {
            _storedInfogain = ReadInfogain();
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var scores = bottom[0];
        if (bottom[1].AxisCount == 0 || scores.AxisCount == 0 || bottom[1].Shape[0] != scores.Shape[0])
        {
            throw Error($"bottoms '{scores.Name}' ({scores.ShapeString}) and '{bottom[1].Name}' ({bottom[1].ShapeString}) must have the same number of items (first axis)");
        }

        top[0].Reshape([]);
        CanonicalAxis(_axisParameter, scores, "infogain_loss_param.axis");
        _softmax.Reshape(scores, bottom[1], _axisParameter, "infogain", top);
        var grid = _softmax.Grid;
        var infogainCount = bottom.Count > 2 ? bottom[2].Count : _storedInfogain!.Length;
        if (infogainCount != grid.Classes * grid.Classes)
        {
            var which = bottom.Count > 2 ? $"bottom 2 '{bottom[2].Name}' ({bottom[2].ShapeString})" : $"infogain_loss_param.source '{Parameter.InfogainLossParam.Source}'";
            throw Error($"the infogain matrix, {which}, has {infogainCount} values; {grid.Classes} classes need {grid.Classes} x {grid.Classes} = {grid.Classes * grid.Classes}");
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var probability = _softmax.Forward();
        ReadOnlySpan<float> infogain = Infogain(bottom);
        ReadOnlySpan<float> labels = bottom[1].Data;
        var classes = _softmax.Grid.Classes;
        var inner = _softmax.Grid.Inner;
        var loss = 0f;
        var valid = 0;
        var walk = _softmax.Grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            var row = infogain.Slice(walk.Label * classes, classes);
            for (var c = 0; c < classes; c++)
            {
                loss -= row[c] * MathF.Log(MathF.Max(probability[walk.At + (c * inner)], LogThreshold));
            }

            valid++;
        }

        _softmax.Finish(walk.SawBadLabel, labels, loss, valid, top);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[1])
        {
            throw Error($"cannot backpropagate to the labels, bottom 1 '{bottom[1].Name}'");
        }

        if (propagateDown.Count > 2 && propagateDown[2])
        {
            throw Error($"cannot backpropagate to the infogain matrix, bottom 2 '{bottom[2].Name}'");
        }

        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> probability = _softmax.Probability.Data;
        ReadOnlySpan<float> infogain = Infogain(bottom);
        var classes = _softmax.Grid.Classes;
        var inner = _softmax.Grid.Inner;
        var diff = bottom[0].Diff;
        var walk = _softmax.Grid.Walk(bottom[1].Data);
        while (walk.MoveNext())
        {
            if (!walk.Counts)
            {
                for (var c = 0; c < classes; c++)
                {
                    diff[walk.At + (c * inner)] = 0f;
                }

                continue;
            }

            var row = infogain.Slice(walk.Label * classes, classes);
            var rowSum = 0f;
            foreach (var value in row)
            {
                rowSum += value;
            }

            for (var c = 0; c < classes; c++)
            {
                var at = walk.At + (c * inner);
                diff[at] = (probability[at] * rowSum) - row[c];
            }
        }

        var scale = top[0].Diff[0] / _softmax.Normalizer;
        for (var i = 0; i < diff.Length; i++)
        {
            diff[i] *= scale;
        }
    }

    private ReadOnlySpan<float> Infogain(IReadOnlyList<Blob> bottom) => bottom.Count > 2 ? bottom[2].Data : _storedInfogain;

    private float[] ReadInfogain()
    {
        var p = Parameter.InfogainLossParam;
        if (p is not { HasSource: true })
        {
            throw Error("the infogain matrix must be given: as bottom 2, or as a binary BlobProto file named by infogain_loss_param.source");
        }

        var path = ResolvePath(p.Source, $"infogain_loss_param.source '{p.Source}'");
        var matrix = new Blob();
        try
        {
            matrix.FromProto(MessageFile.ReadBinary<BlobProto>(path, ParameterExtensions.None));
        }
        catch (LayerNetException exception)
        {
            throw Error($"infogain_loss_param.source '{path}': {exception.Message}", exception);
        }

        return matrix.Data.ToArray();
    }
}
