namespace LayerNet.Layers.Common;

/// <summary>
/// A walk over the labelled positions of a <see cref="LabelGrid"/>, in Caffe's order (outer, then inner): at each
/// position the label, where its scores start, and whether it counts. Allocates nothing; a label outside
/// [0, classes) is remembered (<see cref="SawBadLabel"/>), so that the loop itself never throws: the layer throws
/// after it, naming the first offender (<see cref="LabelGrid.BadLabel"/>).
/// </summary>
internal ref struct LabelWalk
{
    private readonly ReadOnlySpan<float> _labels;
    private readonly int _classes;
    private readonly int _inner;
    private readonly int _dimension;
    private readonly bool _hasIgnoreLabel;
    private readonly int _ignoreLabel;
    private int _position;
    private int _j;
    private int _rowStart;

    /// <summary>Starts before the first position of <paramref name="grid"/>.</summary>
    public LabelWalk(ReadOnlySpan<float> labels, LabelGrid grid)
    {
        _labels = labels[..grid.Positions];
        _classes = grid.Classes;
        _inner = grid.Inner;
        _dimension = grid.Classes * grid.Inner;
        _hasIgnoreLabel = grid.HasIgnoreLabel;
        _ignoreLabel = grid.IgnoreLabel;
        _position = -1;
        _j = -1;
        _rowStart = 0;
    }

    /// <summary>The current position's label.</summary>
    public int Label { get; private set; }

    /// <summary>The index of the current position's class-0 score; class c is at <c>At + c x inner</c>.</summary>
    public int At { get; private set; }

    /// <summary>The index of the current position's score for its label (only meaningful when <see cref="Counts"/>).</summary>
    public readonly int Truth => At + (Label * _inner);

    /// <summary>Whether the current position counts: its label is not the ignore label and lies in [0, classes).</summary>
    public bool Counts { get; private set; }

    /// <summary>Whether some position so far had a label outside [0, classes) that is not the ignore label.</summary>
    public bool SawBadLabel { get; private set; }

    /// <summary>Moves to the next position, counted or not.</summary>
    /// <returns>False past the last position.</returns>
    public bool MoveNext()
    {
        if (++_position >= _labels.Length)
        {
            return false;
        }

        if (++_j == _inner)
        {
            _j = 0;
            _rowStart += _dimension;
        }

        At = _rowStart + _j;
        var label = LabelGrid.ToLabel(_labels[_position]);
        Label = label;
        if (_hasIgnoreLabel && label == _ignoreLabel)
        {
            Counts = false;
        }
        else if ((uint)label >= (uint)_classes)
        {
            Counts = false;
            SawBadLabel = true;
        }
        else
        {
            Counts = true;
        }

        return true;
    }

    /// <summary>Moves to the next position that counts, skipping ignored ones and those with a bad label.</summary>
    /// <returns>False past the last position.</returns>
    public bool MoveNextCounted()
    {
        while (MoveNext())
        {
            if (Counts)
            {
                return true;
            }
        }

        return false;
    }
}
