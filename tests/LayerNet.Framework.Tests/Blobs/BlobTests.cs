using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Blobs;

public sealed class BlobTests
{
    private static bool SameMemory(Span<float> a, Span<float> b) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));

    private static BlobProto ProtoWithShape(int[] shape, params float[] data)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        foreach (var dim in shape)
        {
            proto.Shape.Dim.Add(dim);
        }

        proto.Data.AddRange(data);
        return proto;
    }

    [Test]
    public void A_blob_may_have_32_axes()
    {
        var shape = Enumerable.Repeat(1, 32).ToArray();
        shape[31] = 3;

        var blob = new Blob(shape);

        Assert.That(blob.AxisCount, Is.EqualTo(32));
        Assert.That(blob.Count, Is.EqualTo(3));
        Assert.That(blob[-1], Is.EqualTo(3));
    }

    [Test]
    public void A_blob_of_33_axes_is_an_error()
    {
        var blob = new Blob(2, 3) { Name = "big" };

        var error = Assert.Throws<LayerNetException>(() => blob.Reshape(Enumerable.Repeat(1, 33).ToArray()));

        Assert.That(error.Message, Is.EqualTo("blob 'big' would have 33 axes; at most 32 are allowed"));
        Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 3 }), "a failed reshape leaves the blob as it was");
    }

    [Test]
    public void A_negative_dimension_is_an_error()
    {
        var blob = new Blob();

        Assert.That(() => blob.Reshape([2, -1]), Throws.TypeOf<LayerNetException>().With.Message.Contains("negative dimension"));
    }

    [Test]
    public void Negative_axis_indices_count_from_the_end()
    {
        var blob = new Blob(2, 3, 4, 5);

        Assert.That(blob[-1], Is.EqualTo(5));
        Assert.That(blob[-2], Is.EqualTo(4));
        Assert.That(blob[-4], Is.EqualTo(2));
        Assert.That(blob[0], Is.EqualTo(2));
        Assert.That(blob.CanonicalAxis(-1), Is.EqualTo(3));
        Assert.That(blob.CanonicalAxis(-4), Is.EqualTo(0));
        Assert.That(blob.CanonicalAxis(2), Is.EqualTo(2));
    }

    [TestCase(4)]
    [TestCase(-5)]
    public void An_axis_out_of_range_is_an_error(int axis)
    {
        var blob = new Blob(2, 3, 4, 5) { Name = "b" };

        var error = Assert.Throws<LayerNetException>(() => _ = blob[axis]);

        Assert.That(error.Message, Does.Contain($"axis {axis} is out of range for blob 'b' with 4 axes"));
        Assert.That(error.Message, Does.Contain("-4 <= axis < 4"));
    }

    [Test]
    public void CountRange_multiplies_the_dimensions_of_a_half_open_range()
    {
        var blob = new Blob(2, 3, 4, 5);

        Assert.That(blob.Count, Is.EqualTo(120));
        Assert.That(blob.CountRange(1, 3), Is.EqualTo(12));
        Assert.That(blob.CountRange(0, 4), Is.EqualTo(120));
        Assert.That(blob.CountRange(2, 2), Is.EqualTo(1));
        Assert.That(blob.CountFrom(2), Is.EqualTo(20));
        Assert.That(blob.CountFrom(4), Is.EqualTo(1));
    }

    [TestCase(3, 1)]
    [TestCase(-1, 2)]
    [TestCase(0, 5)]
    public void An_invalid_count_range_is_an_error(int start, int end)
    {
        var blob = new Blob(2, 3, 4, 5);

        Assert.That(() => blob.CountRange(start, end), Throws.TypeOf<LayerNetException>().With.Message.Contains($"[{start}, {end})"));
    }

    [Test]
    public void A_blob_without_axes_is_a_scalar()
    {
        var blob = new Blob();
        blob.Reshape([]);

        Assert.That(blob.AxisCount, Is.Zero);
        Assert.That(blob.Count, Is.EqualTo(1));
        Assert.That(blob.ShapeString, Is.EqualTo("(1)"));
    }

    [Test]
    public void Legacy_accessors_read_missing_trailing_axes_as_one()
    {
        var blob = new Blob(64, 10);

        Assert.That((blob.Num, blob.Channels, blob.Height, blob.Width), Is.EqualTo((64, 10, 1, 1)));
        Assert.That(blob.ShapeString, Is.EqualTo("64 10 (640)"));
    }

    [Test]
    public void Reshaping_within_the_capacity_reuses_the_storage()
    {
        var blob = new Blob(4, 5);
        var data = blob.Data;
        var diff = blob.Diff;
        data[3] = 42f;

        blob.Reshape([2, 3]);

        Assert.That(blob.Count, Is.EqualTo(6));
        Assert.That(blob.Capacity, Is.EqualTo(20));
        Assert.That(blob.Data.Length, Is.EqualTo(6));
        Assert.That(SameMemory(blob.Data, data), Is.True, "shrinking must not reallocate the data");
        Assert.That(SameMemory(blob.Diff, diff), Is.True, "shrinking must not reallocate the diff");
        Assert.That(blob.Data[3], Is.EqualTo(42f), "the storage keeps its values");

        blob.Reshape([5, 4]);

        Assert.That(blob.Count, Is.EqualTo(20));
        Assert.That(blob.Capacity, Is.EqualTo(20));
        Assert.That(SameMemory(blob.Data, data), Is.True, "regrowing within the capacity must not reallocate");
        Assert.That(SameMemory(blob.Diff, diff), Is.True);
    }

    [Test]
    public void Reshaping_beyond_the_capacity_grows_the_storage()
    {
        var blob = new Blob(4, 5);
        var data = blob.Data;

        blob.Reshape([3, 7]);

        Assert.That(blob.Count, Is.EqualTo(21));
        Assert.That(blob.Capacity, Is.GreaterThanOrEqualTo(21));
        Assert.That(SameMemory(blob.Data, data), Is.False);
        Assert.That(blob.Data.ToArray(), Is.All.Zero, "fresh storage starts at zero");
    }

    [Test]
    public void ShareData_makes_both_blobs_see_one_storage()
    {
        var owner = new Blob(2, 3);
        var sharer = new Blob(6);

        sharer.ShareData(owner);
        owner.Data[4] = 7f;
        sharer.Data[1] = -2f;

        Assert.That(sharer.Data[4], Is.EqualTo(7f));
        Assert.That(owner.Data[1], Is.EqualTo(-2f));
        Assert.That(sharer.SharesDataWith(owner), Is.True);
        Assert.That(SameMemory(sharer.Data, owner.Data), Is.True);
        Assert.That(SameMemory(sharer.Diff, owner.Diff), Is.False, "ShareData leaves the diffs separate");
        Assert.That(sharer.Shape, Is.EqualTo(new[] { 6 }), "the sharer keeps its own shape");
    }

    [Test]
    public void ShareDiff_makes_both_blobs_see_one_gradient()
    {
        var owner = new Blob(2, 3);
        var sharer = new Blob(2, 3);

        sharer.ShareDiff(owner);
        owner.Diff[5] = 3f;

        Assert.That(sharer.Diff[5], Is.EqualTo(3f));
        Assert.That(SameMemory(sharer.Diff, owner.Diff), Is.True);
        Assert.That(sharer.SharesDataWith(owner), Is.False);
    }

    [Test]
    public void Sharing_blobs_of_different_counts_is_an_error()
    {
        var owner = new Blob(2, 3) { Name = "a" };
        var sharer = new Blob(7) { Name = "b" };

        Assert.That(() => sharer.ShareData(owner), Throws.TypeOf<LayerNetException>().With.Message.Contains("the counts differ"));
        Assert.That(() => sharer.ShareDiff(owner), Throws.TypeOf<LayerNetException>().With.Message.Contains("the counts differ"));
    }

    [Test]
    public void Update_subtracts_the_diff_from_the_data()
    {
        var blob = new Blob(3);
        new[] { 1f, 2f, 3f }.CopyTo(blob.Data);
        new[] { 0.5f, -1f, 3f }.CopyTo(blob.Diff);

        blob.Update();

        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 0.5f, 3f, 0f }));
        Assert.That(blob.Diff.ToArray(), Is.EqualTo(new[] { 0.5f, -1f, 3f }), "the diff is left as it was");
    }

    [Test]
    public void FromProto_reads_shape_and_data()
    {
        var proto = ProtoWithShape([2, 3], 1, 2, 3, 4, 5, 6);
        proto.Diff.AddRange([6f, 5, 4, 3, 2, 1]);
        var blob = new Blob();

        blob.FromProto(proto);

        Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6 }));
        Assert.That(blob.Diff.ToArray(), Is.EqualTo(new[] { 6f, 5, 4, 3, 2, 1 }));
    }

    [Test]
    public void FromProto_reads_the_legacy_four_dimensions()
    {
        var proto = new BlobProto { Num = 2, Channels = 1, Height = 1, Width = 3 };
        proto.Data.AddRange([1f, 2, 3, 4, 5, 6]);
        var blob = new Blob();

        blob.FromProto(proto);

        Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 1, 1, 3 }));
        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void FromProto_reads_double_data_and_double_diff()
    {
        var proto = new BlobProto { Shape = new BlobShape { Dim = { 3 } } };
        proto.DoubleData.AddRange([0.25, -1.5, 1e10]);
        proto.DoubleDiff.AddRange([1.0, 2.0, 3.0]);
        var blob = new Blob();

        blob.FromProto(proto);

        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 0.25f, -1.5f, 1e10f }));
        Assert.That(blob.Diff.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
    }

    [Test]
    public void FromProto_without_reshape_accepts_a_legacy_blob_padded_in_front_as_Caffe_does()
    {
        // Caffe's ShapeEquals compares the legacy (num, channels, height, width) with LegacyShape(-4..-1):
        // an old caffemodel stores a 10x5 weight as 1 1 10 5.
        var proto = new BlobProto { Num = 1, Channels = 1, Height = 2, Width = 3 };
        proto.Data.AddRange([1f, 2, 3, 4, 5, 6]);
        var blob = new Blob(2, 3);

        blob.FromProto(proto, reshape: false);

        Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(blob.Data.ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6 }));
        Assert.That(blob.ShapeEquals(proto), Is.True);
        Assert.That(new Blob(2, 3, 1, 1).ShapeEquals(proto), Is.False);
    }

    [Test]
    public void ToProto_then_FromProto_gives_the_same_blob()
    {
        var blob = new Blob(2, 1, 3);
        for (var i = 0; i < blob.Count; i++)
        {
            blob.Data[i] = i * 0.5f;
            blob.Diff[i] = -i;
        }

        var proto = blob.ToProto(writeDiff: true);
        var copy = new Blob();
        copy.FromProto(proto);

        Assert.That(proto.Shape.Dim, Is.EqualTo(new long[] { 2, 1, 3 }));
        Assert.That(proto.HasNum, Is.False, "Caffe writes shape, not the legacy fields");
        Assert.That(copy.Shape, Is.EqualTo(blob.Shape));
        Assert.That(copy.Data.ToArray(), Is.EqualTo(blob.Data.ToArray()));
        Assert.That(copy.Diff.ToArray(), Is.EqualTo(blob.Diff.ToArray()));
        Assert.That(blob.ToProto().Diff, Is.Empty, "the diff is written only when asked");
    }

    [Test]
    public void FromProto_with_too_few_values_is_an_error()
    {
        var proto = ProtoWithShape([2, 3], 1, 2, 3, 4, 5);
        var blob = new Blob { Name = "w" };

        var error = Assert.Throws<LayerNetException>(() => blob.FromProto(proto));

        Assert.That(error.Message, Is.EqualTo("blob 'w' of shape 2 3 (6) needs 6 values; the stored blob has 5 in 'data'"));
    }

    [Test]
    public void FromProto_without_reshape_rejects_another_shape()
    {
        var proto = ProtoWithShape([3, 2], 1, 2, 3, 4, 5, 6);
        var blob = new Blob(2, 3) { Name = "w" };

        var error = Assert.Throws<LayerNetException>(() => blob.FromProto(proto, reshape: false));

        Assert.That(error.Message, Is.EqualTo("blob 'w': expected shape 2 3 (6), the stored blob has shape 3 2 (6)"));
        Assert.That(blob.Shape, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void CopyFrom_copies_data_or_diff_and_checks_shapes()
    {
        var source = new Blob(2, 2) { Name = "s" };
        new[] { 1f, 2, 3, 4 }.CopyTo(source.Data);
        new[] { 5f, 6, 7, 8 }.CopyTo(source.Diff);
        var target = new Blob(2, 2);

        target.CopyFrom(source);
        target.CopyFrom(source, copyDiff: true);

        Assert.That(target.Data.ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4 }));
        Assert.That(target.Diff.ToArray(), Is.EqualTo(new[] { 5f, 6, 7, 8 }));
        Assert.That(() => new Blob(4).CopyFrom(source), Throws.TypeOf<LayerNetException>().With.Message.Contains("cannot copy blob 's'"));

        var reshaped = new Blob(4);
        reshaped.CopyFrom(source, reshape: true);
        Assert.That(reshaped.Shape, Is.EqualTo(new[] { 2, 2 }));
    }
}
