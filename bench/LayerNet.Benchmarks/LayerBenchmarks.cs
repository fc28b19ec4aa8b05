using BenchmarkDotNet.Attributes;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Common;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Neuron;
using LayerNet.Layers.Vision;

namespace LayerNet.Benchmarks;

/// <summary>
/// Forward and Backward of the main layers on the shapes the two-layer net and LeNet (batch 64) give them.
/// Backward reuses what the set-up's forward pass left (as in training, where backward follows forward).
/// Expect 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    private Layer _layer = null!;
    private Blob[] _bottom = [], _top = [];
    private bool[] _propagateDown = [];

    [Params(
        "InnerProduct fc1 64x1000->100",
        "InnerProduct ip1 64x800->500",
        "Sigmoid 64x100",
        "ReLU 64x500",
        "Convolution conv1 64x1x28x28 k5 ->20",
        "Convolution conv2 64x20x12x12 k5 ->50",
        "Pooling max 64x20x24x24 k2s2",
        "Pooling max 64x50x8x8 k2s2",
        "SoftmaxWithLoss 64x10",
        "EuclideanLoss 64x10")]
    public string Case { get; set; } = "Sigmoid 64x100";

    [GlobalSetup]
    public void SetUp()
    {
        var random = new Random(1701);
        Blob Gaussian(params int[] shape)
        {
            var blob = new Blob(shape);
            var data = blob.Data;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() - 0.5);
            }

            return blob;
        }

        Blob Labels(int count, int classes)
        {
            var blob = new Blob(count);
            for (var i = 0; i < count; i++)
            {
                blob.Data[i] = random.Next(classes);
            }

            return blob;
        }

        static FillerParameter Xavier() => new() { Type = "xavier" };
        static LayerParameter InnerProduct(string name, int outputs, bool bias) => new()
        {
            Name = name, Type = "InnerProduct",
            InnerProductParam = new InnerProductParameter { NumOutput = (uint)outputs, BiasTerm = bias, WeightFiller = Xavier() },
        };
        static LayerParameter Convolution(string name, int outputs) => new()
        {
            Name = name, Type = "Convolution",
            ConvolutionParam = new ConvolutionParameter { NumOutput = (uint)outputs, KernelSize = { 5 }, WeightFiller = Xavier() },
        };
        static LayerParameter MaxPool(string name) => new()
        {
            Name = name, Type = "Pooling",
            PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = 2, Stride = 2 },
        };

        (_layer, _bottom, _propagateDown) = Case switch
        {
            "InnerProduct fc1 64x1000->100" => (new InnerProductLayer(InnerProduct("fc1", 100, false)), new[] { Gaussian(64, 1000) }, new[] { false }),
            "InnerProduct ip1 64x800->500" => (new InnerProductLayer(InnerProduct("ip1", 500, true)), new[] { Gaussian(64, 50, 4, 4) }, new[] { true }),
            "Sigmoid 64x100" => ((Layer)new SigmoidLayer(new LayerParameter { Name = "sig", Type = "Sigmoid" }), new[] { Gaussian(64, 100) }, new[] { true }),
            "ReLU 64x500" => (new ReLULayer(new LayerParameter { Name = "relu1", Type = "ReLU" }), new[] { Gaussian(64, 500) }, new[] { true }),
            "Convolution conv1 64x1x28x28 k5 ->20" => (new ConvolutionLayer(Convolution("conv1", 20)), new[] { Gaussian(64, 1, 28, 28) }, new[] { false }),
            "Convolution conv2 64x20x12x12 k5 ->50" => (new ConvolutionLayer(Convolution("conv2", 50)), new[] { Gaussian(64, 20, 12, 12) }, new[] { true }),
            "Pooling max 64x20x24x24 k2s2" => (new PoolingLayer(MaxPool("pool1")), new[] { Gaussian(64, 20, 24, 24) }, new[] { true }),
            "Pooling max 64x50x8x8 k2s2" => (new PoolingLayer(MaxPool("pool2")), new[] { Gaussian(64, 50, 8, 8) }, new[] { true }),
            "SoftmaxWithLoss 64x10" => (new SoftmaxWithLossLayer(new LayerParameter { Name = "loss", Type = "SoftmaxWithLoss" }),
                new[] { Gaussian(64, 10), Labels(64, 10) }, new[] { true, false }),
            "EuclideanLoss 64x10" => (new EuclideanLossLayer(new LayerParameter { Name = "loss", Type = "EuclideanLoss" }),
                new[] { Gaussian(64, 10), Gaussian(64, 10) }, new[] { true, false }),
            _ => throw new ArgumentException($"unknown case '{Case}'"),
        };
        _top = [new Blob()];
        _layer.SetUp(_bottom, _top);
        _layer.Forward(_bottom, _top);
        var topDiff = _top[0].Diff;
        if (_layer.LossWeight(0) == 0f)
        {
            for (var i = 0; i < topDiff.Length; i++)
            {
                topDiff[i] = (float)(random.NextDouble() - 0.5);
            }
        }
    }

    [Benchmark]
    public float Forward() => _layer.Forward(_bottom, _top);

    [Benchmark]
    public void Backward() => _layer.Backward(_top, _propagateDown, _bottom);
}
