using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class DataTransformerTests
{
    // A 2 x 3 x 4 item: value = 100 c + 10 h + w.
    private static readonly byte[] Item = [.. Enumerable.Range(0, 24).Select(i => (byte)((100 * (i / 12)) + (10 * (i / 4 % 3)) + (i % 4)))];

    [Test]
    public void Without_transform_param_the_item_is_copied()
    {
        var output = Transform(new TransformationParameter(), Phase.Train, new RandomSource(0));

        Assert.That(output, Is.EqualTo(Item.Select(b => (float)b).ToArray()));
    }

    [Test]
    public void Scale_multiplies_after_subtracting_one_mean_value()
    {
        var parameter = new TransformationParameter { Scale = 0.5f };
        parameter.MeanValue.Add(10f);

        var output = Transform(parameter, Phase.Test, new RandomSource(0));

        Assert.That(output, Is.EqualTo(Item.Select(b => (b - 10f) * 0.5f).ToArray()));
    }

    [Test]
    public void Mean_values_per_channel_are_subtracted_per_channel()
    {
        var parameter = new TransformationParameter();
        parameter.MeanValue.Add([1f, 100f]);

        var output = Transform(parameter, Phase.Test, new RandomSource(0));

        Assert.That(output, Is.EqualTo(Item.Select((b, i) => b - (i < 12 ? 1f : 100f)).ToArray()));
    }

    [Test]
    public void Mean_file_is_subtracted_element_by_element_then_scaled()
    {
        var mean = new BlobProto { Shape = new BlobShape { Dim = { 1, 2, 3, 4 } } };
        mean.Data.Add(Enumerable.Range(0, 24).Select(i => (float)i));
        var path = Path.Combine(Path.GetTempPath(), $"layernet-mean-{Guid.NewGuid():N}.binaryproto");
        File.WriteAllBytes(path, mean.ToByteArray());
        try
        {
            var output = Transform(new TransformationParameter { MeanFile = path, Scale = 2f }, Phase.Test, new RandomSource(0));

            Assert.That(output, Is.EqualTo(Item.Select((b, i) => (b - i) * 2f).ToArray()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Center_crop_at_test()
    {
        // 3 x 4 cropped to 2 x 2 at TEST: rows (3-2)/2 = 0.., columns (4-2)/2 = 1..
        var output = Transform(new TransformationParameter { CropSize = 2 }, Phase.Test, new RandomSource(0), expectedShape: [2, 2, 2]);

        Assert.That(output, Is.EqualTo(new float[] { 1, 2, 11, 12, 101, 102, 111, 112 }));
    }

    [Test]
    public void Random_crop_at_train_draws_the_row_then_the_column_offset()
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var draws = new RandomSource(seed);
            var row = draws.NextInt(2);
            var column = draws.NextInt(3);

            var output = Transform(new TransformationParameter { CropSize = 2 }, Phase.Train, new RandomSource(seed), expectedShape: [2, 2, 2]);

            var expected = new List<float>();
            for (var c = 0; c < 2; c++)
            {
                for (var h = 0; h < 2; h++)
                {
                    for (var w = 0; w < 2; w++)
                    {
                        expected.Add((100 * c) + (10 * (h + row)) + w + column);
                    }
                }
            }

            Assert.That(output, Is.EqualTo(expected), $"seed {seed}");
        }
    }

    [Test]
    public void Mirror_flips_rows_when_the_draw_says_so()
    {
        var mirrored = 0;
        for (ulong seed = 0; seed < 20; seed++)
        {
            var flip = new RandomSource(seed).NextInt(2) == 1;

            var output = Transform(new TransformationParameter { Mirror = true }, Phase.Test, new RandomSource(seed));

            var expected = Enumerable.Range(0, 24).Select(i => (float)Item[flip ? (i / 4 * 4) + 3 - (i % 4) : i]).ToArray();
            Assert.That(output, Is.EqualTo(expected), $"seed {seed}");
            mirrored += flip ? 1 : 0;
        }

        Assert.That(mirrored, Is.InRange(1, 19));
    }

    [Test]
    public void Float_items_transform_like_byte_items()
    {
        var parameter = new TransformationParameter { Scale = 0.25f, CropSize = 2, Mirror = true };
        var transformer = Transformer(parameter, Phase.Train);
        transformer.Initialize(2, 3, 4);
        var fromBytes = new float[8];
        var fromFloats = new float[8];

        transformer.Transform(Item, fromBytes, new RandomSource(5));
        transformer.Transform(Item.Select(b => (float)b).ToArray(), fromFloats, new RandomSource(5));

        Assert.That(fromFloats, Is.EqualTo(fromBytes));
    }

    [Test]
    public void Errors_name_the_layer()
    {
        var both = new TransformationParameter { MeanFile = "mean.binaryproto" };
        both.MeanValue.Add(1f);
        var threeMeans = new TransformationParameter();
        threeMeans.MeanValue.Add([1f, 2f, 3f]);

        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<LayerNetException>(() => Transformer(both, Phase.Train))!.Message,
                Is.EqualTo("layer 'data' (Data): transform_param: give mean_file or mean_value, not both"));
            Assert.That(Assert.Throws<LayerNetException>(() => Transformer(new TransformationParameter { MeanFile = "no-such-mean.binaryproto" }, Phase.Train))!.Message,
                Does.StartWith("layer 'data' (Data): transform_param.mean_file 'no-such-mean.binaryproto' not found"));
            Assert.That(Assert.Throws<LayerNetException>(() => Transformer(threeMeans, Phase.Train).Initialize(2, 3, 4))!.Message,
                Is.EqualTo("layer 'data' (Data): transform_param.mean_value must be given once or once per channel (2), got 3 values"));
            Assert.That(Assert.Throws<LayerNetException>(() => Transformer(new TransformationParameter { CropSize = 4 }, Phase.Train).Initialize(2, 3, 4))!.Message,
                Is.EqualTo("layer 'data' (Data): transform_param.crop_size 4 is larger than the data items, 3 x 4"));
        });
    }

    private static DataTransformer Transformer(TransformationParameter parameter, Phase phase) =>
        new(new InputLayer(new LayerParameter { Name = "data", Type = "Data", Phase = phase, TransformParam = parameter }));

    private static float[] Transform(TransformationParameter parameter, Phase phase, RandomSource random, int[]? expectedShape = null)
    {
        var transformer = Transformer(parameter, phase);
        var shape = transformer.Initialize(2, 3, 4);
        Assert.That(shape, Is.EqualTo(expectedShape ?? [2, 3, 4]));
        var output = new float[transformer.OutputCount];
        transformer.Transform(Item, output, random);
        return output;
    }
}
