using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class IdxDataLayerTests
{
    private static string Subset(string name) => Fixtures.InRepository("tests", "data", "fashion-mnist", name);

    private static string TrainImages => Subset("train1k-images-idx3-ubyte.gz");

    private static string TrainLabels => Subset("train1k-labels-idx1-ubyte.gz");

    [Test]
    public void Serves_scaled_images_and_labels_in_file_order()
    {
        var (layer, top) = SetUp(Definition(batchSize: 4, scale: 0.00390625f));
        using var _ = layer;

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 4, 1, 28, 28 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 4 }));

        layer.Forward([], top);

        var images = IdxFile.Read(TrainImages);
        Assert.Multiple(() =>
        {
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 9, 0, 0, 3 }));
            for (var i = 0; i < 784; i++)
            {
                Assert.That(top[0].Data[784 + i], Is.EqualTo(images.Item(1)[i] * 0.00390625f));
            }
        });
    }

    [Test]
    public void Wraps_to_the_first_image_after_an_epoch()
    {
        // 1000 images in batches of 300: the fourth batch is images 900..999 then 0..199.
        var (layer, top) = SetUp(Definition(batchSize: 300));
        using var _ = layer;
        var labels = IdxFile.Read(TrainLabels);
        for (var i = 0; i < 4; i++)
        {
            layer.Forward([], top);
        }

        var expected = labels.Elements[900..].ToArray().Concat(labels.Elements[..200].ToArray()).Select(b => (float)b).ToArray();
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Shuffling_is_a_permutation_per_epoch_drawn_anew_each_epoch_and_the_same_for_the_same_seed()
    {
        var first = Labels(Definition(batchSize: 250, shuffle: true), seed: 7, batches: 8);
        var again = Labels(Definition(batchSize: 250, shuffle: true), seed: 7, batches: 8);
        var otherSeed = Labels(Definition(batchSize: 250, shuffle: true), seed: 8, batches: 8);
        var inOrder = Labels(Definition(batchSize: 250), seed: 7, batches: 4);

        var sorted = inOrder.OrderBy(x => x).ToArray();
        var epoch1 = first[..1000];
        var epoch2 = first[1000..];
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.EqualTo(first));
            Assert.That(otherSeed, Is.Not.EqualTo(first));
            Assert.That(epoch1, Is.Not.EqualTo(inOrder));
            Assert.That(epoch1.OrderBy(x => x).ToArray(), Is.EqualTo(sorted), "epoch 1 serves every label once");
            Assert.That(epoch2.OrderBy(x => x).ToArray(), Is.EqualTo(sorted), "epoch 2 serves every label once");
            Assert.That(epoch2, Is.Not.EqualTo(epoch1), "epoch 2 is reshuffled");
        });
    }

    [Test]
    public void Prefetching_delivers_the_same_batches_as_reading_in_forward()
    {
        // Shuffling, random crops and mirroring all draw from the batch generator: the thread must not change them.
        var prefetched = Batches(Definition(batchSize: 64, shuffle: true, prefetch: 3, crop: 24, mirror: true), batches: 20);
        var inline = Batches(Definition(batchSize: 64, shuffle: true, prefetch: 0, crop: 24, mirror: true), batches: 20);

        Assert.That(prefetched, Is.EqualTo(inline));
    }

    [Test]
    public void A_single_top_serves_images_only()
    {
        var definition = Definition(batchSize: 2);
        definition.Top.RemoveAt(1);
        var (layer, top) = SetUp(definition);
        using var _ = layer;

        layer.Forward([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 1, 28, 28 }));
    }

    [TestCase("""idx_data_param { images: "IMAGES" labels: "LABELS" batch_size: 5 shuffle: true prefetch: 2 }""")]
    [TestCase("""[layernet.idx_data_param] { images: "IMAGES" labels: "LABELS" batch_size: 5 shuffle: true prefetch: 2 }""")]
    public void Parses_idx_data_param_by_bare_and_full_name_and_runs_in_a_net(string parameterText)
    {
        using var services = new ServiceCollection().AddLayerNet().AddDataLayers().Services.BuildServiceProvider();
        var reader = services.GetRequiredService<PrototxtReader>();
        var text = $$"""
            name: "idx"
            layer {
              name: "fashion" type: "IdxData" top: "data" top: "label"
              transform_param { scale: 0.00390625 }
              {{parameterText.Replace("IMAGES", TrainImages.Replace("\\", "\\\\")).Replace("LABELS", TrainLabels.Replace("\\", "\\\\"))}}
            }
            """;

        var net = reader.Parse<NetParameter>(text, "idx.prototxt");

        var parameter = net.Layer[0].GetExtension(LayernetExtensions.IdxDataParam);
        Assert.Multiple(() =>
        {
            Assert.That(parameter.Images, Is.EqualTo(TrainImages));
            Assert.That(parameter.Labels, Is.EqualTo(TrainLabels));
            Assert.That(parameter.BatchSize, Is.EqualTo(5));
            Assert.That(parameter.Shuffle, Is.True);
            Assert.That(parameter.Prefetch, Is.EqualTo(2));
        });

        var built = new Nets.Net(net, services.GetRequiredService<LayerFactory>());
        using var layer = (IdxDataLayer)built.Layers[0];
        built.Forward();
        Assert.That(built.Blob("data").Shape, Is.EqualTo(new[] { 5, 1, 28, 28 }));
        Assert.That(built.Blob("data").Data.ToArray().Max(), Is.LessThanOrEqualTo(1f));
    }

    [Test]
    public void A_relative_path_resolves_against_the_model_file_folder()
    {
        using var services = new ServiceCollection().AddLayerNet().AddDataLayers().Services.BuildServiceProvider();
        var reader = services.GetRequiredService<PrototxtReader>();
        var modelFile = Path.Combine(Fixtures.RepositoryRoot, "tests", "data", "fashion-mnist", "model.prototxt");
        var net = reader.ParseDocument<NetParameter>(
            """layer { name: "d" type: "IdxData" top: "data" idx_data_param { images: "test500-images-idx3-ubyte.gz" batch_size: 10 } }""",
            modelFile);

        var built = new Nets.Net(net.Message, services.GetRequiredService<LayerFactory>(), new Nets.NetOptions { Source = net.Source });
        using var layer = (IdxDataLayer)built.Layers[0];

        Assert.That(layer.Count, Is.EqualTo(500));
    }

    [Test]
    public void Errors_name_the_layer_and_the_problem()
    {
        var noParameter = new LayerParameter { Name = "fashion", Type = "IdxData" };
        noParameter.Top.Add("data");
        var noBatch = Definition(batchSize: 0);
        noBatch.GetExtension(LayernetExtensions.IdxDataParam).ClearBatchSize();
        var noLabels = Definition(batchSize: 4);
        noLabels.GetExtension(LayernetExtensions.IdxDataParam).ClearLabels();
        var wrongLabels = Definition(batchSize: 4);
        wrongLabels.GetExtension(LayernetExtensions.IdxDataParam).Labels = Subset("test500-labels-idx1-ubyte.gz");
        var missing = Definition(batchSize: 4);
        missing.GetExtension(LayernetExtensions.IdxDataParam).Images = "no-such-images.gz";
        var tooLargeCrop = Definition(batchSize: 4, crop: 29);

        Assert.Multiple(() =>
        {
            Assert.That(SetUpError(noParameter), Is.EqualTo("layer 'fashion' (IdxData): idx_data_param is required (images, batch_size)"));
            Assert.That(SetUpError(noBatch), Is.EqualTo("layer 'fashion' (IdxData): idx_data_param.batch_size is required"));
            Assert.That(SetUpError(noLabels), Is.EqualTo("layer 'fashion' (IdxData): idx_data_param.labels is required for the label top (the second top)"));
            Assert.That(SetUpError(wrongLabels), Does.Contain("holds 500 values; expected one label per image, 1000"));
            Assert.That(SetUpError(missing), Does.StartWith("layer 'fashion' (IdxData): idx_data_param.images 'no-such-images.gz' not found"));
            Assert.That(SetUpError(tooLargeCrop), Does.Contain("crop_size 29 is larger than the data items, 28 x 28"));
        });
    }

    internal static LayerParameter Definition(uint batchSize, bool shuffle = false, uint prefetch = 4, float scale = 1f, uint crop = 0, bool mirror = false, Phase phase = Phase.Train)
    {
        var definition = new LayerParameter
        {
            Name = "fashion",
            Type = "IdxData",
            Phase = phase,
            TransformParam = new TransformationParameter { Scale = scale, CropSize = crop, Mirror = mirror },
        };
        definition.SetExtension(LayernetExtensions.IdxDataParam, new IdxDataParameter
        {
            Images = TrainImages,
            Labels = TrainLabels,
            BatchSize = batchSize,
            Shuffle = shuffle,
            Prefetch = prefetch,
        });
        definition.Top.Add("data");
        definition.Top.Add("label");
        return definition;
    }

    private static (IdxDataLayer Layer, Blob[] Top) SetUp(LayerParameter definition, ulong seed = 0)
    {
        var layer = new IdxDataLayer(definition) { Random = new RandomSource(seed) };
        var top = definition.Top.Select(name => new Blob { Name = name }).ToArray();
        layer.SetUp([], top);
        return (layer, top);
    }

    private static string SetUpError(LayerParameter definition)
    {
        var error = Assert.Throws<LayerNetException>(() => SetUp(definition).Layer.Dispose())!;
        return error.Message;
    }

    private static float[] Labels(LayerParameter definition, ulong seed, int batches)
    {
        var (layer, top) = SetUp(definition, seed);
        using var _ = layer;
        var labels = new List<float>();
        for (var i = 0; i < batches; i++)
        {
            layer.Forward([], top);
            labels.AddRange(top[1].Data.ToArray());
        }

        return [.. labels];
    }

    private static float[] Batches(LayerParameter definition, int batches)
    {
        var (layer, top) = SetUp(definition, seed: 3);
        using var _ = layer;
        var values = new List<float>();
        for (var i = 0; i < batches; i++)
        {
            layer.Forward([], top);
            values.AddRange(top[0].Data.ToArray());
            values.AddRange(top[1].Data.ToArray());
        }

        return [.. values];
    }
}
