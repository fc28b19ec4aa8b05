namespace LayerNet.Plugins;

/// <summary>One registered solver type: the <c>type</c> string of a solver file, the class, and where it comes from.</summary>
/// <param name="TypeName">The solver file's <c>type</c>, e.g. "SGD".</param>
/// <param name="Implementation">The solver class; it derives from <see cref="Solvers.Solver"/>.</param>
/// <param name="Source">Where the registration came from: "built in" or a plugin's path.</param>
public sealed record SolverRegistration(string TypeName, Type Implementation, string Source);
