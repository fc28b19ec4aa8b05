namespace LayerNet.Plugins;

/// <summary>One registered solver type; its <see cref="Registration.Implementation"/> derives from <see cref="Solvers.Solver"/>.</summary>
public sealed class SolverRegistration : Registration
{
    internal SolverRegistration(string typeName, Type implementation, string source)
        : base(typeName, implementation, source)
    {
    }
}
