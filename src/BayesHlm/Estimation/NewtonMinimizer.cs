using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// Damped Newton minimisation of a smooth, unconstrained function of a few variables, with central
/// finite-difference gradient and Hessian. The profiled REML/ML criterion has a handful
/// of parameters and costs microseconds to evaluate, so exact second-order steps are cheap and
/// converge in a few iterations to full precision.
/// </summary>
internal static class NewtonMinimizer
{
    public sealed record Result(double[] X, int Iterations, bool Converged);

    /// <summary>Minimises <paramref name="f"/> from <paramref name="x0"/>; with <paramref name="polish"/>, finished by
    /// the Richardson steps (about 1e-10 in x), else left where the plain Newton steps stop (about 1e-6).</summary>
    /// <param name="f">The function.</param>
    /// <param name="x0">The start.</param>
    /// <param name="maxIterations">At most this many Newton steps.</param>
    /// <param name="polish">Finish with the Richardson steps.</param>
    /// <param name="batch">When given, evaluates the points a derivative needs all at once (in parallel, where one
    /// evaluation is dear); the values must be <paramref name="f"/>'s.</param>
    /// <param name="fewerPoints">Off-diagonal second derivatives from two points each instead of four (reusing the
    /// diagonal's), for a function whose evaluations are dear (a binomial model's Laplace likelihood).</param>
    public static Result Minimize(Func<double[], double> f, double[] x0, int maxIterations = 200, bool polish = true,
        Func<IReadOnlyList<double[]>, double[]>? batch = null, bool fewerPoints = false)
    {
        batch ??= points => points.Select(f).ToArray();
        int d = x0.Length;
        var x = (double[])x0.Clone();
        double fx = f(x);
        if (d == 0) return new Result(x, 0, true);
        var g = new double[d];
        var h = new double[d * d];
        var step = new double[d];
        var trial = new double[d];
        bool converged = false;
        int iter;
        for (iter = 1; iter <= maxIterations; iter++)
        {
            Derivatives(batch, x, fx, g, h, fewerPoints);
            if (!NewtonStep(g, h, step)) break;
            double slope = 0;
            for (int i = 0; i < d; i++) slope += g[i] * step[i];
            if (slope > 0) for (int i = 0; i < d; i++) step[i] = -g[i];
            double t = 1, fTrial = double.PositiveInfinity;
            for (int ls = 0; ls < 60; ls++)
            {
                for (int i = 0; i < d; i++) trial[i] = x[i] + t * step[i];
                fTrial = f(trial);
                if (fTrial <= fx) break;
                t *= 0.5;
            }
            if (!(fTrial <= fx)) { converged = IsStationary(g, x); break; }
            double maxMove = 0;
            for (int i = 0; i < d; i++) maxMove = Math.Max(maxMove, Math.Abs(trial[i] - x[i]) / Math.Max(1, Math.Abs(x[i])));
            double decrease = fx - fTrial;
            Array.Copy(trial, x, d);
            fx = fTrial;
            if (maxMove < 1e-10 || (decrease < 1e-12 * Math.Max(1, Math.Abs(fx)) && maxMove < 1e-7))
            {
                converged = true;
                break;
            }
        }
        if (converged && polish) Polish(f, batch, x, fx, h);
        return new Result(x, iter, converged);
    }

