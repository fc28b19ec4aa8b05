using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Framework.Tests.Nets;
using LayerNet.Framework.Tests.Text.Forks;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Plugins;

/// <summary>
/// A fork's fields as extensions of any caffe.proto message (fork_field_test_extensions.proto): read by their bare
/// names where the fork writes them, kept through binary and text, refused when two plugins claim one name, and
/// turned into a built-in layer's behaviour by a parameter rule.
/// </summary>
public sealed class ForkFieldTests
{
    private const string PoolingNet = """
        name: "fork"
        input: "data"
        input_shape { dim: 1 dim: 1 dim: 6 dim: 6 }
        layer {
          name: "pool1"
          type: "Pooling"
          bottom: "data"
          top: "pool1"
          pooling_param {
            pool: MAX
            kernel_size: 3
            stride: 2
            ceil_mode: false
          }
        }
        """;

    private static Google.Protobuf.Reflection.FieldDescriptor Field(string fullName) =>
        ForkFieldTestExtensionsReflection.Descriptor.Extensions.UnorderedExtensions
            .Concat(ClashingPlugin.Descriptor.Extensions.UnorderedExtensions)
            .Single(e => e.FullName == fullName);

    private static ParameterExtensions Schema()
    {
        var schema = new ParameterExtensions();
        schema.Add(Field("layernet.forktest.ceil_mode"));
        schema.Add(Field("layernet.forktest.fork_values"));
        schema.Add(Field("layernet.forktest.fork_permute_param"));
        return schema;
    }

    [Test]
    public void Every_parameter_message_of_caffe_proto_declares_an_extension_range_above_its_fields()
    {
        var data = new[] { "BlobShape", "BlobProto", "BlobProtoVector", "Datum", "V1LayerParameter", "V0LayerParameter" };
        foreach (var message in CaffeReflection.Descriptor.MessageTypes.Where(m => !data.Contains(m.Name)))
        {
            var highest = message.Fields.InFieldNumberOrder().Max(f => f.FieldNumber);
            var ranges = message.ToProto().ExtensionRange;

            Assert.That(ranges, Has.Count.EqualTo(1), message.FullName);
            Assert.That(ranges[0].Start, Is.EqualTo(message.Name == "LayerParameter" ? 149 : highest + 1), message.FullName);
            Assert.That(ranges[0].End, Is.EqualTo(536870912), message.FullName);
        }
    }

    [Test]
    public void A_fork_field_of_a_nested_parameter_message_is_read_by_its_bare_name()
    {
        var document = Schema().Reader.ParseDocument<NetParameter>(PoolingNet, "densenet.prototxt");

        var pooling = document.Message.Layer[0].PoolingParam;
        Assert.That(pooling.HasExtension(ForkFieldTestExtensionsExtensions.CeilMode), Is.True);
        Assert.That(pooling.GetExtension(ForkFieldTestExtensionsExtensions.CeilMode), Is.False);
        Assert.That(pooling.KernelSize, Is.EqualTo(3u));
    }

    [Test]
    public void A_fork_field_is_read_by_its_bracketed_name_and_a_repeated_one_in_a_filler()
    {
        var layer = Schema().Reader.Parse<LayerParameter>("""
            convolution_param { weight_filler { type: "constant" fork_values: 1 [layernet.forktest.fork_values]: [2, 3] } }
            pooling_param { [layernet.forktest.ceil_mode]: true }
            fork_permute_param { order: 0 order: 2 }
            """);

        Assert.That(layer.ConvolutionParam.WeightFiller.GetExtension(ForkFieldTestExtensionsExtensions.ForkValues), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(layer.PoolingParam.GetExtension(ForkFieldTestExtensionsExtensions.CeilMode), Is.True);
        Assert.That(layer.GetExtension(ForkFieldTestExtensionsExtensions.ForkPermuteParam).Order, Is.EqualTo(new[] { 0u, 2u }));
    }

    [Test]
    public void Without_the_plugin_a_fork_field_is_an_unknown_field_at_its_place()
    {
        var error = Assert.Throws<LayerNetException>(() => ParameterExtensions.None.Reader.ParseDocument<NetParameter>(PoolingNet, "densenet.prototxt"))!;

        Assert.That(error.Message, Is.EqualTo("densenet.prototxt(13,5): unknown field 'ceil_mode' in caffe.PoolingParameter; a field a Caffe fork added needs the plugin that declares it (--plugin)"));
    }

    [Test]
    public void Fork_fields_survive_the_binary_form_at_their_numbers_and_print_back_by_their_bare_names()
    {
        var schema = Schema();
        var layer = schema.Reader.Parse<LayerParameter>("name: 'p' pooling_param { ceil_mode: false } fork_permute_param { order: 3 }");

        var bytes = layer.ToByteArray();
        var again = LayerParameter.Parser.WithExtensionRegistry(schema.BinaryRegistry).ParseFrom(bytes);
        var text = schema.Write(again);

        // LayerParameter field 202, wire type 2: the tag (202 << 3 | 2) = 1618 is the varint 0xD2 0x0C.
        Assert.That(bytes.AsSpan().IndexOf(new byte[] { 0xD2, 0x0C }), Is.GreaterThanOrEqualTo(0));
        Assert.That(again, Is.EqualTo(layer));
        Assert.That(text, Is.EqualTo("""
            name: "p"
            pooling_param {
              ceil_mode: false
            }
            fork_permute_param {
              order: 3
            }

            """.ReplaceLineEndings("\n")));
        Assert.That(schema.Reader.Parse<LayerParameter>(text), Is.EqualTo(layer));
    }

    [Test]
    public void Two_extensions_of_one_message_with_one_name_are_refused_naming_both()
    {
        var schema = Schema();

        var error = Assert.Throws<LayerNetException>(() => schema.Add(Field("layernet.forktest.ClashingPlugin.ceil_mode")))!;

        Assert.That(error.Message, Is.EqualTo("extension name 'ceil_mode' of caffe.PoolingParameter is declared twice: 'layernet.forktest.ceil_mode' (fork_field_test_extensions.proto) and 'layernet.forktest.ClashingPlugin.ceil_mode' (fork_field_test_extensions.proto); a model file could not tell them apart by name"));
    }

    [Test]
    public void An_extension_named_like_a_field_of_its_message_is_refused()
    {
        var error = Assert.Throws<LayerNetException>(() => Schema().Add(Field("layernet.forktest.ClashingPlugin.round_mode")))!;

        Assert.That(error.Message, Is.EqualTo("extension 'layernet.forktest.ClashingPlugin.round_mode' (fork_field_test_extensions.proto) has the name of caffe.PoolingParameter's own field 'round_mode' (number 13); give it another name"));
    }

    [Test]
    public void Without_a_rule_the_fork_field_changes_nothing_and_with_one_it_sizes_the_pooling()
    {
        var document = Schema().Reader.ParseDocument<NetParameter>(PoolingNet, "densenet.prototxt");

        // 6 - 3 = 3 over stride 2: Caffe's default rounds up to 3 outputs a side, the fork's ceil_mode: false down to 2.
        var plain = new Net(document.Message, TestNets.Factory, new NetOptions { State = new NetState { Phase = Phase.Test }, Source = document.Source });
        var ruled = new Net(document.Message, FactoryWith(CeilModeRule), new NetOptions { State = new NetState { Phase = Phase.Test }, Source = document.Source });

        Assert.That(plain.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 1, 3, 3 }));
        Assert.That(ruled.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        Assert.That(ruled.Layers.Single(l => l.Parameter.Name == "pool1").Parameter.PoolingParam.RoundMode, Is.EqualTo(PoolingParameter.Types.RoundMode.Floor));
        Assert.That(document.Message.Layer[0].PoolingParam.HasRoundMode, Is.False, "the rule works on a copy");
    }

