using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Solvers;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Gpu.Tests;

/// <summary>
/// A small training run for the solver tests: DummyData (odd sizes, 7 items) through InnerProduct, ReLU in place,
/// InnerProduct, Sigmoid, InnerProduct and EuclideanLoss, with per-parameter lr_mult and decay_mult, built by the
/// standard solver factory with or without the device.
/// </summary>
internal static class SolverRun
{
    /// <summary>The net: its first weight (11 x 300) is larger than the device's partial sums of squares, so each sums several elements.</summary>
    public const string Net = """
        name: "solver_net"
        layer {
          name: "data" type: "DummyData" top: "x" top: "y"
          dummy_data_param {
            shape { dim: 7 dim: 300 } shape { dim: 7 dim: 5 }
            data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" min: -1 max: 1 }
          }
        }
        layer {
          name: "fc1" type: "InnerProduct" bottom: "x" top: "h1"
          param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
          inner_product_param { num_output: 11 weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "uniform" min: -0.2 max: 0.2 } }
        }
        layer { name: "relu" type: "ReLU" bottom: "h1" top: "h1" relu_param { negative_slope: 0.1 } }
        layer {
          name: "fc2" type: "InnerProduct" bottom: "h1" top: "h2"
          param { lr_mult: 0.5 decay_mult: 2 }
          inner_product_param { num_output: 9 bias_term: false weight_filler { type: "gaussian" std: 0.4 } }
        }
        layer { name: "sig" type: "Sigmoid" bottom: "h2" top: "g" }
        layer {
          name: "fc3" type: "InnerProduct" bottom: "g" top: "h3"
          inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "constant" value: 0.1 } }
        }
        layer { name: "loss" type: "EuclideanLoss" bottom: "h3" bottom: "y" top: "loss" }
        """;

    private static readonly Lazy<ServiceProvider> Services = new(() => new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider());

    /// <summary>The solver file for <paramref name="rule"/> (type and its own settings) with <paramref name="extra"/> settings, the net inside.</summary>
    public static SolverParameter Parameter(string rule, string extra, string? snapshotPrefix = null)
    {
        var prefix = snapshotPrefix is null ? string.Empty : $"snapshot_prefix: \"{snapshotPrefix}\"\n";
        var text = string.Create(CultureInfo.InvariantCulture, $"{rule}\n{extra}\nlr_policy: \"step\" gamma: 0.5 stepsize: 3\nmax_iter: 100\ndisplay: 0\nrandom_seed: 1701\nsnapshot_after_train: false\n{prefix}net_param {{\n{Net}\n}}\n");
        return Services.Value.GetRequiredService<PrototxtReader>().Parse<SolverParameter>(text, "solver.prototxt");
    }

    /// <summary>The solver the factory makes for <paramref name="parameter"/>, on <paramref name="device"/> (null: the CPU alone).</summary>
    public static Solver Create(SolverParameter parameter, Devices.IDevice? device, TextWriter? log = null) =>
        Services.Value.GetRequiredService<SolverFactory>().Create(parameter.Clone(), Options(device, log));

    /// <summary>The options a solver runs with here.</summary>
    public static SolverOptions Options(Devices.IDevice? device, TextWriter? log = null) =>
        new() { Schema = Services.Value.GetRequiredService<ParameterExtensions>(), Device = device, Log = new TrainingLog(log) };

    /// <summary>The layer factory of the standard layers.</summary>
    public static LayerFactory Layers => Services.Value.GetRequiredService<LayerFactory>();

    /// <summary>The solver's history blobs (momentum and the rules' running averages), which the solver keeps to itself.</summary>
    public static IReadOnlyList<Blob> History(Solver solver) =>
        (IReadOnlyList<Blob>)typeof(Solver).GetProperty("History", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(solver)!;

    /// <summary>
    /// The host array behind a blob's memory as it is, without bringing the device's values home (SyncedMemory.HostArray,
    /// internal to the framework).
    /// </summary>
    public static float[] HostArray(SyncedMemory memory) =>
        (float[])typeof(SyncedMemory).GetProperty("HostArray", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(memory)!;

    /// <summary>
    /// Asserts that <paramref name="actual"/> equals <paramref name="expected"/> within 1e-5 of the blob's largest
    /// magnitude (float rounding of sums taken in another order, carried through a few updates).
    /// </summary>
    public static void AssertClose(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var scale = expected.Select(Math.Abs).DefaultIfEmpty(0f).Max();
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs((double)actual[i] - expected[i]);
            if (!(difference <= worst))
            {
                worst = difference;
                at = i;
            }
        }

        Assert.That(worst, Is.LessThanOrEqualTo(1e-5 * scale), $"{what}: worst at [{at}]: {(at >= 0 ? actual[at] : 0)} against {(at >= 0 ? expected[at] : 0)}");
    }
}
