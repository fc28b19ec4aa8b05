using Caffe;
using LayerNet.Errors;

namespace LayerNet.Files;

/// <summary>
/// Caffe's upgrade of old solver files (<c>UpgradeSolverAsNeeded</c>): the <c>solver_type</c> enum becomes the
/// <c>type</c> name (<c>solver_type: ADAM</c> to <c>type: "Adam"</c>); a file that gives both is refused, as Caffe
/// refuses it. A solver in the current form is left as it is.
/// </summary>
public static class SolverUpgrade
{
    /// <summary>True when the solver gives the old <c>solver_type</c> enum.</summary>
    public static bool NeedsUpgrade(SolverParameter solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        return solver.HasSolverType;
    }

    /// <summary>What is old in the solver, for a note such as "'solver.prototxt' uses the deprecated solver_type field"; null when nothing is.</summary>
    public static string? DeprecatedForm(SolverParameter solver) =>
        NeedsUpgrade(solver) ? "the deprecated solver_type field (an enum; now type, a name)" : null;

    /// <summary>The solver with <c>type</c> in place of <c>solver_type</c>; the solver itself is not changed.</summary>
    /// <param name="solver">The solver as read.</param>
    /// <param name="position">Where the solver's text began, named by the error; null when it came from no text.</param>
    /// <exception cref="LayerNetException">Both <c>solver_type</c> and <c>type</c> are given.</exception>
    public static SolverParameter Upgrade(SolverParameter solver, SourcePosition? position = null)
    {
        ArgumentNullException.ThrowIfNull(solver);
        if (solver.HasSolverType && solver.HasType)
        {
            throw LayerNetException.At(
                position,
                $"the old solver_type field (enum, {solver.SolverType.ToString().ToUpperInvariant()}) and the new type field (string, \"{solver.Type}\") cannot be both specified; give only type");
        }

        var upgraded = solver.Clone();
        if (!solver.HasSolverType)
        {
            return upgraded;
        }

        upgraded.Type = solver.SolverType switch
        {
            SolverParameter.Types.SolverType.Sgd => "SGD",
            SolverParameter.Types.SolverType.Nesterov => "Nesterov",
            SolverParameter.Types.SolverType.Adagrad => "AdaGrad",
            SolverParameter.Types.SolverType.Rmsprop => "RMSProp",
            SolverParameter.Types.SolverType.Adadelta => "AdaDelta",
            SolverParameter.Types.SolverType.Adam => "Adam",
            var unknown => throw LayerNetException.At(position, $"unknown solver_type {(int)unknown}; the known ones are SGD, NESTEROV, ADAGRAD, RMSPROP, ADADELTA and ADAM"),
        };
        upgraded.ClearSolverType();
        return upgraded;
    }
}
