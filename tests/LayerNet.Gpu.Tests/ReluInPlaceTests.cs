namespace LayerNet.Gpu.Tests;

/// <summary>
/// ReLU in place with a negative slope: its gradient needs x, which only the CPU layer keeps (in forward), so the
/// device leaves both passes to it; the gradients must be the CPU's.
/// </summary>
public sealed class ReluInPlaceTests
{
    [Test]
    public void Relu_in_place_with_a_negative_slope_gives_the_cpus_gradients()
    {
        const string net = """
            name: "relu"
            force_backward: true
            layer {
              name: "data" type: "DummyData" top: "x" top: "t"
              dummy_data_param { shape { dim: 3 dim: 5 } shape { dim: 3 dim: 5 } data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 } }
            }
            layer { name: "bias" type: "Bias" bottom: "x" top: "h" }
            layer { name: "relu" type: "ReLU" bottom: "h" top: "h" relu_param { negative_slope: -0.3 } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "t" top: "loss" }
            """;
        DeviceComparison.RunBoth(net, passes: 2);
    }
}
