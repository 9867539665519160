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
    private readonly double[][] _precision; // per level, Σ_k⁻¹ of this sweep
    private readonly double[] _factor;       // the Cholesky factor of a Σ_k on the way to its inverse
    private readonly double[] _u;            // the group's u under way
    // The block step's workspaces, sized for the largest block (β or a level's u); a step uses the first n (or n²).
    private readonly double[] _mode, _l, _newton, _noise, _proposal, _current, _gradient, _hessian, _v;
    private long _proposed, _accepted;

    public PoissonLocationStep(SufficientStatistics s)
    {
        _s = s;
        _rows = s.Rows ?? throw new ArgumentException("A Poisson model's statistics keep its rows.", nameof(s));
        _rowsOf = s.Levels.Select((_, k) => _rows.RowsOfGroup(k)).ToArray();
        _eta = new double[_rows.N];
        _lambdas = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        _precision = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        int maxQ = s.Levels.Select(l => l.Size).DefaultIfEmpty(0).Max(), n = Math.Max(s.P, maxQ);
        _factor = new double[maxQ * maxQ];
        _u = new double[maxQ];
        _mode = new double[n];
        _l = new double[n * n];
        _newton = new double[n];
        _noise = new double[n];
        _proposal = new double[n];
        _current = new double[n];
        _gradient = new double[n];
        _hessian = new double[n * n];
        _v = new double[n];
    }

    public double AcceptanceRate => _proposed == 0 ? double.NaN : _accepted / (double)_proposed;

    public void Update(ChainState state, Random rng, bool adapting)
    {
        _rows.FixedPart(state.Beta, _eta);
        _rows.AddRandomPart(state.U, _eta);
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int q = _s.Levels[k].Size;
            // Σ_k⁻¹ by its Cholesky factor; a Σ_k that is not positive definite leaves the level's effects as they are.
            var factor = _factor.AsSpan(0, q * q);
            state.Sigma[k].AsSpan(0, q * q).CopyTo(factor);
            if (!Dense.CholeskyInPlace(factor, q)) continue;
            var precision = _precision[k];
            Dense.InverseFromCholesky(factor, q, precision);
            var z = _rows.Z[k];
            var u = _u.AsSpan(0, q);
            for (int g = 0; g < _rowsOf[k].Length; g++)
            {
                var rows = _rowsOf[k][g];
                state.U[k].AsSpan(g * q, q).CopyTo(u);
                // Coordinates d = u_new − u: the rows' η moves by z_i·d; the prior term −½uᵀΣ⁻¹u.
                Step(q, rng, u, precision, null, z, rows);
                u.CopyTo(state.U[k].AsSpan(g * q, q));
            }
        }
        // β given u: the prior N(m, P⁻¹) in the statistics' coordinates.
        var fixedPrior = state.FixedPrior;
        Step(_s.P, rng, state.Beta, null, fixedPrior, _rows.X, null);
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

    /// <summary>The prior's log density at x + d up to a constant, with its gradient and Hessian in d into
    /// <paramref name="gradient"/> and <paramref name="hessian"/>: −½(x + d)ᵀΣ⁻¹(x + d) for a group's u
    /// (<paramref name="precision"/> = Σ⁻¹), else log N(x + d; m, P⁻¹) for β (<paramref name="fixedPrior"/>).</summary>
    private double Prior(int n, ReadOnlySpan<double> x, double[]? precision, FixedEffectPrior? fixedPrior, ReadOnlySpan<double> d,
        Span<double> gradient, Span<double> hessian)
    {
        var v = _v.AsSpan(0, n);
        for (int a = 0; a < n; a++) v[a] = x[a] + d[a];
        double value = 0;
        if (precision is not null)
        {
            for (int a = 0; a < n; a++)
            {
                double sum = 0;
                for (int c = 0; c < n; c++) sum += precision[a * n + c] * v[c];
                gradient[a] = -sum;
                value -= 0.5 * v[a] * sum;
            }
            for (int a = 0; a < n * n; a++) hessian[a] = -precision[a];
            return value;
        }
        var prior = fixedPrior!;
        for (int a = 0; a < n; a++)
        {
            double pv = 0;
            for (int c = 0; c < n; c++) pv += prior.Precision[a * n + c] * v[c];
            gradient[a] = prior.PrecisionTimesMean[a] - pv;
            value += v[a] * (prior.PrecisionTimesMean[a] - 0.5 * pv);
        }
        for (int a = 0; a < n * n; a++) hessian[a] = -prior.Precision[a];
        return value;
    }

    /// <summary>log π(d) = Σ_i [y_i(η_i + m_i(d)) − exp(η_i + m_i(d))] + prior(d) over the block's rows, with its gradient
    /// and Hessian into the step's <c>_gradient</c> and <c>_hessian</c>.</summary>
    private double Target(int n, ReadOnlySpan<double> x, double[]? precision, FixedEffectPrior? fixedPrior, double[][] columns, int[]? rows,
        ReadOnlySpan<double> d)
    {
        var gradient = _gradient.AsSpan(0, n);
        var hessian = _hessian.AsSpan(0, n * n);
        double value = Prior(n, x, precision, fixedPrior, d, gradient, hessian);
        var y = _rows.Y;
        int count = rows?.Length ?? _rows.N;
        for (int t = 0; t < count; t++)
        {
            int i = rows is null ? t : rows[t];
            double e = _eta[i] + Dot(columns, i, d), mu = Math.Exp(e);
            value += y[i] * e - mu;
            for (int a = 0; a < n; a++)
            {
                double za = columns[a][i];
                gradient[a] += (y[i] - mu) * za;
                for (int c = 0; c <= a; c++) hessian[a * n + c] -= mu * za * columns[c][i];
            }
        }
        for (int a = 0; a < n; a++) for (int c = 0; c < a; c++) hessian[c * n + a] = hessian[a * n + c];
        return value;
    }

    /// <summary>
    /// One MH step of a block x (length n) whose rows' η move by Σ_a <paramref name="columns"/>[a][i]·d_a when x moves by d
    /// (<paramref name="rows"/> null: every row), under the prior of a group's u (<paramref name="precision"/>) or of β
    /// (<paramref name="fixedPrior"/>). Newton from d = 0 to the conditional's mode, then a proposal from
    /// N(mode, H⁻¹) or a walk with that covariance, accepted with π(x')q(x)/π(x)q(x'); x and η updated in place on acceptance.
    /// </summary>
    private void Step(int n, Random rng, Span<double> x, double[]? precision, FixedEffectPrior? fixedPrior, double[][] columns, int[]? rows)
    {
        var mode = _mode.AsSpan(0, n);
        var l = _l.AsSpan(0, n * n);
        var hessian = _hessian.AsSpan(0, n * n);
        mode.Clear();
        l.Clear();
        for (int it = 0; it < NewtonSteps; it++)
        {
            Target(n, x, precision, fixedPrior, columns, rows, mode);
            for (int a = 0; a < n * n; a++) l[a] = -hessian[a];
            if (!Dense.CholeskyInPlace(l, n)) return;
            var step = _newton.AsSpan(0, n);
            _gradient.AsSpan(0, n).CopyTo(step);
            Dense.ForwardSolve(l, n, step, 0, 1);
            Dense.BackSolve(l, n, step, 0, 1);
            for (int a = 0; a < n; a++) mode[a] += step[a];
        }
        Target(n, x, precision, fixedPrior, columns, rows, mode);
        for (int a = 0; a < n * n; a++) l[a] = -hessian[a];
        if (!Dense.CholeskyInPlace(l, n)) return;
        // Half the steps propose independently from N(mode, H⁻¹); half walk from the current point with a step of
        // covariance (2.38²/n)H⁻¹. Neither proposal depends on the current value (the mode and H are the conditional's,
        // given the other blocks), so each leaves π invariant; the walk gets the chain out of a tail the Gaussian
        // proposal reaches too rarely (a far start, where π/q is huge), the independent proposal mixes fast near the mode.
        bool independent = rng.NextDouble() < 0.5;
        var noise = _noise.AsSpan(0, n);
        for (int a = 0; a < n; a++) noise[a] = rng.NextStandardNormal();
        var proposal = _proposal.AsSpan(0, n);
        noise.CopyTo(proposal);
        Dense.BackSolve(l, n, proposal, 0, 1);
        double walk = 2.38 / Math.Sqrt(n);
        for (int a = 0; a < n; a++) proposal[a] = independent ? mode[a] + proposal[a] : walk * proposal[a];
        var current = _current.AsSpan(0, n);
        current.Clear();
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
        double logRatio = Target(n, x, precision, fixedPrior, columns, rows, proposal) - Target(n, x, precision, fixedPrior, columns, rows, current)
                          + logQCurrent - logQProposal;
        _proposed++;
        if (!(Math.Log(rng.NextDouble()) < logRatio)) return;
        _accepted++;
        int count = rows?.Length ?? _rows.N;
        for (int t = 0; t < count; t++)
        {
            int i = rows is null ? t : rows[t];
            _eta[i] += Dot(columns, i, proposal);
        }
        for (int a = 0; a < n; a++) x[a] += proposal[a];
    }
}
