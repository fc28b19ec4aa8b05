using System.Security.Cryptography;
using Caffe;
using Google.Protobuf;
using LayerNet.Files;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests.Zoo;

/// <summary>
/// Real model files from public repositories (../shared/fixtures/zoo, SOURCES.tsv), run as a Caffe user runs them:
/// each builds with its fillers and runs forward; each reads into protoc's bytes; MTCNN's trained O-Net gives the
/// outputs an independent float64 implementation computed from the same caffemodel.
/// </summary>
public sealed class ZooModelTests
{
    // SHA-256 and size of `protoc --encode=caffe.NetParameter proto/caffe.proto < FILE` (libprotoc 35.1, the protoc
    // of the Grpc.Tools package), for every zoo file protoc accepts. ssd_mobilenet_deploy.prototxt is not here:
    // protoc refuses it (line 1177: permute_param is a field of the SSD fork, not of BVLC's caffe.proto).
    private static readonly (string File, string Sha256, int Size)[] ProtocBytes =
    [
        ("hed_deploy.prototxt", "a9d91b526dc47b7581ce3f25463db3e6c43640e7a7b4af54588785b070beacf5", 3254),
        ("mobilenet_v2_deploy.prototxt", "7979a397bb9295d426222a666399d121aef8f9d6cd9ab4b0e80b970f573a7728", 19201),
        ("mtcnn_det1.prototxt", "84c0a9db6fa5ce6825669418332ac4aad94f7ff6c98153b960cd8f3faf33b1f3", 685),
        ("mtcnn_det3.prototxt", "45c78fa82b6b370a2962989980616fd4ea9e6e8ce7099cfa597e76a679627264", 1155),
        ("openpose_coco.prototxt", "5bc0451810318ad0f4068ddaa4746a73155c01009554fd126999e340876a2bd9", 17326),
        ("rcnn_v0_pascal_finetune_deploy.prototxt", "ff100a910e230c293b37d0a8778fa9364a3fac0afa7130c83b912713c1507729", 1432),
        ("resnet50_deploy.prototxt", "f6a485d248ae7aed70dfbc8ed75910234e92525911b74cd009327b141131e496", 14366),
        ("squeezenet_v1.1_deploy.prototxt", "624f5f7ab39ece13e6673e8e9081c89244815db5835f3752d62ca800a885046c", 4436),
        ("vgg19_v1_deploy.prototxt", "fd2204696eb4c6ae1c2d9818e8137ea01515b7cc94a4012b79b99d165ab3e1f4", 1539),
    ];

    // Each file builds in TEST with its fillers (V0 and V1 files after Caffe's upgrade) and runs one forward pass,
    // with the output shapes its authors' nets give (class scores, maps). The two old files run at batch 1 (their
    // input_dim says 10) to keep the test short.
    private static readonly (string File, string Output, int[] Shape)[] ForwardRuns =
    [
        ("hed_deploy.prototxt", "sigmoid-fuse", [1, 1, 500, 500]),
        ("mobilenet_v2_deploy.prototxt", "prob", [1, 1000, 1, 1]),
        ("mtcnn_det1.prototxt", "prob1", [1, 2, 1, 1]),
        ("mtcnn_det3.prototxt", "prob1", [1, 2]),
        ("openpose_coco.prototxt", "net_output", [1, 57, 1, 1]),
        ("resnet50_deploy.prototxt", "prob", [1, 1000]),
        ("squeezenet_v1.1_deploy.prototxt", "prob", [10, 1000, 1, 1]),
        ("vgg19_v1_deploy.prototxt", "prob", [1, 1000]),
        ("rcnn_v0_pascal_finetune_deploy.prototxt", "prob", [1, 21]),
    ];

    private static IEnumerable<TestCaseData> ProtocCases() => ProtocBytes.Select(c => new TestCaseData(c.File, c.Sha256, c.Size).SetArgDisplayNames(c.File));

    private static IEnumerable<TestCaseData> ForwardCases() => ForwardRuns.Select(c => new TestCaseData(c.File, c.Output, c.Shape).SetArgDisplayNames(c.File));

