using Caffe;
using LayerNet.Errors;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Samples.Compat.Tests;

/// <summary>The fork fields read from a fork's text as the fork writes them, and ceil_mode turned into round_mode.</summary>
[TestFixture]
public sealed class CeilModeAndTextTests
{
    private static ParameterExtensions Registered()
    {
        var builder = new ServiceCollection().AddLayerNet();
        new CompatPlugin().Register(builder);
        return builder.Extensions;
    }

    [Test]
    public void A_fork_file_reads_with_bare_names_in_pooling_param_and_the_layer()
    {
        var net = Registered().Reader.Parse<NetParameter>("""
            layer { name: "pool1" type: "Pooling" bottom: "x" top: "p" pooling_param { pool: MAX kernel_size: 3 stride: 2 ceil_mode: false } }
            layer { name: "bn1" type: "BN" bottom: "p" top: "p" bn_param { slope_filler { type: "constant" value: 1 } frozen: true momentum: 0.95 } }
            """);

        Assert.That(net.Layer[0].PoolingParam.GetExtension(CompatExtensions.CeilMode), Is.False);
        Assert.That(net.Layer[1].GetExtension(CompatExtensions.BnParam).Frozen, Is.True);
        Assert.That(net.Layer[1].GetExtension(CompatExtensions.BnParam).Momentum, Is.EqualTo(0.95f));
    }

    [TestCase(false, PoolingParameter.Types.RoundMode.Floor)]
    [TestCase(true, PoolingParameter.Types.RoundMode.Ceil)]
    public void Ceil_mode_sets_round_mode(bool ceil, PoolingParameter.Types.RoundMode expected)
    {
        var parameter = new LayerParameter { Name = "pool1", Type = "Pooling", PoolingParam = new PoolingParameter { KernelSize = 3 } };
        parameter.PoolingParam.SetExtension(CompatExtensions.CeilMode, ceil);

        var ruled = CeilModeRule.Apply(parameter);

        Assert.That(ruled.PoolingParam.HasRoundMode, Is.True);
        Assert.That(ruled.PoolingParam.RoundMode, Is.EqualTo(expected));
    }

    [Test]
    public void Without_ceil_mode_the_definition_is_untouched()
    {
        var parameter = new LayerParameter { Name = "pool1", Type = "Pooling", PoolingParam = new PoolingParameter { KernelSize = 3 } };
        var before = parameter.Clone();

        Assert.That(CeilModeRule.Apply(parameter), Is.EqualTo(before));
    }

    [Test]
    public void Ceil_mode_and_a_round_mode_that_disagree_are_refused()
    {
        var parameter = new LayerParameter { Name = "pool1", Type = "Pooling", PoolingParam = new PoolingParameter { RoundMode = PoolingParameter.Types.RoundMode.Ceil } };
        parameter.PoolingParam.SetExtension(CompatExtensions.CeilMode, false);

        var error = Assert.Throws<LayerNetException>(() => CeilModeRule.Apply(parameter))!;

        Assert.That(error.Message, Is.EqualTo("pooling_param gives ceil_mode: false and round_mode: CEIL, which disagree; give one of them"));
    }

    [Test]
    public void The_plugin_registers_its_layers_and_the_pooling_rule()
    {
        var builder = new ServiceCollection().AddLayerNet();
        new CompatPlugin().Register(builder);
        var provider = builder.Services.BuildServiceProvider();

        Assert.That(builder.Layers.Select(l => l.TypeName), Is.EquivalentTo(new[] { "Axpy", "BN" }));
        Assert.That(provider.GetServices<ParameterRuleRegistration>().Select(r => r.TypeName), Is.EqualTo(new[] { "Pooling" }));
    }
}
