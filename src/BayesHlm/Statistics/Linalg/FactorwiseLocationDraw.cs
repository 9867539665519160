namespace BayesHlm.Statistics.Linalg;

/// <summary>
/// One Gibbs sweep of the location effects (β, u) for crossed factors too large to factorise jointly every sweep:
/// (β, u of the factor with the most random effects) jointly — its groups eliminated one by one, then a p×p block —
/// then each other factor's groups given everything else, each group its own q×q draw, then a move of the intercept
/// against each factor's random intercepts. Nothing dense across factors is held: the factors meet only in their
/// sparse cross-tabulations (<see cref="CrossedBlocks"/>), so a sweep costs O(Σ groups · q³ + cross-tabulated pairs
/// · q²) and is linear in the number of levels of every factor. One per chain (it keeps workspaces).
/// </summary>
internal sealed class FactorwiseLocationDraw
{
    private readonly SufficientStatistics _s;
    private readonly CrossedBlocks _blocks;
    private readonly int _p, _b;
    private readonly int[] _q, _groups;
    private readonly double[][] _lambda;
    private readonly double[] _mx, _rhs, _lx, _l, _ystar, _row, _w, _tt, _kx, _zeroBeta;

    /// <param name="s">Crossed statistics (as the sampler holds them).</param>
    public FactorwiseLocationDraw(SufficientStatistics s)
    {
        _s = s;
        _blocks = s.Blocks;
        int k = s.Levels.Count, p = _p = s.P;
        _q = s.Levels.Select(l => l.Size).ToArray();
        _groups = s.Levels.Select(l => l.Grouping.Count).ToArray();
        _b = Enumerable.Range(0, k).MaxBy(i => (long)_groups[i] * _q[i]);
        _lambda = _q.Select(q => new double[q * q]).ToArray();
        int qb = _q[_b], maxQ = _q.Max();
        _mx = new double[p * p];
        _lx = new double[p * p];
        _rhs = new double[p];
        _l = new double[_groups[_b] * qb * qb];
        _ystar = new double[_groups[_b] * qb * (p + 1)];
        _row = new double[maxQ];
        _w = new double[maxQ];
        _tt = new double[maxQ * maxQ];
        _kx = new double[qb * (p + 1)];
        _zeroBeta = new double[p];
    }