    [TestCaseSource(nameof(ProtocCases))]
    public void ReadingGivesProtocsBytes(string file, string sha256, int size)
    {
        var message = MessageFile.Read<NetParameter>(Fixtures.File("zoo", file), ParameterExtensions.None);
        var bytes = message.ToByteArray();

        Assert.Multiple(() =>
        {
            Assert.That(bytes, Has.Length.EqualTo(size));
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(bytes)), Is.EqualTo(sha256));
        });
    }

    [TestCaseSource(nameof(ForwardCases))]
    public void BuildsWithFillersAndRunsForward(string file, string output, int[] shape)
    {
        var net = Build(Fixtures.File("zoo", file));
        net.Forward();

        var top = net.Blob(output);
        Assert.Multiple(() =>
        {
            Assert.That(top.Shape.ToArray(), Is.EqualTo(shape));
            Assert.That(top.Data.ToArray(), Has.All.Matches<float>(float.IsFinite));
        });
    }

    [Test]
    public void TrainedMtcnnOnetGivesTheIndependentImplementationsOutputs()
    {
        var net = Build(Fixtures.File("zoo", "mtcnn_det3.prototxt"));
        net.CopyTrainedLayersFrom(MessageFile.ReadBinary<NetParameter>(Fixtures.File("zoo", "mtcnn_det3.caffemodel"), ParameterExtensions.None));
        ZooInput.ReadNpyFloat32(Fixtures.File("zoo", "mtcnn_det3_input.npy"), [1, 3, 48, 48]).CopyTo(net.Blob("data").Data);

        net.Forward();

        var expected = ZooInput.ReadExpected(Fixtures.File("zoo", "mtcnn_det3_expected.txt"));
        Assert.That(expected.Keys, Is.EquivalentTo(new[] { "prob1", "conv6-2", "conv6-3" }));
        Assert.Multiple(() =>
        {
            foreach (var (name, values) in expected)
            {
                Assert.That(net.Blob(name).Data.ToArray(), Is.EqualTo(values).Within(1e-5), name);
            }
        });
    }

    // Net.PlanMemory on real nets (Split everywhere, in-place BatchNorm/Scale/ReLU, Concat of inception branches,
    // depthwise convolutions, Dropout, global pooling): with every shared buffer full of NaN before the pass, the output
    // is the unplanned net's bit for bit, and the blob data takes far less memory.
    [TestCase("zoo", "mobilenet_v2_deploy.prototxt", "prob")]
    [TestCase("zoo", "squeezenet_v1.1_deploy.prototxt", "prob")]
    [TestCase("zoo", "resnet50_deploy.prototxt", "prob")]
    [TestCase("caffe-prototxt", "models_bvlc_googlenet_deploy.prototxt", "prob")]
    public void PlannedMemoryGivesTheUnplannedOutputBitForBit(string folder, string file, string output)
    {
        var plain = Build(Fixtures.File(folder, file));
        var planned = Build(Fixtures.File(folder, file));
        foreach (var layer in plain.Layers.Concat(planned.Layers).Where(layer => layer.Type == "BatchNorm"))
        {
            // Unit variances: BatchNorm's filled statistics (all zero) would multiply by 1 / sqrt(eps) at every layer.
            layer.Blobs[1].Data.Fill(1f);
            layer.Blobs[2].Data.Fill(1f);
        }

        var plan = planned.PlanMemory(fold: false);
        foreach (var blob in planned.Blobs.Where(b => !planned.Inputs.Contains(b) && !planned.Outputs.Contains(b)))
        {
            blob.Data.Fill(float.NaN);
        }

        var random = new LayerNet.Fillers.RandomSource(11);
        var input = new float[plain.Inputs[0].Count];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextGaussian(0f, 1f);
        }

        input.CopyTo(plain.Inputs[0].Data);
        input.CopyTo(planned.Inputs[0].Data);
        plain.Forward();
        planned.Forward();

        Assert.Multiple(() =>
        {
            Assert.That(planned.Blob(output).Data.ToArray(), Is.EqualTo(plain.Blob(output).Data.ToArray()));
            Assert.That(plain.Blob(output).Data.ToArray(), Has.All.Matches<float>(float.IsFinite));
            Assert.That(plan.BytesAfter, Is.LessThan(plan.BytesBefore / 3), $"{plan}");
        });
    }

    // With the BatchNorm, Scale and ReLU after each convolution folded into it (one multiply-add per value, rounded
    // once), the class scores stay those of the net run layer by layer, to float rounding: within 1e-5 of the largest.
    // MobileNet v2's BatchNorm and Scale write tops of their own, ResNet-50's work in place. The weights are drawn
    // (He-scaled Gaussians): some of these files leave their convolutions without a filler, all zero.
    [TestCase("zoo", "mobilenet_v2_deploy.prototxt", "fc7")]
    [TestCase("zoo", "resnet50_deploy.prototxt", "fc1000")]
    public void FoldedLayersGiveTheSameOutput(string folder, string file, string output)
    {
        var plain = Build(Fixtures.File(folder, file));
        var folded = Build(Fixtures.File(folder, file));
        var random = new LayerNet.Fillers.RandomSource(12);
        foreach (var (a, b) in plain.Layers.Zip(folded.Layers))
        {
            if (a.Type == "BatchNorm")
            {
                for (var c = 0; c < a.Blobs[0].Count; c++)
                {
                    a.Blobs[0].Data[c] = b.Blobs[0].Data[c] = random.NextGaussian(0f, 0.2f);
                    a.Blobs[1].Data[c] = b.Blobs[1].Data[c] = 0.5f + random.NextUniform(0f, 1f);
                }

                a.Blobs[2].Data.Fill(1f);
                b.Blobs[2].Data.Fill(1f);
            }
            else if (a.Type is "Convolution" or "InnerProduct")
            {
                var weights = a.Blobs[0];
                var std = MathF.Sqrt(2f / weights.CountFrom(1)) * (a.Type == "InnerProduct" ? 0.05f : 1f);
                for (var k = 0; k < weights.Count; k++)
                {
                    weights.Data[k] = b.Blobs[0].Data[k] = random.NextGaussian(0f, std);
                }
            }
        }

        folded.PlanMemory([output]);
        var input = new float[plain.Inputs[0].Count];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextGaussian(0f, 1f);
        }

        input.CopyTo(plain.Inputs[0].Data);
        input.CopyTo(folded.Inputs[0].Data);
        var ran = new LayerCount();
        plain.Forward();
        folded.Forward(ran);

        var expected = plain.Blob(output).Data.ToArray();
        var actual = folded.Blob(output).Data.ToArray();
        var scale = expected.Max(MathF.Abs);
        var difference = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
        TestContext.Out.WriteLine($"{file}: {folded.Layers.Count - ran.Count} layers folded; largest difference {difference:E2}, largest value {scale}");
        Assert.Multiple(() =>
        {
            Assert.That(ran.Count, Is.LessThan(folded.Layers.Count - 50), "the BatchNorm, Scale and ReLU layers do not run");
            Assert.That(expected.Max() - expected.Min(), Is.GreaterThan(1e-4f), "the output differs from class to class");
            Assert.That(difference, Is.GreaterThan(0f), "the folded arithmetic is rounded differently");
            Assert.That(actual, Is.EqualTo(expected).Within(1e-5f * scale));
        });
    }

    private sealed class LayerCount : NetObserver
    {
        public int Count { get; private set; }

        public override void BeforeForward(NetStep layer) => Count++;
    }

    private static Net Build(string path)
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var document = NetUpgrade.Upgrade(services.GetRequiredService<PrototxtReader>().ReadDocument<NetParameter>(path));
        if (Path.GetFileName(path) is "vgg19_v1_deploy.prototxt" or "rcnn_v0_pascal_finetune_deploy.prototxt")
        {
            Assert.That(document.Message.Layer[0].Type, Is.EqualTo("Input"), "the upgrade turns input_dim into an Input layer");
            document.Message.Layer[0].InputParam.Shape[0].Dim[0] = 1;
        }

        return new Net(document.Message, services.GetRequiredService<LayerFactory>(), new NetOptions { Source = document.Source, File = path, State = new NetState { Phase = Phase.Test } });
    }
}
