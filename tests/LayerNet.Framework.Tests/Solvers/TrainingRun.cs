using System.Globalization;
using System.Text.RegularExpressions;
using Caffe;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Solvers;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>Creates solvers the way the runner does, and reads back what their log says.</summary>
internal static partial class TrainingRun
{
    private static readonly Lazy<SolverFactory> Factory = new(() =>
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddStandardLayers();
        return services.BuildServiceProvider().GetRequiredService<SolverFactory>();
    });

    internal static readonly Lazy<ParameterExtensions> Schema = new(() =>
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddStandardLayers();
        return services.BuildServiceProvider().GetRequiredService<ParameterExtensions>();
    });

    /// <summary>The factory over the standard layers and solvers.</summary>
    public static SolverFactory Solvers => Factory.Value;

    /// <summary>Reads a solver prototxt, with where its messages are (for errors and for the folder of nets written in it).</summary>
    public static TextDocument<SolverParameter> ReadSolver(string path) =>
        ParameterExtensions.None.Reader.ParseDocument<SolverParameter>(File.ReadAllText(path), path);

    /// <summary>Parses solver prototxt text as if it were the file <paramref name="path"/>.</summary>
    public static SolverParameter ParseSolver(string text, string path = "solver.prototxt") =>
        ParameterExtensions.None.Reader.Parse<SolverParameter>(text, path);

    /// <summary>Parses net prototxt text as if it were the file <paramref name="path"/>.</summary>
    public static NetParameter ParseNet(string text, string path = "net.prototxt") =>
        ParameterExtensions.None.Reader.Parse<NetParameter>(text, path);

    /// <summary>Creates the solver a parameter describes, logging into <paramref name="log"/> when given.</summary>
    public static Solver Create(SolverParameter parameter, string? solverFile = null, TextWriter? log = null) =>
        Solvers.Create(parameter, new SolverOptions { SolverFile = solverFile, Log = new TrainingLog(log), Schema = Schema.Value });

    /// <summary>Creates the solver a solver file describes, its errors pointing into the file.</summary>
    public static Solver Create(TextDocument<SolverParameter> solver, string? solverFile = null, TextWriter? log = null) =>
        Solvers.Create(solver.Message, new SolverOptions { SolverFile = solverFile, Log = new TrainingLog(log), Schema = Schema.Value, Source = solver.Source });

    /// <summary>
    /// The training losses a log shows, in order, as (iteration, loss text): the lines
    /// "Iteration N (r iter/s, ts/k iters), loss = L" and the final "Iteration N, loss = L".
    /// </summary>
    public static IReadOnlyList<(int Iteration, string Loss)> LossLines(string log)
    {
        var lines = new List<(int, string)>();
        foreach (Match match in LossLine().Matches(log))
        {
            lines.Add((int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value));
        }

        return lines;
    }

    /// <summary>Parses a number as Caffe's log prints it.</summary>
    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"solver\] Iteration (\d+)(?: \([^)]*\))?, loss = (\S+)\r?$", RegexOptions.Multiline)]
    private static partial Regex LossLine();
}
