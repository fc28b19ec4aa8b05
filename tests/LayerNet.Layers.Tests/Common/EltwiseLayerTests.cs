using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;
using EltwiseOp = Caffe.EltwiseParameter.Types.EltwiseOp;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class EltwiseLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 21, 1));

    private static LayerParameter Definition(EltwiseOp operation, bool stableProductGradient = true, params float[] coefficients)
    {
        var p = new EltwiseParameter { Operation = operation, StableProdGrad = stableProductGradient };
        p.Coeff.Add(coefficients);
        var parameter = new LayerParameter { Name = "mix", Type = "Eltwise", EltwiseParam = p };
        return parameter;
    }

    private static Blob[] Bottoms(ulong seed = 1701)
    {
        var random = new RandomSource(seed);
        return
        [
            BlobBuilder.Uniform(random, 0f, 1f, 2, 3, 4, 5),
            BlobBuilder.Uniform(random, 0f, 1f, 2, 3, 4, 5),
            BlobBuilder.Uniform(random, 0f, 1f, 2, 3, 4, 5),
        ];
    }

    private static Blob[] HandBottoms() =>
    [
        BlobBuilder.FromValues([2, 2], 1f, -2f, 3f, 0.5f),
        BlobBuilder.FromValues([2, 2], 2f, 4f, -1f, 0.5f),
        BlobBuilder.FromValues([2, 2], 0.5f, 1f, 2f, 3f),
    ];

    private static float[] Run(LayerParameter parameter, Blob[] bottom)
    {
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(parameter));
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        Assert.That(top.Shape, Is.EqualTo(bottom[0].Shape));
        return top.Data.ToArray();
    }

    [Test]
    public void Prod_multiplies_the_bottoms()
    {
        Assert.That(Run(Definition(EltwiseOp.Prod), HandBottoms()), Is.EqualTo(new[] { 1f, -8f, -6f, 0.75f }).Within(1e-6f));
    }

    [Test]
    public void Sum_adds_the_bottoms()
    {
        Assert.That(Run(Definition(EltwiseOp.Sum), HandBottoms()), Is.EqualTo(new[] { 3.5f, 3f, 4f, 4f }).Within(1e-6f));
    }

    [Test]
    public void Sum_with_coefficients_weights_each_bottom()
    {
        // 1 a - 0.5 b + 2 c.
        Assert.That(Run(Definition(EltwiseOp.Sum, true, 1f, -0.5f, 2f), HandBottoms()), Is.EqualTo(new[] { 1f, -2f, 7.5f, 6.25f }).Within(1e-6f));
    }

    [Test]
    public void Max_takes_the_largest_and_routes_the_gradient_to_it()
    {
        var bottom = HandBottoms();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Max)));
        layer.SetUp(bottom, [top]);

        layer.Forward(bottom, [top]);
        top.Diff.Fill(1f);
        layer.Backward([top], [true, true, true], bottom);

        // Winners: b, b, a, c (element 3 ties a and b at 0.5, but c = 3 beats both).
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 2f, 4f, 3f, 3f }));
        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 0f }));
        Assert.That(bottom[1].Diff.ToArray(), Is.EqualTo(new[] { 1f, 1f, 0f, 0f }));
        Assert.That(bottom[2].Diff.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 1f }));
    }

    [Test]
    public void Max_breaks_a_tie_between_the_first_two_bottoms_for_the_second_as_Caffe_does()
    {
        Blob[] bottom = [BlobBuilder.FromValues([1], 1f), BlobBuilder.FromValues([1], 1f), BlobBuilder.FromValues([1], 1f)];
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Max)));
        layer.SetUp(bottom, [top]);

        layer.Forward(bottom, [top]);
        top.Diff.Fill(1f);
        layer.Backward([top], [true, true, true], bottom);

        Assert.That(new[] { bottom[0].Diff[0], bottom[1].Diff[0], bottom[2].Diff[0] }, Is.EqualTo(new[] { 0f, 1f, 0f }));
    }

    [Test]
    public void Prod_gradient_without_stable_prod_grad_divides_the_top_by_the_bottom()
    {
        var bottom = HandBottoms();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Prod, stableProductGradient: false)));
        layer.SetUp(bottom, [top]);

        layer.Forward(bottom, [top]);
        top.Diff.Fill(1f);
        layer.Backward([top], [true, true, true], bottom);

        // d(abc)/da = bc.
        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(new[] { 1f, 4f, -2f, 1.5f }).Within(1e-6f));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Prod_gradient_matches_finite_differences(bool stableProductGradient)
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Prod, stableProductGradient)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(layer, Bottoms(), [new Blob()]);
    }

    [Test]
    public void Sum_gradient_matches_finite_differences()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Sum)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(layer, Bottoms(), [new Blob()]);
    }

    [Test]
    public void Sum_with_coefficients_gradient_matches_finite_differences()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Sum, true, 1f, -0.5f, 2f)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientEltwise(layer, Bottoms(), [new Blob()]);
    }

    [Test]
    public void Max_gradient_matches_finite_differences()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Max)));

        new GradientChecker(1e-4f, 1e-3f).CheckGradientEltwise(layer, Bottoms(), [new Blob()]);
    }

    [Test]
    public void Gradient_to_a_two_bottom_product_matches_finite_differences_exhaustively()
    {
        var random = new RandomSource(7);
        Blob[] bottom = [BlobBuilder.Uniform(random, -1f, 1f, 2, 3), BlobBuilder.Uniform(random, -1f, 1f, 2, 3)];
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Prod)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob()]);
    }

    [Test]
    public void One_bottom_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Sum)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(21,1): layer 'mix' (Eltwise): expected at least 2 bottom blobs, got 1"));
    }

    [Test]
    public void Coefficients_not_one_per_bottom_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Sum, true, 1f, 2f)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp(Bottoms(), [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(21,1): layer 'mix' (Eltwise): eltwise_param.coeff must be given once per bottom blob or not at all: 2 given for 3 bottoms"));
    }

    [Test]
    public void Coefficients_for_a_product_are_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Prod, true, 1f, 2f, 3f))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(21,1): layer 'mix' (Eltwise): eltwise_param.coeff is only for operation SUM; PROD takes no coefficients"));
    }

    [Test]
    public void Bottoms_of_different_shapes_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(EltwiseOp.Sum)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3) { Name = "a" }, new Blob(3, 2) { Name = "b" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(21,1): layer 'mix' (Eltwise): all bottoms must have the same shape: bottom 0 'a' is 2 3 (6), bottom 1 'b' is 3 2 (6)"));
    }

    [TestCase(EltwiseOp.Prod, 0)]
    [TestCase(EltwiseOp.Prod, 1)]
    [TestCase(EltwiseOp.Sum, 0)]
    [TestCase(EltwiseOp.Max, 1)]
    public void In_place_is_an_error_at_set_up(EltwiseOp operation, int inPlace)
    {
        Blob[] bottoms = [new Blob(2, 3) { Name = "a" }, new Blob(2, 3) { Name = "b" }];
        var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(operation)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp(bottoms, [bottoms[inPlace]]));

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(21,1): layer 'mix' (Eltwise): top '{bottoms[inPlace].Name}' is the bottom; Eltwise does not work in place"));
    }
    // A large blob is computed in ranges on several threads: any split gives the values (and MAX's winners, through
    // the gradient they route) of one pass, bit for bit.
    [TestCase(EltwiseOp.Sum)]
    [TestCase(EltwiseOp.Prod)]
    [TestCase(EltwiseOp.Max)]
    [NonParallelizable]
    public void Ranges_split_over_threads_give_the_one_pass_values(EltwiseOp operation)
    {
        var random = new RandomSource(1704);
        Blob[] Bottoms3() => [.. Enumerable.Range(0, 3).Select(_ => BlobBuilder.Gaussian(new RandomSource((ulong)random.NextInt(1000)), 0f, 1f, 3, 7, 11, 13))];
        var bottoms = Bottoms3();
        (float[] Values, float[] Gradient) Pass(int parts)
        {
            WorkParts.Forced = parts;
            try
            {
                var top = new Blob();
                var layer = Layer.ConstructAt(DefinedAt, () => new EltwiseLayer(Definition(operation, true, operation == EltwiseOp.Sum ? [0.5f, -2f, 1.25f] : [])));
                layer.SetUp(bottoms, [top]);
                layer.Forward(bottoms, [top]);
                for (var i = 0; i < top.Count; i++)
                {
                    top.Diff[i] = i % 7;
                }

                layer.Backward([top], [true, true, true], bottoms);
                return (top.Data.ToArray(), [.. bottoms.SelectMany(b => b.Diff.ToArray())]);
            }
            finally
            {
                WorkParts.Forced = 0;
            }
        }

        var (values, gradient) = Pass(1);
        foreach (var parts in new[] { 2, 3, 5 })
        {
            var (splitValues, splitGradient) = Pass(parts);
            Assert.That(splitValues.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(values.Select(BitConverter.SingleToInt32Bits)), $"{parts} parts");
            Assert.That(splitGradient.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(gradient.Select(BitConverter.SingleToInt32Bits)), $"{parts} parts, gradient");
        }
    }
}