    /// <summary>Final Newton steps with Richardson-extrapolated derivatives: along a flat direction (a small variance)
    /// single-step differences leave the optimum a few 1e-6 out, and fits of the same data in another row order or by
    /// EM would then differ in the 6th digit; these steps bring θ to about 1e-10. Near the optimum the criterion's
    /// differences are at rounding level, so a step is kept unless it raises the criterion beyond that; where the
    /// Hessian is off along the step (the gradient's sign flips along it), the point moves back to where the gradient
    /// along the step vanishes (a secant), so the steps do not oscillate about the optimum.</summary>
    private static void Polish(Func<double[], double> f, Func<IReadOnlyList<double[]>, double[]> batch, double[] x, double fx, double[] h)
    {
        int d = x.Length;
        var step = new double[d];
        var trial = new double[d];
        var accurate = NumericalDerivatives.Hessian(batch, x);
        // The extrapolated Hessian unless it is unusable (not finite), then the search's own.
        if (NewtonStep(new double[d], accurate, step)) h = accurate;
        double noise = 1e-10 * Math.Max(1, Math.Abs(fx));
        double[] Gradient() => NumericalDerivatives.Jacobian(points => batch(points).Select(v => new[] { v }).ToArray(), x, smallestStep: 1e-2)
            .Select(r => r[0]).ToArray();
        var g = Gradient();
        for (int round = 0; round < 30; round++)
        {
            if (!NewtonStep(g, h, step)) break;
            double move = 0;
            for (int i = 0; i < d; i++)
            {
                trial[i] = x[i] + step[i];
                move = Math.Max(move, Math.Abs(step[i]) / Math.Max(1, Math.Abs(x[i])));
            }
            double ft = f(trial);
            // A step this small changes the criterion by about H·move², far below rounding: keep it unless f rose beyond that.
            if (!(ft <= fx || (move < 1e-6 && ft <= fx + noise))) break;
            double before = Dot(g, step);
            Array.Copy(trial, x, d);
            fx = Math.Min(fx, ft);
            if (move < 1e-12) break;
            g = Gradient();
            double after = Dot(g, step);
            if (before < 0 && after > 0)
            {
                double back = after / (after - before); // the share of the step beyond the line's minimum
                for (int i = 0; i < d; i++) x[i] -= back * step[i];
                fx = f(x);
                g = Gradient();
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static bool IsStationary(double[] g, double[] x)
    {
        for (int i = 0; i < g.Length; i++) if (Math.Abs(g[i]) > 1e-4 * Math.Max(1, Math.Abs(x[i]))) return false;
        return true;
    }

    /// <summary>Solves (H + μI) s = −g, raising μ until the matrix is positive definite.</summary>
    private static bool NewtonStep(double[] g, double[] h, double[] step)
    {
        int n = g.Length;
        Array.Clear(step);
        if (n == 0) return false;
        // A criterion that is not finite near here (its derivatives NaN) gives no step; unguarded, the damping below
        // would grow without end, since no comparison with NaN is true.
        if (!g.All(double.IsFinite) || !h.All(double.IsFinite)) return false;
        double scale = 0;
        for (int a = 0; a < n; a++) scale = Math.Max(scale, Math.Abs(h[a * n + a]));
        var a2 = new double[n * n];
        for (double mu = 0; ; mu = mu == 0 ? 1e-8 * Math.Max(scale, 1e-8) : mu * 10)
        {
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++) a2[r * n + c] = h[r * n + c] + (r == c ? mu : 0);
            if (Dense.CholeskyInPlace(a2, n))
            {
                for (int r = 0; r < n; r++) step[r] = -g[r];
                Dense.ForwardSolve(a2, n, step, 0, 1);
                Dense.BackSolve(a2, n, step, 0, 1);
                return true;
            }
            if (mu > 1e12 * Math.Max(scale, 1)) return false;
        }
    }

    /// <summary>Central differences. Stepping a diagonal θ across 0 is fine: a factor with a negative diagonal
    /// entry is a valid (mirrored) one, so the criterion is smooth through it.</summary>
    internal static void Derivatives(Func<IReadOnlyList<double[]>, double[]> f, double[] x, double fx, double[] g, double[] h, bool fewerPoints = false)
    {
        int d = x.Length;
        var step = new double[d];
        for (int i = 0; i < d; i++) step[i] = 1e-4 * Math.Max(Math.Abs(x[i]), 0.05);
        double[] At(int i, double by) => NumericalDerivatives.Moved(x, i, by);
        double[] AtBoth(int i, double byI, int j, double byJ) => NumericalDerivatives.Moved(At(i, byI), j, byJ);
        var points = new List<double[]>();
        for (int i = 0; i < d; i++)
        {
            points.Add(At(i, step[i]));
            points.Add(At(i, -step[i]));
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < i; j++)
            {
                points.Add(AtBoth(i, step[i], j, step[j]));
                points.Add(AtBoth(i, -step[i], j, -step[j]));
                if (fewerPoints) continue;
                points.Add(AtBoth(i, step[i], j, -step[j]));
                points.Add(AtBoth(i, -step[i], j, step[j]));
            }
        var values = f(points);
        int at = 0;
        for (int i = 0; i < d; i++)
        {
            double plus = values[at++], minus = values[at++];
            g[i] = (plus - minus) / (2 * step[i]);
            h[i * d + i] = (plus - 2 * fx + minus) / (step[i] * step[i]);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < i; j++)
            {
                double pp = values[at++], mm = values[at++];
                // Two points: [f(+i+j) + f(−i−j) − f(±i) − f(±j) + 2f₀]/(2h_ih_j), the diagonal's points reused.
                double v = fewerPoints
                    ? (pp + mm - values[2 * i] - values[2 * i + 1] - values[2 * j] - values[2 * j + 1] + 2 * fx) / (2 * step[i] * step[j])
                    : (pp - values[at++] - values[at++] + mm) / (4 * step[i] * step[j]);
                h[i * d + j] = v; h[j * d + i] = v;
            }
    }
}