    /// <summary>
    /// One sweep. Λ_k from <paramref name="lambdas"/> (Σ_k = σ²Λ_kΛ_kᵀ); the prior on β in the statistics'
    /// coordinates; <paramref name="u"/> holds the current draws and receives the new ones, as does <paramref name="beta"/>.
    /// </summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Draw(IReadOnlyList<double[]> lambdas, FixedEffectPrior? prior, double sigma2, Random rng, double[] beta, double[][] u)
    {
        for (int k = 0; k < _q.Length; k++) lambdas[k].AsSpan().CopyTo(_lambda[k]);
        int p = _p, b = _b, qb = _q[b];
        double sigma = Math.Sqrt(sigma2);

        // (β, u_b) | the other factors: with y* = y − Σ_(f≠b) Z_f u_f, the p×p block XᵀX − Σ_g YᵀY and its right-hand side.
        var mx = _mx;
        var rhs = _rhs;
        var xx = _blocks.XX;
        var xy = _blocks.XY;
        for (int a = 0; a < p; a++)
        {
            rhs[a] = xy[a] + (prior is null ? 0 : sigma2 * prior.PrecisionTimesMean[a]);
            for (int c = 0; c < p; c++) mx[a * p + c] = xx[a * p + c] + (prior is null ? 0 : sigma2 * prior.Precision[a * p + c]);
        }
        for (int f = 0; f < _q.Length; f++)
            if (f != b) _blocks.SubtractXTimes(f, u[f], rhs);
        var lamB = _lambda[b];
        var kx = _kx.AsSpan();
        var ys = _row.AsSpan(0, qb);
        for (int g = 0; g < _groups[b]; g++)
        {
            // Zᵀ over (X, y*) for this group: its ZᵀX, and Zᵀy* as the residual cross-product at β = 0.
            var zx = _blocks.ZX(b, g);
            _blocks.Residual(b, g, _zeroBeta, u, ys);
            for (int e = 0; e < qb; e++)
            {
                for (int c = 0; c < p; c++) kx[e * (p + 1) + c] = zx[e * p + c];
                kx[e * (p + 1) + p] = ys[e];
            }
            var l = _l.AsSpan(g * qb * qb, qb * qb);
            Dense.Congruence(lamB, _blocks.Own(b, g), qb, l);
            for (int i = 0; i < qb; i++) l[i * qb + i] += 1;
            Dense.CholeskyInPlace(l, qb);
            var y = _ystar.AsSpan(g * qb * (p + 1), qb * (p + 1));
            for (int a = 0; a < qb; a++)
                for (int c = 0; c <= p; c++)
                {
                    double sum = 0;
                    for (int e = a; e < qb; e++) sum += lamB[e * qb + a] * kx[e * (p + 1) + c];
                    y[a * (p + 1) + c] = sum;
                }
            for (int c = 0; c <= p; c++) Dense.ForwardSolve(l, qb, y, c, p + 1);
            for (int a = 0; a < p; a++)
            {
                for (int c = 0; c < p; c++)
                {
                    double sum = 0;
                    for (int e = 0; e < qb; e++) sum += y[e * (p + 1) + a] * y[e * (p + 1) + c];
                    mx[a * p + c] -= sum;
                }
                double sr = 0;
                for (int e = 0; e < qb; e++) sr += y[e * (p + 1) + a] * y[e * (p + 1) + p];
                rhs[a] -= sr;
            }
        }
        var lx = _lx;
        Array.Copy(mx, lx, p * p);
        if (!Dense.CholeskyInPlace(lx, p)) throw new InvalidOperationException("The fixed-effect block is singular; the prior on the fixed effects should make it positive definite.");
        Dense.ForwardSolve(lx, p, rhs, 0, 1);
        for (int a = 0; a < p; a++) beta[a] = rhs[a] + sigma * rng.NextStandardNormal();
        Dense.BackSolve(lx, p, beta, 0, 1);
        var w = _w.AsSpan(0, qb);
        for (int g = 0; g < _groups[b]; g++)
        {
            var y = _ystar.AsSpan(g * qb * (p + 1), qb * (p + 1));
            for (int i = 0; i < qb; i++)
            {
                double sum = y[i * (p + 1) + p];
                for (int c = 0; c < p; c++) sum -= y[i * (p + 1) + c] * beta[c];
                w[i] = sum + sigma * rng.NextStandardNormal();
            }
            Dense.BackSolve(_l.AsSpan(g * qb * qb, qb * qb), qb, w, 0, 1);
            Dense.LowerTimes(lamB, qb, w, u[b].AsSpan(g * qb, qb));
        }

        // Each other factor's groups given β and the rest: T = ΛᵀMΛ + I, b = L⁻ᵀ(L⁻¹Λᵀr + σz), u = Λb.
        for (int f = 0; f < _q.Length; f++)
            if (f != b) DrawFactor(f, sigma, rng, beta, u);
        InterceptShift.Apply(_s, _lambda, _b, prior, sigma2, rng, beta, u);
    }

    private void DrawFactor(int f, double sigma, Random rng, double[] beta, double[][] u)
    {
        int q = _q[f];
        var lam = _lambda[f];
        var row = _row.AsSpan(0, q);
        var w = _w.AsSpan(0, q);
        var tt = _tt.AsSpan(0, q * q);
        for (int g = 0; g < _groups[f]; g++)
        {
            _blocks.Residual(f, g, beta, u, row);
            Dense.Congruence(lam, _blocks.Own(f, g), q, tt);
            for (int i = 0; i < q; i++) tt[i * q + i] += 1;
            Dense.CholeskyInPlace(tt, q);
            for (int i = 0; i < q; i++)
            {
                double sum = 0;
                for (int e = i; e < q; e++) sum += lam[e * q + i] * row[e];
                w[i] = sum;
            }
            Dense.ForwardSolve(tt, q, w, 0, 1);
            for (int i = 0; i < q; i++) w[i] += sigma * rng.NextStandardNormal();
            Dense.BackSolve(tt, q, w, 0, 1);
            Dense.LowerTimes(lam, q, w, u[f].AsSpan(g * q, q));
        }
    }
}
