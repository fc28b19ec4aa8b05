using Caffe;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// The plugin in a net, with the published MobileNet-SSD deploy file (../shared/fixtures/zoo, read in place). The
/// Framework package has no Convolution, so the whole file cannot run here (LayerNet.Runner.Tests runs it:
/// tests/LayerNet.Runner.Tests/Plugins/MobileNetSsdTests.cs); these tests run its SSD head: its six PriorBox layers, its Concat, one of its Permutes and its
/// DetectionOutput, on inputs of the file's shapes, against the float64 reference.
/// </summary>
[TestFixture]
public sealed class SsdNetTests
{
    // conv11, conv13, conv14_2 ... conv17_2 of MobileNet-SSD at 300 x 300.
    private static readonly (string Name, int Size)[] FeatureMaps = [("conv11", 19), ("conv13", 10), ("conv14_2", 5), ("conv15_2", 3), ("conv16_2", 2), ("conv17_2", 1)];

    private static string DeployFile => SsdFixtures.File("zoo", "ssd_mobilenet_deploy.prototxt");

    private static ServiceProvider Services(bool withPlugin)
    {
        var services = new ServiceCollection();
        var builder = services.AddLayerNet()
            .AddLayer<TestInputLayer>("Input")
            .AddLayer<TestConcatLayer>("Concat")
            .AddLayer<TestSplitLayer>("Split");
        if (withPlugin)
        {
            new SsdPlugin().Register(builder);
        }

        return services.BuildServiceProvider();
    }

    [Test]
    public void Without_the_plugin_the_deploy_file_is_refused_at_the_first_ssd_field()
    {
        using var services = Services(withPlugin: false);
        var reader = services.GetRequiredService<PrototxtReader>();

        var error = Assert.Throws<LayerNetException>(() => reader.ReadDocument<NetParameter>(DeployFile));

        Assert.That(error.Message, Does.Contain("ssd_mobilenet_deploy.prototxt(1177,").And.Contain("permute_param"));
    }

    [Test]
    public void Without_the_plugin_an_ssd_layer_type_is_unknown_to_the_factory()
    {
        using var services = Services(withPlugin: false);
        var factory = services.GetRequiredService<LayerFactory>();

        var error = Assert.Throws<LayerNetException>(() => factory.Create(new LayerParameter { Name = "detection_out", Type = "DetectionOutput" }));

        Assert.That(error.Message, Does.Contain("DetectionOutput"));
    }

    [Test]
    public void The_plugin_registers_its_five_layers_and_the_deploy_file_reads()
    {
        using var services = Services(withPlugin: true);
        var net = services.GetRequiredService<PrototxtReader>().ReadDocument<NetParameter>(DeployFile).Message;

        Assert.That(services.GetServices<LayerRegistration>().Select(r => r.TypeName), Is.SupersetOf(new[] { "Permute", "PriorBox", "Normalize", "DetectionOutput", "MultiBoxLoss" }));
        var detection = net.Layer.Single(l => l.Type == "DetectionOutput").GetExtension(SsdExtensions.DetectionOutputParam);
        Assert.That(detection.NumClasses, Is.EqualTo(21));
        Assert.That(detection.NmsParam.NmsThreshold, Is.EqualTo(0.45f));
        Assert.That(detection.NmsParam.TopK, Is.EqualTo(100));
        Assert.That(detection.CodeType, Is.EqualTo(PriorBoxParameter.Types.CodeType.CenterSize));
        Assert.That(net.Layer.Count(l => l.Type == "PriorBox"), Is.EqualTo(6));
        Assert.That(net.Layer.Count(l => l.Type == "Permute"), Is.EqualTo(12));
    }

