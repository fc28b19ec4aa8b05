using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Tests.Plugins;

/// <summary>
/// The Compat sample plugin on published model files (tests/data/zoo): SENet's SE-ResNet-50 (Axpy) and
/// DenseNet-Caffe's DenseNet-169 (pooling_param's ceil_mode) run with it and not without it, and with drawn weights
/// on a fixed input their fork layers compute the fork's formulas.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CompatPluginTests
{
    private const string SeResNet = "se_resnet50_deploy.prototxt";
    private const string DenseNet169 = "densenet169_ceil_mode_deploy.prototxt";
    private const string DenseNet121 = "densenet121_deploy.prototxt";

    [Test]
    public void Without_the_plugin_SE_ResNet_50_is_refused_at_its_first_Axpy_layer()
    {
        var result = RunnerResult.Run("forward", "--model", PluginFiles.Zoo(SeResNet), "--blobs", "prob");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim(), Does.Match(@"se_resnet50_deploy\.prototxt\(\d+,\d+\): layer 'conv2_1' has unknown type 'Axpy'"));
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void Without_the_plugin_DenseNet_169_is_refused_at_ceil_mode()
    {
        var result = RunnerResult.Run("forward", "--model", PluginFiles.Zoo(DenseNet169), "--blobs", "fc6");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim(), Does.Match(@"densenet169_ceil_mode_deploy\.prototxt\(\d+,5\): unknown field 'ceil_mode' in caffe\.PoolingParameter"));
    }

    [Test]
    public void With_the_plugin_both_run_from_the_command_line()
    {
        var se = RunnerResult.Run("forward", "--plugin", PluginFiles.Compat, "--model", PluginFiles.Zoo(SeResNet), "--blobs", "prob", "--json");
        var dense = RunnerResult.Run("forward", "--plugin", PluginFiles.Compat, "--model", PluginFiles.Zoo(DenseNet169), "--blobs", "pool1", "--json");

        Assert.That(se.ExitCode, Is.Zero, se.Error);
        Assert.That(se.Output, Does.Contain("\"shape\":[1,1000]"));
        Assert.That(dense.ExitCode, Is.Zero, dense.Error);
        Assert.That(dense.Output, Does.Contain("\"shape\":[1,64,56,56]"), "ceil_mode: false rounds pool1 down to 56");
    }

    [Test]
    public void SE_ResNet_50_with_drawn_weights_computes_a_x_plus_y_in_every_Axpy_layer()
    {
        var net = Build(SeResNet, withPlugin: true);
        var check = new AxpyCheck();

        net.Forward(check);

        Assert.That(check.Layers, Is.EqualTo(16), "SE-ResNet-50 has 16 SE blocks");
        Assert.That(check.LargestError, Is.LessThan(1e-5 * check.LargestValue), $"largest |a x + y| {check.LargestValue}");
        Assert.That(check.LargestValue, Is.GreaterThan(0.1), "the check saw real values");
        Assert.That(net.Blob("prob").Shape, Is.EqualTo(new[] { 1, 1000 }));
        Assert.That(net.Blob("prob").Data.ToArray().Sum(), Is.EqualTo(1f).Within(1e-4f));
    }

    [Test]
    public void DenseNet_169_with_the_plugin_pools_down_as_the_fork_and_classifies_one_by_one()
    {
        var net = Build(DenseNet169, withPlugin: true);
        var check = new MaxPoolCheck("pool1", kernel: 3, stride: 2, pad: 1);

        net.Forward(check);

        Assert.That(net.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 64, 56, 56 }));
        Assert.That(check.Compared, Is.EqualTo(64 * 56 * 56));
        Assert.That(check.Mismatches, Is.Zero);

        // Rounding up would give 57, then 29, 15 and 8 ahead of the 7 x 7 average pool, and a 2 x 2 map of scores.
        Assert.That(net.Blob("fc6").Shape, Is.EqualTo(new[] { 1, 1000, 1, 1 }));
    }

    [Test]
    public void DenseNet_121_as_published_now_uses_round_mode_and_needs_no_plugin()
    {
        var net = Build(DenseNet121, withPlugin: false);

        net.Forward();

        Assert.That(net.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 64, 56, 56 }));
        Assert.That(net.Blob("fc6").Shape, Is.EqualTo(new[] { 1, 1000, 1, 1 }));
    }

    [Test]
    public void DenseNet_121_spelt_with_the_forks_ceil_mode_gives_the_published_files_outputs_bit_for_bit()
    {
        // DenseNet-Caffe's 121 file said ceil_mode: false in pool1 before the repository moved to BVLC's round_mode.
        var published = File.ReadAllText(PluginFiles.Zoo(DenseNet121));
        Assert.That(published.Split("round_mode: FLOOR").Length, Is.EqualTo(2), "one round_mode, in pool1");
        var folder = Directory.CreateTempSubdirectory("layernet-densenet-").FullName;
        try
        {
            var forked = Path.Combine(folder, "densenet121_ceil_mode.prototxt");
            File.WriteAllText(forked, published.Replace("round_mode: FLOOR", "ceil_mode: false", StringComparison.Ordinal));
            var reference = Build(DenseNet121, withPlugin: false);
            var fork = Build(forked, withPlugin: true);

            reference.Forward();
            fork.Forward();

            Assert.That(fork.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 64, 56, 56 }));
            Assert.That(fork.Blob("fc6").Data.ToArray(), Is.EqualTo(reference.Blob("fc6").Data.ToArray()));
            Assert.That(fork.Blob("fc6").Data.ToArray().Distinct().Count(), Is.GreaterThan(900), "the scores are not constant");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The model in the TEST phase with weights drawn from a fixed seed and a fixed input.</summary>
    /// <param name="file">A file of tests/data/zoo, or a path.</param>
    private static Net Build(string file, bool withPlugin)
    {
        var builder = new ServiceCollection().AddLayerNet().AddStandardLayers();
        if (withPlugin)
        {
            PluginLoader.Load(PluginFiles.Compat, builder);
        }

        var factory = builder.Services.BuildServiceProvider().GetRequiredService<LayerFactory>();
        var path = Path.IsPathRooted(file) ? file : PluginFiles.Zoo(file);
        var document = MessageFile.ReadNetDocument(path, builder.Extensions, TrainingLog.None);
        var net = new Net(document.Message, factory, new NetOptions { State = new NetState { Phase = Phase.Test }, Source = document.Source, Log = TrainingLog.None });
        var random = new RandomSource(2024);
        foreach (var layer in net.Layers)
        {
            DrawWeights(layer, random);
        }

        var input = net.Inputs[0].Data;
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextGaussian(0f, 1f);
        }

        return net;
    }

    /// <summary>Weights that keep activations near unit size through a deep net: He-scaled products, statistics of a trained BatchNorm.</summary>
    private static void DrawWeights(Layer layer, RandomSource random)
    {
        switch (layer.Type)
        {
            case "BatchNorm":
                Fill(layer.Blobs[0], () => random.NextGaussian(0f, 0.1f));
                Fill(layer.Blobs[1], () => random.NextUniform(0.5f, 1.5f));
                layer.Blobs[2].Data[0] = 1f;
                return;
            case "Scale":
                Fill(layer.Blobs[0], () => random.NextUniform(0.8f, 1.2f));
                if (layer.Blobs.Count > 1)
                {
                    Fill(layer.Blobs[1], () => random.NextGaussian(0f, 0.1f));
                }

                return;
        }

        if (layer.Blobs.Count == 0)
        {
            return;
        }

        var weights = layer.Blobs[0];
        var std = MathF.Sqrt(2f * weights.Shape[0] / weights.Count);
        Fill(weights, () => random.NextGaussian(0f, std));
        for (var i = 1; i < layer.Blobs.Count; i++)
        {
            Fill(layer.Blobs[i], () => random.NextGaussian(0f, 0.05f));
        }
    }

    private static void Fill(Blob blob, Func<float> draw)
    {
        var data = blob.Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = draw();
        }
    }

    /// <summary>Copies each Axpy layer's bottoms before it runs and compares its top with a x + y computed in double.</summary>
    private sealed class AxpyCheck : NetObserver
    {
        private double[][] _bottoms = [];

        public int Layers { get; private set; }

        public double LargestError { get; private set; }

        public double LargestValue { get; private set; }

        public override void BeforeForward(NetStep layer)
        {
            if (layer.Layer.Type == "Axpy")
            {
                _bottoms = [.. layer.Bottom.Select(b => b.Data.ToArray().Select(v => (double)v).ToArray())];
            }
        }

        public override void AfterForward(NetStep layer, float loss)
        {
            if (layer.Layer.Type != "Axpy")
            {
                return;
            }

            Layers++;
            var (a, x, y) = (_bottoms[0], _bottoms[1], _bottoms[2]);
            var top = layer.Top[0].Data;
            var plane = x.Length / a.Length;
            for (var i = 0; i < x.Length; i++)
            {
                var expected = (a[i / plane] * x[i]) + y[i];
                LargestValue = Math.Max(LargestValue, Math.Abs(expected));
                LargestError = Math.Max(LargestError, Math.Abs(top[i] - expected));
            }
        }
    }

    /// <summary>Checks one MAX pooling layer against Caffe's window rule with the pooled size rounded down.</summary>
    private sealed class MaxPoolCheck(string name, int kernel, int stride, int pad) : NetObserver
    {
        private float[] _bottom = [];
        private int[] _shape = [];

        public int Compared { get; private set; }

        public int Mismatches { get; private set; }

        public override void BeforeForward(NetStep layer)
        {
            if (layer.Layer.Name == name)
            {
                _bottom = layer.Bottom[0].Data.ToArray();
                _shape = [.. layer.Bottom[0].Shape];
            }
        }

        public override void AfterForward(NetStep layer, float loss)
        {
            if (layer.Layer.Name != name)
            {
                return;
            }

            var (channels, height, width) = (_shape[1], _shape[2], _shape[3]);
            var pooledHeight = ((height + (2 * pad) - kernel) / stride) + 1;
            var pooledWidth = ((width + (2 * pad) - kernel) / stride) + 1;
            var top = layer.Top[0].Data;
            for (var c = 0; c < channels; c++)
            {
                for (var ph = 0; ph < pooledHeight; ph++)
                {
                    for (var pw = 0; pw < pooledWidth; pw++)
                    {
                        var max = float.NegativeInfinity;
                        for (var h = Math.Max(ph * stride - pad, 0); h < Math.Min((ph * stride) - pad + kernel, height); h++)
                        {
                            for (var w = Math.Max(pw * stride - pad, 0); w < Math.Min((pw * stride) - pad + kernel, width); w++)
                            {
                                max = Math.Max(max, _bottom[(((c * height) + h) * width) + w]);
                            }
                        }

                        Compared++;
                        if (top[(((c * pooledHeight) + ph) * pooledWidth) + pw] != max)
                        {
                            Mismatches++;
                        }
                    }
                }
            }
        }
    }
}
