using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers.Common;

namespace LayerNet.Layers.Loss;

/// <summary>
/// What the losses over a softmax share (SoftmaxWithLoss, InfogainLoss): the inner softmax over the scores' class
/// axis, its probabilities, the label grid around that axis with <c>loss_param.ignore_label</c>, and the normaliser
/// <c>loss_param.normalization</c> picks. Each loss keeps only its own formula.
/// </summary>
internal sealed class SoftmaxOverLabels
{
    private readonly Layer _owner;
    private readonly LossParameter.Types.NormalizationMode _normalization;
    private readonly bool _hasIgnoreLabel;
    private readonly int _ignoreLabel;
    private readonly SoftmaxLayer _softmax;
    private readonly Blob[] _softmaxBottom = new Blob[1];
    private readonly Blob[] _softmaxTop;

    /// <summary>Reads <c>loss_param</c> and makes the inner softmax over <paramref name="axis"/>.</summary>
    /// <param name="owner">The loss layer: the softmax keeps its name, type and place, so its errors point there.</param>
    /// <param name="axis">The class axis, as the loss's parameter gives it.</param>
    public SoftmaxOverLabels(Layer owner, int axis)
    {
        _owner = owner;
        _normalization = LossNormalization.Resolve(owner, LossParameter.Types.NormalizationMode.Valid);
        var loss = owner.Parameter.LossParam;
        _hasIgnoreLabel = loss is { HasIgnoreLabel: true };
        _ignoreLabel = loss?.IgnoreLabel ?? 0;
        _softmax = new SoftmaxLayer(new LayerParameter
        {
            Name = owner.Parameter.Name,
            Type = owner.Parameter.Type,
            SoftmaxParam = new SoftmaxParameter { Axis = axis },
        });
        Probability.Name = $"{owner.Parameter.Name}[probability]";
        _softmaxTop = [Probability];
    }

    /// <summary>The softmax of the scores, after <see cref="Forward"/>.</summary>
    public Blob Probability { get; } = new();

    /// <summary>The positions and classes around the class axis, after <see cref="Reshape"/>.</summary>
    public LabelGrid Grid { get; private set; }

    /// <summary>The divisor of the summed loss, after <see cref="Normalize"/>.</summary>
    public float Normalizer { get; private set; } = 1f;

    /// <summary>Sets the inner softmax up on the scores (the owner's <c>LayerSetUp</c>).</summary>
    public void SetUp(Blob scores)
    {
        _softmaxBottom[0] = scores;
        _softmax.Origin = _owner.Origin;
        _softmax.SetUp(_softmaxBottom, _softmaxTop);
    }

    /// <summary>
    /// Reshapes the softmax (which checks the class axis) and the grid around that axis; the labels must give one label
    /// per position, and a second top receives the probabilities.
    /// </summary>
    public void Reshape(Blob scores, Blob labels, int classAxis, string axisName, IReadOnlyList<Blob> top)
    {
        _softmaxBottom[0] = scores;
        _softmax.Reshape(_softmaxBottom, _softmaxTop);
        var axis = scores.CanonicalAxis(classAxis);
        Grid = LabelGrid.Around(scores, axis, _hasIgnoreLabel, _ignoreLabel);
        if (labels.Count != Grid.Positions)
        {
            throw _owner.Error($"bottom '{labels.Name}' ({labels.ShapeString}) must hold one label per position of '{scores.Name}' ({scores.ShapeString}) around the {axisName} axis {axis}: {Grid.Outer} x {Grid.Inner} = {Grid.Positions} labels, each in [0, {Grid.Classes})");
        }

        if (top.Count > 1)
        {
            top[1].ReshapeLike(scores);
        }
    }

    /// <summary>Runs the softmax; returns the probabilities.</summary>
    public ReadOnlySpan<float> Forward()
    {
        _softmax.Forward(_softmaxBottom, _softmaxTop);
        return Probability.Data;
    }

    /// <summary>
    /// Ends a forward pass: stops on a label out of range (found after the loop, never per element), sets the
    /// normaliser from the counted positions, writes the normalised loss and, with a second top, the probabilities.
    /// </summary>
    public void Finish(bool sawBadLabel, ReadOnlySpan<float> labels, float loss, int valid, IReadOnlyList<Blob> top)
    {
        if (sawBadLabel)
        {
            throw _owner.Error(Grid.BadLabel(labels)!);
        }

        Normalize(valid);
        top[0].Data[0] = loss / Normalizer;
        if (top.Count > 1)
        {
            Probability.Data.CopyTo(top[1].Data);
        }
    }

    /// <summary>Sets <see cref="Normalizer"/> from the count of positions that counted (what <see cref="Finish"/> does).</summary>
    public void Normalize(int valid) => Normalizer = LossNormalization.Normalizer(_normalization, Grid.Outer, Grid.Inner, valid);
}
