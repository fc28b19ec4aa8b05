using System.CommandLine;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet layers</c>: every registered layer type (and solver type), one per line, with where it comes from.</summary>
internal static class LayersCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var solvers = new Option<bool>("--solvers") { Description = "List the solver types instead." };
        var command = new Command("layers", """
            List every registered layer type and where it comes from (built in, or a plugin's path).

            Examples:
              layernet layers
              layernet layers --plugin samples/plugins/Softplus/bin/Debug/net10.0/LayerNet.Samples.Softplus.dll
              layernet layers --solvers
            """)
        {
            solvers,
        };
        command.SetAction(result =>
        {
            using var services = environment.BuildServices(result);
            var rows = result.GetValue(solvers)
                ? services.GetRequiredService<SolverFactory>().Registrations.Select(r => (r.TypeName, r.Source))
                : RunnerEnvironment.Factory(services).Registrations.Select(r => (r.TypeName, r.Source));
            var list = rows.ToList();
            var width = list.Count == 0 ? 0 : list.Max(r => r.TypeName.Length);
            foreach (var (name, source) in list)
            {
                environment.Output.WriteLine($"{name.PadRight(width)}  {source}");
            }

            return 0;
        });
        return command;
    }
}
