using Caffe;
using LayerNet.Errors;
using LayerNet.Nets;

namespace LayerNet.Framework.Tests.Nets;

public sealed class NetStateRulesTests
{
    private const string Rules = """
        layer { name: "always" type: "DummyData" top: "always" dummy_data_param { shape { dim: 1 } } }
        layer { name: "train_only" type: "DummyData" top: "t1" include { phase: TRAIN } dummy_data_param { shape { dim: 1 } } }
        layer { name: "test_only" type: "DummyData" top: "t2" include { phase: TEST } dummy_data_param { shape { dim: 1 } } }
        layer { name: "not_train" type: "DummyData" top: "t3" exclude { phase: TRAIN } dummy_data_param { shape { dim: 1 } } }
        layer { name: "level_2_up" type: "DummyData" top: "t4" include { min_level: 2 } dummy_data_param { shape { dim: 1 } } }
        layer { name: "level_1_down" type: "DummyData" top: "t5" include { max_level: 1 } dummy_data_param { shape { dim: 1 } } }
        layer { name: "deploy" type: "DummyData" top: "t6" include { stage: "deploy" } dummy_data_param { shape { dim: 1 } } }
        layer { name: "not_deploy" type: "DummyData" top: "t7" include { not_stage: "deploy" } dummy_data_param { shape { dim: 1 } } }
        layer { name: "deploy_and_fast" type: "DummyData" top: "t8" include { stage: "deploy" stage: "fast" } dummy_data_param { shape { dim: 1 } } }
        layer { name: "test_or_fast" type: "DummyData" top: "t9" include { phase: TEST } include { stage: "fast" } dummy_data_param { shape { dim: 1 } } }
        layer { name: "train_level_1" type: "DummyData" top: "t10" include { phase: TRAIN min_level: 1 } dummy_data_param { shape { dim: 1 } } }
        """;

    private static string[] LayersFor(Phase phase, int level = 0, params string[] stages)
    {
        var state = new NetState { Phase = phase, Level = level };
        state.Stage.AddRange(stages);
        return [.. TestNets.Build(TestNets.Parse(Rules), state).Layers.Select(l => l.Name)];
    }

    [Test]
    public void Train_at_level_0_without_stages()
    {
        Assert.That(LayersFor(Phase.Train), Is.EqualTo(new[] { "always", "train_only", "level_1_down", "not_deploy" }));
    }

    [Test]
    public void Test_at_level_0_without_stages()
    {
        Assert.That(LayersFor(Phase.Test), Is.EqualTo(new[] { "always", "test_only", "not_train", "level_1_down", "not_deploy", "test_or_fast" }));
    }

    [Test]
    public void Levels_select_by_min_level_and_max_level()
    {
        Assert.That(LayersFor(Phase.Train, 1), Is.EqualTo(new[] { "always", "train_only", "level_1_down", "not_deploy", "train_level_1" }));
        Assert.That(LayersFor(Phase.Train, 2), Is.EqualTo(new[] { "always", "train_only", "level_2_up", "not_deploy", "train_level_1" }));
    }

    [Test]
    public void Stages_select_by_stage_and_not_stage()
    {
        Assert.That(LayersFor(Phase.Train, 0, "deploy"), Is.EqualTo(new[] { "always", "train_only", "level_1_down", "deploy" }));
        Assert.That(LayersFor(Phase.Train, 0, "fast"), Is.EqualTo(new[] { "always", "train_only", "level_1_down", "not_deploy", "test_or_fast" }));
        Assert.That(LayersFor(Phase.Train, 0, "deploy", "fast"), Is.EqualTo(new[] { "always", "train_only", "level_1_down", "deploy", "deploy_and_fast", "test_or_fast" }));
    }

    [Test]
    public void The_net_state_of_the_model_file_is_the_default()
    {
        var parameter = TestNets.Parse("state { phase: TEST stage: \"deploy\" }\n" + Rules);

        var net = new Net(parameter.Message, TestNets.Factory, new NetOptions { Source = parameter.Source });

        Assert.That(net.Phase, Is.EqualTo(Phase.Test));
        Assert.That(net.Layers.Select(l => l.Name), Does.Contain("deploy").And.Contain("test_only").And.Not.Contain("train_only"));
    }

    [Test]
    public void A_layer_sees_the_phase_of_the_net()
    {
        var net = TestNets.Build(Rules, Phase.Test);

        Assert.That(net.Layers.Select(l => l.Phase), Is.All.EqualTo(Phase.Test));
        Assert.That(net.Layers.Select(l => l.Parameter.Phase), Is.All.EqualTo(Phase.Test));
    }

    [Test]
    public void Giving_both_include_and_exclude_is_an_error_at_the_layer()
    {
        var text = """
            layer { name: "always" type: "DummyData" top: "always" dummy_data_param { shape { dim: 1 } } }
              layer { name: "both" type: "DummyData" top: "b" include { phase: TRAIN } exclude { phase: TEST } }
            """;

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,3): layer 'both' (DummyData) has both include and exclude rules; give only one kind"));
        Assert.That(error.Position?.Line, Is.EqualTo(2));
    }
}
