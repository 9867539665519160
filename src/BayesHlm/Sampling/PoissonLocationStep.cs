using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// The location effects of a Poisson model (log link), which has no Gaussian augmentation: each group's u_g given the
/// rest, then β given u, each by an independence Metropolis–Hastings step whose proposal is the Laplace approximation
/// of its conditional (Newton to the mode from the current value, then N(mode, H⁻¹) with H the Hessian there), or,
/// half the time, a random walk with that covariance scaled by 2.38²/n; then
/// the intercept shift (<see cref="InterceptShift"/>), exact for any likelihood. A group's step reads only its rows,
/// so a sweep costs O(N·q²) and its acceptance does not fall as groups are added. One per chain.
/// </summary>
internal sealed class PoissonLocationStep : IChainStep
{
    private const int NewtonSteps = 6;
    private readonly SufficientStatistics _s;
    private readonly GlmmRows _rows;
    private readonly int[][][] _rowsOf;   // per level, per group: its rows
    private readonly double[] _eta;
    private readonly double[][] _lambdas;
    private long _proposed, _accepted;

    public PoissonLocationStep(SufficientStatistics s)
    {
        _s = s;
        _rows = s.Rows ?? throw new ArgumentException("A Poisson model's statistics keep its rows.", nameof(s));
        _rowsOf = s.Levels.Select((_, k) => _rows.RowsOfGroup(k)).ToArray();
        _eta = new double[_rows.N];
        _lambdas = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
    }

    public double AcceptanceRate => _proposed == 0 ? double.NaN : _accepted / (double)_proposed;

