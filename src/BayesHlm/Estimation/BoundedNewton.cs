using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// Damped Newton minimisation of a smooth function of a few variables, some bounded below by 0,
/// with central finite-difference gradient and Hessian. The profiled REML/ML criterion has a handful
/// of parameters and costs microseconds to evaluate, so exact second-order steps are cheap and
/// converge in a few iterations to full precision.
/// </summary>
internal static class BoundedNewton
{
    public sealed record Result(double[] X, double Value, int Iterations, bool Converged, int[] AtBound);

    public static Result Minimize(Func<double[], double> f, double[] x0, bool[] boundedAtZero, int maxIterations = 200)
    {
        int d = x0.Length;
        var x = (double[])x0.Clone();
        double fx = f(x);
        if (d == 0) return new Result(x, fx, 0, true, []);
        var g = new double[d];
        var h = new double[d * d];
        var step = new double[d];
        var trial = new double[d];
        bool converged = false;
        int iter;
        for (iter = 1; iter <= maxIterations; iter++)
        {
            Derivatives(f, x, fx, g, h);
            // Variables held at their bound: at 0 with the function rising into the feasible side.
            var free = new bool[d];
            for (int i = 0; i < d; i++) free[i] = !(boundedAtZero[i] && x[i] <= 0 && g[i] >= 0);
            if (!NewtonStep(g, h, free, step)) break;
            double slope = 0;
            for (int i = 0; i < d; i++) slope += g[i] * step[i];
            if (slope > 0) for (int i = 0; i < d; i++) { step[i] = free[i] ? -g[i] : 0; }
            double t = 1, fTrial = double.PositiveInfinity;
            for (int ls = 0; ls < 60; ls++)
            {
                for (int i = 0; i < d; i++)
                {
                    trial[i] = x[i] + t * step[i];
                    if (boundedAtZero[i] && trial[i] < 0) trial[i] = 0;
                }
                fTrial = f(trial);
                if (fTrial <= fx) break;
                t *= 0.5;
            }
            if (!(fTrial <= fx)) { converged = IsStationary(g, free, x); break; }
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
        if (converged) fx = Polish(f, x, fx, boundedAtZero, h);
        var atBound = Enumerable.Range(0, d).Where(i => boundedAtZero[i] && x[i] <= 0).ToArray();
        return new Result(x, fx, iter, converged, atBound);
    }

    /// <summary>Final Newton steps with a Richardson-extrapolated gradient: along a flat direction (a small
    /// variance) a single-step difference leaves the optimum a few 1e-6 out; this removes that.</summary>
    private static double Polish(Func<double[], double> f, double[] x, double fx, bool[] boundedAtZero, double[] h)
    {
        int d = x.Length;
        var free = Enumerable.Repeat(true, d).ToArray();
        var step = new double[d];
        var trial = new double[d];
        for (int round = 0; round < 3; round++)
        {
            var g = NumericalDerivatives.Jacobian(v => [f(v)], x).Select(r => r[0]).ToArray();
            if (!NewtonStep(g, h, free, step)) break;
            for (int i = 0; i < d; i++)
            {
                trial[i] = x[i] + step[i];
                if (boundedAtZero[i] && trial[i] < 0) trial[i] = 0;
            }
            double ft = f(trial);
            if (!(ft <= fx)) break;
            Array.Copy(trial, x, d);
            fx = ft;
        }
        return fx;
    }

    private static bool IsStationary(double[] g, bool[] free, double[] x)
    {
        for (int i = 0; i < g.Length; i++) if (free[i] && Math.Abs(g[i]) > 1e-4 * Math.Max(1, Math.Abs(x[i]))) return false;
        return true;
    }

    /// <summary>Solves (H + μI) s = −g on the free variables, raising μ until the matrix is positive definite.</summary>
    private static bool NewtonStep(double[] g, double[] h, bool[] free, double[] step)
    {
        int d = g.Length;
        var idx = Enumerable.Range(0, d).Where(i => free[i]).ToArray();
        Array.Clear(step);
        int n = idx.Length;
        if (n == 0) return false;
        double scale = 0;
        for (int a = 0; a < n; a++) scale = Math.Max(scale, Math.Abs(h[idx[a] * d + idx[a]]));
        var a2 = new double[n * n];
        for (double mu = 0; ; mu = mu == 0 ? 1e-8 * Math.Max(scale, 1e-8) : mu * 10)
        {
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++) a2[r * n + c] = h[idx[r] * d + idx[c]] + (r == c ? mu : 0);
            if (Dense.CholeskyInPlace(a2, n))
            {
                var rhs = new double[n];
                for (int r = 0; r < n; r++) rhs[r] = -g[idx[r]];
                Dense.ForwardSolve(a2, n, rhs, 0, 1);
                Dense.BackSolve(a2, n, rhs, 0, 1);
                for (int r = 0; r < n; r++) step[idx[r]] = rhs[r];
                return true;
            }
            if (mu > 1e12 * Math.Max(scale, 1)) return false;
        }
    }

    /// <summary>Central differences. Evaluating across a bound is fine here: θ on the wrong side of 0 is a
    /// valid (mirrored) factor, so the criterion is smooth through it.</summary>
    internal static void Derivatives(Func<double[], double> f, double[] x, double fx, double[] g, double[] h)
    {
        int d = x.Length;
        var step = new double[d];
        for (int i = 0; i < d; i++) step[i] = 1e-4 * Math.Max(Math.Abs(x[i]), 0.05);
        var xp = (double[])x.Clone();
        var plus = new double[d];
        var minus = new double[d];
        for (int i = 0; i < d; i++)
        {
            xp[i] = x[i] + step[i]; plus[i] = f(xp);
            xp[i] = x[i] - step[i]; minus[i] = f(xp);
            xp[i] = x[i];
            g[i] = (plus[i] - minus[i]) / (2 * step[i]);
            h[i * d + i] = (plus[i] - 2 * fx + minus[i]) / (step[i] * step[i]);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < i; j++)
            {
                xp[i] = x[i] + step[i]; xp[j] = x[j] + step[j]; double pp = f(xp);
                xp[j] = x[j] - step[j]; double pm = f(xp);
                xp[i] = x[i] - step[i]; double mm = f(xp);
                xp[j] = x[j] + step[j]; double mp = f(xp);
                xp[i] = x[i]; xp[j] = x[j];
                double v = (pp - pm - mp + mm) / (4 * step[i] * step[j]);
                h[i * d + j] = v; h[j * d + i] = v;
            }
    }
}
