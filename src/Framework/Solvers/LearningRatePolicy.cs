using Caffe;
using LayerNet.Errors;

namespace LayerNet.Solvers;

/// <summary>
/// Caffe's learning-rate policies. With base_lr, gamma, power, stepsize, stepvalue and max_iter from the
/// solver file and iter the current iteration:
/// <list type="bullet">
/// <item><c>fixed</c>: base_lr</item>
/// <item><c>step</c>: base_lr * gamma ^ floor(iter / stepsize)</item>
/// <item><c>exp</c>: base_lr * gamma ^ iter</item>
/// <item><c>inv</c>: base_lr * (1 + gamma * iter) ^ (-power)</item>
/// <item><c>multistep</c>: base_lr * gamma ^ (number of stepvalues reached)</item>
/// <item><c>poly</c>: base_lr * (1 - iter / max_iter) ^ power</item>
/// <item><c>sigmoid</c>: base_lr / (1 + exp(-gamma * (iter - stepsize)))</item>
/// </list>
/// Each is evaluated in the precision Caffe's <c>SGDSolver&lt;float&gt;::GetLearningRate</c> uses, so the rate
/// is Caffe's to the bit: base_lr, gamma and power are float fields; <c>inv</c>, <c>poly</c> and
/// <c>sigmoid</c> are float throughout (float arithmetic, <c>pow(float, float)</c> and <c>exp(float)</c>,
/// i.e. powf and expf); <c>step</c>, <c>exp</c> and <c>multistep</c> call <c>pow(float, int)</c>, which C++11
/// evaluates in double, and round the product to float once.
/// </summary>
internal static class LearningRatePolicy
{
    /// <summary>The policies Caffe knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];

    /// <summary>Checks the policy name and the fields it needs, before training starts.</summary>
    public static void Validate(SolverParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var policy = parameter.LrPolicy;
        if (policy.Length == 0)
        {
            // Caffe's lr_policy has no default; say it is missing rather than quoting an empty name.
            throw new LayerNetException($"the solver gives no lr_policy; add one of: {string.Join(", ", Names)} (e.g. lr_policy: \"fixed\")");
        }

        if (!Names.Contains(policy))
        {
            var nearest = NearestName.Find(policy, Names);
            throw new LayerNetException(
                $"unknown lr_policy '{policy}'{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Known policies: {string.Join(", ", Names)}");
        }

        if (policy == "step" && parameter.Stepsize <= 0)
        {
            throw new LayerNetException("lr_policy 'step' needs a positive stepsize");
        }

        for (var i = 1; i < parameter.Stepvalue.Count; i++)
        {
            if (parameter.Stepvalue[i] <= parameter.Stepvalue[i - 1])
            {
                throw new LayerNetException($"lr_policy 'multistep': stepvalue must increase, but {parameter.Stepvalue[i]} follows {parameter.Stepvalue[i - 1]}");
            }
        }
    }

    /// <summary>
    /// The learning rate at <paramref name="iteration"/>. <paramref name="currentStep"/> is the solver's step
    /// counter (saved in snapshots): <c>step</c> sets it, <c>multistep</c> advances it.
    /// </summary>
    public static float Rate(SolverParameter parameter, int iteration, ref int currentStep)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        double baseLr = parameter.BaseLr;
        double gamma = parameter.Gamma;
        switch (parameter.LrPolicy)
        {
            case "fixed":
                return (float)baseLr;
            case "step":
                currentStep = iteration / parameter.Stepsize;
                return (float)(baseLr * Math.Pow(gamma, currentStep));
            case "exp":
                return (float)(baseLr * Math.Pow(gamma, iteration));
            case "inv":
                // Dtype(1) + gamma * iter: float times int is float.
                return parameter.BaseLr * MathF.Pow(1f + (parameter.Gamma * iteration), -parameter.Power);
            case "multistep":
                if (currentStep < parameter.Stepvalue.Count && iteration >= parameter.Stepvalue[currentStep])
                {
                    currentStep++;
                }

                return (float)(baseLr * Math.Pow(gamma, currentStep));
            case "poly":
                return parameter.BaseLr * MathF.Pow(1f - ((float)iteration / parameter.MaxIter), parameter.Power);
            case "sigmoid":
                return parameter.BaseLr * (1f / (1f + MathF.Exp(-parameter.Gamma * ((float)iteration - parameter.Stepsize))));
            default:
                Validate(parameter);
                return 0f;
        }
    }
}