    [Test]
    public void Rules_run_in_order_and_may_rename_the_type()
    {
        var seen = new List<string>();
        var factory = FactoryWith(
            ("Pool", p =>
            {
                seen.Add("first");
                p.Type = "Pooling";
                return p;
            }),
            ("Pool", p =>
            {
                seen.Add("second " + p.Type);
                p.PoolingParam.Pool = PoolingParameter.Types.PoolMethod.Ave;
                return p;
            }));

        var layer = factory.Create(new LayerParameter { Name = "p", Type = "Pool", PoolingParam = new PoolingParameter { KernelSize = 2 } });

        Assert.That(seen, Is.EqualTo(new[] { "first", "second Pooling" }));
        Assert.That(layer.Parameter.Type, Is.EqualTo("Pooling"));
        Assert.That(layer.Parameter.PoolingParam.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));
    }

    [Test]
    public void A_failing_rule_is_one_line_naming_the_layer_and_the_rule()
    {
        var factory = FactoryWith(("Pooling", _ => throw new InvalidOperationException("no")));
        var origin = new Origin(new SourcePosition("net.prototxt", 4, 1), null);

        var error = Assert.Throws<LayerNetException>(() => factory.Create(new LayerParameter { Name = "p", Type = "Pooling" }, origin))!;

        Assert.That(error.Message, Is.EqualTo("net.prototxt(4,1): layer 'p' (Pooling): the parameter rule from built in failed: InvalidOperationException: no"));
    }

    [Test]
    public void A_rule_that_refuses_in_its_own_words_is_placed_at_the_layer()
    {
        var factory = FactoryWith(("Pooling", _ => throw new LayerNetException("ceil_mode and round_mode disagree")));
        var origin = new Origin(new SourcePosition("net.prototxt", 4, 1), null);

        var error = Assert.Throws<LayerNetException>(() => factory.Create(new LayerParameter { Name = "p", Type = "Pooling" }, origin))!;

        Assert.That(error.Message, Is.EqualTo("net.prototxt(4,1): layer 'p' (Pooling): ceil_mode and round_mode disagree"));
    }

    private static (string Type, Func<LayerParameter, LayerParameter> Rule) CeilModeRule => ("Pooling", parameter =>
    {
        if (parameter.PoolingParam is { } pooling && pooling.HasExtension(ForkFieldTestExtensionsExtensions.CeilMode)
            && !pooling.GetExtension(ForkFieldTestExtensionsExtensions.CeilMode))
        {
            pooling.RoundMode = PoolingParameter.Types.RoundMode.Floor;
        }

        return parameter;
    });

    private static LayerFactory FactoryWith(params (string Type, Func<LayerParameter, LayerParameter> Rule)[] rules)
    {
        var builder = new ServiceCollection().AddLayerNet().AddStandardLayers();
        foreach (var (type, rule) in rules)
        {
            builder.AddParameterRule(type, rule);
        }

        return builder.Services.BuildServiceProvider().GetRequiredService<LayerFactory>();
    }
}