    public void Update(ChainState state, Random rng, bool adapting)
    {
        _rows.FixedPart(state.Beta, _eta);
        _rows.AddRandomPart(state.U, _eta);
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int q = _s.Levels[k].Size;
            if (Dense.TryInverse(state.Sigma[k], q) is not { } precision) continue;
            var z = _rows.Z[k];
            for (int g = 0; g < _rowsOf[k].Length; g++)
            {
                var rows = _rowsOf[k][g];
                var u = state.U[k].AsSpan(g * q, q).ToArray();
                // Coordinates d = u_new − u: the rows' η moves by z_i·d; the prior term −½uᵀΣ⁻¹u.
                Step(q, rng, u, d => Prior(precision, q, u, d), z, rows);
                u.CopyTo(state.U[k].AsSpan(g * q, q));
            }
        }
        // β given u: the prior N(m, P⁻¹) in the statistics' coordinates.
        var fixedPrior = state.FixedPrior;
        int p = _s.P;
        Step(p, rng, state.Beta, d => FixedPriorLog(fixedPrior, p, state.Beta, d), _rows.X, null);
        for (int k = 0; k < _lambdas.Length; k++)
        {
            int q = _s.Levels[k].Size;
            Array.Copy(state.Sigma[k], _lambdas[k], q * q);
            if (!Dense.SemiDefiniteCholeskyInPlace(_lambdas[k], q)) return;
        }
        InterceptShift.Apply(_s, _lambdas, -1, fixedPrior, 1, rng, state.Beta, state.U);
    }

    private static double Dot(double[][] columns, int i, ReadOnlySpan<double> d)
    {
        double sum = 0;
        for (int a = 0; a < d.Length; a++) sum += columns[a][i] * d[a];
        return sum;
    }

    /// <summary>−½(u + d)ᵀΣ⁻¹(u + d) and its gradient and Hessian in d.</summary>
    private static (double Value, double[] Gradient, double[] Hessian) Prior(double[] precision, int q, double[] u, double[] d)
    {
        var v = new double[q];
        for (int a = 0; a < q; a++) v[a] = u[a] + d[a];
        var gradient = new double[q];
        double value = 0;
        for (int a = 0; a < q; a++)
        {
            double sum = 0;
            for (int c = 0; c < q; c++) sum += precision[a * q + c] * v[c];
            gradient[a] = -sum;
            value -= 0.5 * v[a] * sum;
        }
        return (value, gradient, precision.Select(x => -x).ToArray());
    }

    /// <summary>log N(β + d; m, P⁻¹) up to a constant, with gradient and Hessian in d.</summary>
    private static (double Value, double[] Gradient, double[] Hessian) FixedPriorLog(FixedEffectPrior prior, int p, double[] beta, double[] d)
    {
        var v = new double[p];
        for (int a = 0; a < p; a++) v[a] = beta[a] + d[a];
        var gradient = new double[p];
        double value = 0;
        for (int a = 0; a < p; a++)
        {
            double pv = 0;
            for (int c = 0; c < p; c++) pv += prior.Precision[a * p + c] * v[c];
            gradient[a] = prior.PrecisionTimesMean[a] - pv;
            value += v[a] * (prior.PrecisionTimesMean[a] - 0.5 * pv);
        }
        return (value, gradient, prior.Precision.Select(x => -x).ToArray());
    }

    /// <summary>
    /// One MH step of a block x (length n) whose rows' η move by Σ_a <paramref name="columns"/>[a][i]·d_a when x moves by d
    /// (<paramref name="rows"/> null: every row). Newton from d = 0 to the conditional's mode, then a proposal from
    /// N(mode, H⁻¹) or a walk with that covariance, accepted with π(x')q(x)/π(x)q(x'); x and η updated in place on acceptance.
    /// </summary>
    private void Step(int n, Random rng, double[] x, Func<double[], (double Value, double[] Gradient, double[] Hessian)> prior,
        double[][] columns, int[]? rows)
    {
        double Move(double[] d, int i) => Dot(columns, i, d);
        var y = _rows.Y;
        int count = rows?.Length ?? _rows.N;
        int Row(int t) => rows is null ? t : rows[t];
        // log π(d) = Σ_i [y_i(η_i + m_i(d)) − exp(η_i + m_i(d))] + prior(d), with its gradient and Hessian.
        (double Value, double[] Gradient, double[] Hessian) Target(double[] d)
        {
            var (value, gradient, hessian) = prior(d);
            for (int t = 0; t < count; t++)
            {
                int i = Row(t);
                double e = _eta[i] + Move(d, i), mu = Math.Exp(e);
                value += y[i] * e - mu;
                for (int a = 0; a < n; a++)
                {
                    double za = columns[a][i];
                    gradient[a] += (y[i] - mu) * za;
                    for (int c = 0; c <= a; c++) hessian[a * n + c] -= mu * za * columns[c][i];
                }
            }
            for (int a = 0; a < n; a++) for (int c = 0; c < a; c++) hessian[c * n + a] = hessian[a * n + c];
            return (value, gradient, hessian);
        }

        var mode = new double[n];
        var l = new double[n * n];
        for (int it = 0; it < NewtonSteps; it++)
        {
            var (_, g, h) = Target(mode);
            for (int a = 0; a < n * n; a++) l[a] = -h[a];
            if (!Dense.CholeskyInPlace(l, n)) return;
            var step = (double[])g.Clone();
            Dense.ForwardSolve(l, n, step, 0, 1);
            Dense.BackSolve(l, n, step, 0, 1);
            for (int a = 0; a < n; a++) mode[a] += step[a];
        }
        var (_, _, hm) = Target(mode);
        for (int a = 0; a < n * n; a++) l[a] = -hm[a];
        if (!Dense.CholeskyInPlace(l, n)) return;
        // Half the steps propose independently from N(mode, H⁻¹); half walk from the current point with a step of
        // covariance (2.38²/n)H⁻¹. Neither proposal depends on the current value (the mode and H are the conditional's,
        // given the other blocks), so each leaves π invariant; the walk gets the chain out of a tail the Gaussian
        // proposal reaches too rarely (a far start, where π/q is huge), the independent proposal mixes fast near the mode.
        bool independent = rng.NextDouble() < 0.5;
        var noise = new double[n];
        for (int a = 0; a < n; a++) noise[a] = rng.NextStandardNormal();
        var proposal = (double[])noise.Clone();
        Dense.BackSolve(l, n, proposal, 0, 1);
        double walk = 2.38 / Math.Sqrt(n);
        for (int a = 0; a < n; a++) proposal[a] = independent ? mode[a] + proposal[a] : walk * proposal[a];
        var current = new double[n];
        double logQProposal = 0, logQCurrent = 0;
        if (independent)
        {
            // log q(d) = −½(d − mode)ᵀLLᵀ(d − mode): −½‖z‖² at the proposal, −½‖Lᵀ(0 − mode)‖² at the current point.
            for (int a = 0; a < n; a++) logQProposal -= 0.5 * noise[a] * noise[a];
            for (int a = 0; a < n; a++)
            {
                double sum = 0;
                for (int c = a; c < n; c++) sum -= l[c * n + a] * mode[c];
                logQCurrent -= 0.5 * sum * sum;
            }
        }
        double logRatio = Target(proposal).Value - Target(current).Value + logQCurrent - logQProposal;
        _proposed++;
        if (!(Math.Log(rng.NextDouble()) < logRatio)) return;
        _accepted++;
        for (int t = 0; t < count; t++)
        {
            int i = Row(t);
            _eta[i] += Move(proposal, i);
        }
        for (int a = 0; a < n; a++) x[a] += proposal[a];
    }
}
