using LayerNet.Layers.Common;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class LabelWalkTests
{
    [Test]
    public void Walk_visits_every_position_in_outer_then_inner_order_with_its_score_offsets()
    {
        // 2 outer x 3 classes x 2 inner: position (i, j) starts at i * 6 + j, class c at + c * 2.
        var grid = new LabelGrid(Outer: 2, Classes: 3, Inner: 2, HasIgnoreLabel: false, IgnoreLabel: 0);
        ReadOnlySpan<float> labels = [0, 2, 1, 0];
        var starts = new List<int>();
        var truths = new List<int>();
        var walk = grid.Walk(labels);
        while (walk.MoveNext())
        {
            Assert.That(walk.Counts, Is.True);
            starts.Add(walk.At);
            truths.Add(walk.Truth);
        }

        Assert.That(starts, Is.EqualTo(new[] { 0, 1, 6, 7 }));
        Assert.That(truths, Is.EqualTo(new[] { 0, 5, 8, 7 }));
        Assert.That(walk.SawBadLabel, Is.False);
    }

    [Test]
    public void Counted_walk_skips_the_ignore_label_silently_and_a_label_out_of_range_visibly()
    {
        var grid = new LabelGrid(Outer: 5, Classes: 3, Inner: 1, HasIgnoreLabel: true, IgnoreLabel: -1);
        ReadOnlySpan<float> labels = [1, -1, 3, 2, -2];
        var counted = new List<int>();
        var walk = grid.Walk(labels);
        while (walk.MoveNextCounted())
        {
            counted.Add(walk.Label);
        }

        Assert.That(counted, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(walk.SawBadLabel, Is.True);
    }

    [Test]
    public void Ignored_positions_are_not_bad_labels()
    {
        var grid = new LabelGrid(Outer: 2, Classes: 2, Inner: 1, HasIgnoreLabel: true, IgnoreLabel: 255);
        ReadOnlySpan<float> labels = [255, 0];
        var walk = grid.Walk(labels);
        Assert.That(walk.MoveNext(), Is.True);
        Assert.That(walk.Counts, Is.False);
        Assert.That(walk.MoveNext(), Is.True);
        Assert.That(walk.Counts, Is.True);
        Assert.That(walk.MoveNext(), Is.False);
        Assert.That(walk.SawBadLabel, Is.False);
    }
}