    [Test]
    public void The_deploy_files_ssd_head_gives_the_reference_detections()
    {
        using var services = Services(withPlugin: true);
        var deploy = services.GetRequiredService<PrototxtReader>().ReadDocument<NetParameter>(DeployFile).Message;
        var head = new NetParameter { Name = "mobilenet_ssd_head" };
        head.Layer.Add(Input("data", 1, 3, 300, 300));
        foreach (var (name, size) in FeatureMaps)
        {
            head.Layer.Add(Input(name, 1, 8, size, size));
        }

        head.Layer.Add(Input("conv11_mbox_loc", 1, 12, 19, 19));
        head.Layer.Add(Input("mbox_loc", 1, 1917 * 4));
        head.Layer.Add(Input("mbox_conf_flatten", 1, 1917 * 21));
        head.Layer.Add(deploy.Layer.Single(l => l.Name == "conv11_mbox_loc_perm"));
        head.Layer.AddRange(deploy.Layer.Where(l => l.Type == "PriorBox"));
        head.Layer.Add(deploy.Layer.Single(l => l.Name == "mbox_priorbox"));
        head.Layer.Add(deploy.Layer.Single(l => l.Type == "DetectionOutput"));
        var net = new Net(head, services.GetRequiredService<LayerFactory>(), new NetOptions { State = new NetState { Phase = Phase.Test } });

        // Seeded inputs: offsets ~ N(0, 1); confidences the softmax of logits ~ N(0, 2.5) over the 21 classes.
        var random = new RandomSource(2024);
        var location = net.Blob("mbox_loc").Data;
        for (var i = 0; i < location.Length; i++)
        {
            location[i] = random.NextGaussian(0f, 1f);
        }

        var confidence = net.Blob("mbox_conf_flatten").Data;
        var logits = new double[21];
        for (var p = 0; p < 1917; p++)
        {
            for (var c = 0; c < 21; c++)
            {
                logits[c] = random.NextGaussian(0f, 2.5f);
            }

            var max = logits.Max();
            var sum = logits.Sum(x => Math.Exp(x - max));
            for (var c = 0; c < 21; c++)
            {
                confidence[(p * 21) + c] = (float)(Math.Exp(logits[c] - max) / sum);
            }
        }

        var permuteInput = net.Blob("conv11_mbox_loc").Data;
        for (var i = 0; i < permuteInput.Length; i++)
        {
            permuteInput[i] = i;
        }

        net.Forward();

        var priors = net.Blob("mbox_priorbox");
        Assert.That(priors.Shape, Is.EqualTo(new[] { 1, 2, 1917 * 4 }), "MobileNet-SSD's 1917 priors");
        // conv11's first prior: 60 x 60 around (0.5 x 300 / 19) twice, over 300.
        var centre = 0.5 * 300 / 19;
        Assert.That(priors.Data[..4].ToArray().Select(v => (double)v), Is.EqualTo(new[] { (centre - 30) / 300, (centre - 30) / 300, (centre + 30) / 300, (centre + 30) / 300 }).Within(1e-6));
        var permuted = net.Blob("conv11_mbox_loc_perm");
        Assert.That(permuted.Shape, Is.EqualTo(new[] { 1, 19, 19, 12 }));
        Assert.That(permuted.Data[13], Is.EqualTo(361f + 1f), "y[0, 0, 1, 1] = x[0, 1, 0, 1]");

        var output = net.Blob("detection_out");
        var expected = SsdReference.Detect(
            net.Blob("mbox_loc").Data.ToArray(), net.Blob("mbox_conf_flatten").Data.ToArray(), priors.Data.ToArray(),
            1, 21, 0, 2, false, 0.25, 0.45, 1, 100, 100);
        Assert.That(expected, Has.Count.GreaterThan(10), "a run with detections");
        Assert.That(output.Shape, Is.EqualTo(new[] { 1, 1, expected.Count, 7 }));
        Assert.That(output.Data.ToArray().Select(v => (double)v), Is.EqualTo(expected.SelectMany(r => r)).Within(1e-5));
    }

    private static LayerParameter Input(string name, params long[] shape)
    {
        var layer = new LayerParameter { Name = name, Type = "Input", InputParam = new InputParameter() };
        layer.Top.Add(name);
        var blobShape = new BlobShape();
        blobShape.Dim.AddRange(shape);
        layer.InputParam.Shape.Add(blobShape);
        return layer;
    }
}
