using Caffe;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// An independent, double-precision model of Caffe's solvers on the least-squares problem of Caffe's
/// test_gradient_based_solver: prediction P = X W^T + b, loss E = |P - Y|^2 / (2N), so
/// dE/dW = (P - Y)^T X / N and dE/db = sum over rows of (P - Y) / N. Each <see cref="Step"/> is one Caffe
/// iteration: learning rate by policy; clip by the global L2 norm; weight decay (L2: decay * w, L1:
/// decay * sign(w), decay = weight_decay * decay_mult); the update rule with rate * lr_mult; w -= step.
/// </summary>
internal sealed class LeastSquaresReference
{
    private readonly SolverParameter _solver;
    private readonly double[,] _x;
    private readonly double[,] _y;
    private readonly double[][] _history;
    private readonly double[][] _history2;
    private readonly (double LrMult, double DecayMult)[] _multipliers;
    private int _currentStep;

    /// <param name="solver">The solver settings (type, base_lr, lr_policy and its fields, momentum, delta, ...).</param>
    /// <param name="x">The N x D inputs.</param>
    /// <param name="y">The N x O targets.</param>
    /// <param name="weights">W, O x D row-major.</param>
    /// <param name="bias">b, O values.</param>
    /// <param name="multipliers">(lr_mult, decay_mult) of W and of b.</param>
    public LeastSquaresReference(SolverParameter solver, double[,] x, double[,] y, double[] weights, double[] bias, (double LrMult, double DecayMult)[] multipliers)
    {
        _solver = solver;
        _x = x;
        _y = y;
        Parameters = [(double[])weights.Clone(), (double[])bias.Clone()];
        _history = [new double[weights.Length], new double[bias.Length]];
        _history2 = [new double[weights.Length], new double[bias.Length]];
        _multipliers = multipliers;
    }

    /// <summary>W then b, after the steps so far.</summary>
    public double[][] Parameters { get; }

    /// <summary>The iterations done.</summary>
    public int Iteration { get; private set; }

    /// <summary>The L2 norm of the gradient at each iteration, before clipping.</summary>
    public IList<double> GradientNorms { get; } = [];

    /// <summary>The loss E at the current parameters.</summary>
    public double Loss()
    {
        var residual = Residual();
        var sum = 0.0;
        foreach (var r in residual)
        {
            sum += r * r;
        }

        return sum / (2 * _x.GetLength(0));
    }

    /// <summary>Caffe's learning rate at <paramref name="iteration"/>, written from the policies' definitions.</summary>
    public static double Rate(SolverParameter solver, int iteration, ref int currentStep)
    {
        double baseLr = solver.BaseLr;
        double gamma = solver.Gamma;
        double power = solver.Power;
        switch (solver.LrPolicy)
        {
            case "fixed":
                return baseLr;
            case "step":
                currentStep = iteration / solver.Stepsize;
                return baseLr * Math.Pow(gamma, currentStep);
            case "exp":
                return baseLr * Math.Pow(gamma, iteration);
            case "inv":
                return baseLr * Math.Pow(1 + (gamma * iteration), -power);
            case "multistep":
                // Caffe advances at most one step per iteration.
                if (currentStep < solver.Stepvalue.Count && iteration >= solver.Stepvalue[currentStep])
                {
                    currentStep++;
                }

                return baseLr * Math.Pow(gamma, currentStep);
            case "poly":
                return baseLr * Math.Pow(1 - ((double)iteration / solver.MaxIter), power);
            case "sigmoid":
                return baseLr / (1 + Math.Exp(-gamma * (iteration - solver.Stepsize)));
            default:
                throw new ArgumentException($"no reference for lr_policy '{solver.LrPolicy}'", nameof(solver));
        }
    }

    /// <summary>One training iteration.</summary>
    public void Step()
    {
        var rate = Rate(_solver, Iteration, ref _currentStep);
        var gradients = Gradients();
        var norm = Math.Sqrt(gradients.Sum(g => g.Sum(v => v * v)));
        GradientNorms.Add(norm);
        double clip = _solver.ClipGradients;
        if (clip >= 0 && norm > clip)
        {
            foreach (var g in gradients)
            {
                for (var i = 0; i < g.Length; i++)
                {
                    g[i] *= clip / norm;
                }
            }
        }

        for (var p = 0; p < Parameters.Length; p++)
        {
            var w = Parameters[p];
            var g = gradients[p];
            var decay = (double)_solver.WeightDecay * _multipliers[p].DecayMult;
            for (var i = 0; i < w.Length; i++)
            {
                g[i] += decay * (_solver.RegularizationType == "L1" ? Math.Sign(w[i]) : w[i]);
                w[i] -= Update(p, i, g[i], rate * _multipliers[p].LrMult);
            }
        }

        Iteration++;
    }

    private double Update(int p, int i, double g, double rate)
    {
        double momentum = _solver.Momentum;
        double delta = _solver.Delta;
        ref var h = ref _history[p][i];
        ref var s = ref _history2[p][i];
        switch (_solver.Type)
        {
            case "SGD":
                h = (momentum * h) + (rate * g);
                return h;
            case "Nesterov":
                var previous = h;
                h = (momentum * h) + (rate * g);
                return ((1 + momentum) * h) - (momentum * previous);
            case "AdaGrad":
                h += g * g;
                return rate * g / (Math.Sqrt(h) + delta);
            case "RMSProp":
                double decay = _solver.RmsDecay;
                h = (decay * h) + ((1 - decay) * g * g);
                return rate * g / (Math.Sqrt(h) + delta);
            case "AdaDelta":
                h = (momentum * h) + ((1 - momentum) * g * g);
                var u = g * Math.Sqrt((s + delta) / (h + delta));
                s = (momentum * s) + ((1 - momentum) * u * u);
                return rate * u;
            case "Adam":
                double beta2 = _solver.Momentum2;
                var t = Iteration + 1;
                h = (momentum * h) + ((1 - momentum) * g);
                s = (beta2 * s) + ((1 - beta2) * g * g);
                return rate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(momentum, t)) * h / (Math.Sqrt(s) + delta);
            default:
                throw new InvalidOperationException($"no reference for solver type '{_solver.Type}'");
        }
    }

    private double[,] Residual()
    {
        var n = _x.GetLength(0);
        var d = _x.GetLength(1);
        var o = _y.GetLength(1);
        var (w, b) = (Parameters[0], Parameters[1]);
        var residual = new double[n, o];
        for (var row = 0; row < n; row++)
        {
            for (var k = 0; k < o; k++)
            {
                var prediction = b[k];
                for (var j = 0; j < d; j++)
                {
                    prediction += _x[row, j] * w[(k * d) + j];
                }

                residual[row, k] = prediction - _y[row, k];
            }
        }

        return residual;
    }

    private double[][] Gradients()
    {
        var n = _x.GetLength(0);
        var d = _x.GetLength(1);
        var o = _y.GetLength(1);
        var residual = Residual();
        var gw = new double[o * d];
        var gb = new double[o];
        for (var row = 0; row < n; row++)
        {
            for (var k = 0; k < o; k++)
            {
                gb[k] += residual[row, k] / n;
                for (var j = 0; j < d; j++)
                {
                    gw[(k * d) + j] += residual[row, k] * _x[row, j] / n;
                }
            }
        }

        // Caffe computes no gradient for a parameter with lr_mult 0.
        return [_multipliers[0].LrMult == 0 ? new double[gw.Length] : gw, _multipliers[1].LrMult == 0 ? new double[gb.Length] : gb];
    }
}
