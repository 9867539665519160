using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// The ancillary step of MATH.md §5 for one grouping level k: hold η_j = L⁻¹u_j fixed for its groups (Σ_k = LLᵀ)
/// and move L by random-walk Metropolis–Hastings on φ = (log l_ii, l_ij), the likelihood taken from the innermost
/// groups' C_j (with the other levels' u held fixed); then u_j = Lη_j. Given the conjugate steps, which mix badly when a variance is near zero (the centred
/// parameterisation's funnel), this non-centred move does not slow down there (interweaving, Yu and Meng 2011).
/// The residual sum of squares as a function of L reduces to O(q⁴) numbers per sweep, so a proposal costs
/// nothing that grows with the number of groups. The proposal scale adapts during warm-up only.
/// </summary>
internal sealed class AncillaryScaleStep : IChainStep
{
    private readonly SufficientStatistics _s;
    private readonly VariancePrior _prior;
    private readonly int _q;
    private readonly CholeskyCoordinates _coords;
    private readonly double[] _l, _current, _phi, _proposal;
    private readonly AdaptiveProposal _walk;
    private readonly Func<double[], double> _logTarget;
    private double[] _hyperparameters = []; // the prior's sampled parameters during this sweep's move, held fixed by it
    private double _sigma2; // σ² of the sweep under way, which the target reads
    private readonly (int Row, int Col)[] _pairs; // the entries (r, c ≤ r) of a lower-triangular L
    private readonly double[] _linear;   // A[(r,c)] = Σ_j a_j[r] η_j[c]
    private readonly double[] _quad;     // T[(r,c),(s,t)] = Σ_j B_j[r,s] η_j[c] η_j[t], upper triangle of pairs
    private readonly double[] _eta;
    private readonly int _level;
    private readonly int[][] _ancestor; // [level][cell]: the group of each level that holds the cell

    public AncillaryScaleStep(SufficientStatistics s, CovarianceLayout layout, int level, VariancePrior prior)
    {
        _s = s;
        _prior = prior;
        _level = level;
        _ancestor = s.CellLevel;
        var grouping = s.Levels[level];
        _q = grouping.Size;
        _coords = new CholeskyCoordinates(layout, level);
        _l = new double[_q * _q];
        _current = new double[_q * _q];
        _phi = new double[_coords.Count];
        _proposal = new double[_coords.Count];
        _walk = new AdaptiveProposal(_coords.Count, 0.1);
        _logTarget = LogTarget;
        _pairs = Enumerable.Range(0, _q).SelectMany(r => Enumerable.Range(0, r + 1).Select(c => (r, c))).ToArray();
        _linear = new double[_pairs.Length];
        _quad = new double[_pairs.Length * _pairs.Length];
        _eta = new double[grouping.Grouping.Count * _q];
    }

    public double AcceptanceRate => _walk.AcceptanceRate;

    public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

    public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

    public void Update(ChainState state, Random rng, bool adapting)
    {
        _hyperparameters = state.Hyperparameters[_level];
        Step(state.Beta, state.Sigma2, state.Sigma[_level], state.U, rng, adapting);
    }

    /// <summary>One MH move of this level's L; updates its Σ (q×q) and u (groups × q) in place. β in the statistics'
    /// coordinates; <paramref name="all"/> holds every level's random effects.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Step(double[] beta, double sigma2, double[] sigma, double[][] all, Random rng, bool adapt)
    {
        int q = _q, groups = _s.Levels[_level].Grouping.Count;
        var u = all[_level];
        var l = _current;
        Array.Copy(sigma, l, q * q);
        if (!Dense.CholeskyInPlace(l, q)) return;
        // η_j = L⁻¹ u_j and the reduced sufficient statistics of the SSR as a function of L.
        Array.Clear(_linear);
        Array.Clear(_quad);
        if (q == 2 && _s.Levels.Count == 1) AccumulateTwo(beta, l, u);
        else if (_s.Crossed) AccumulateByGroup(beta, l, all);
        else AccumulateGeneral(beta, l, all);
        var phi = _phi;
        _coords.FromL(l, phi);
        // Several proposals per sweep: each costs O(q⁴), nothing that grows with the groups.
        _sigma2 = sigma2;
        if (!_walk.Walk(phi, _proposal, LogTarget(phi), _logTarget, ProposalsPerSweep, rng, adapt)) return;
        var lNew = _current;
        _coords.ToL(phi, lNew);
        if (q == 2)
        {
            // u_j = Lη_j written out, summed from 0 as the loop below does.
            double l00 = lNew[0], l10 = lNew[2], l11 = lNew[3];
            for (int j = 0; j < groups; j++)
            {
                double e0 = _eta[2 * j], e1 = _eta[2 * j + 1];
                u[2 * j] = 0.0 + l00 * e0;
                u[2 * j + 1] = 0.0 + l10 * e0 + l11 * e1;
            }
        }
        else
            for (int j = 0; j < groups; j++)
                for (int r = 0; r < q; r++)
                {
                    double v = 0;
                    for (int t = 0; t <= r; t++) v += lNew[r * q + t] * _eta[j * q + t];
                    u[j * q + r] = v;
                }
        _coords.ToSigma(lNew, sigma);
    }

    /// <summary>η_j = L⁻¹u_j for this level's groups, and over the innermost groups the reduced statistics of the SSR
    /// as a function of L (other levels' u held fixed).</summary>
    private void AccumulateGeneral(double[] beta, double[] l, double[][] all)
    {
        int q = _q, p = _s.P, m = _s.M, yi = _s.YIndex, k = _level, z0 = _s.ZOffset[k], groups = _s.Levels[k].Grouping.Count;
        var u = all[k];
        Span<double> a = stackalloc double[q];
        for (int j = 0; j < groups; j++)
        {
            var eta = _eta.AsSpan(j * q, q);
            u.AsSpan(j * q, q).CopyTo(eta);
            Dense.ForwardSolve(l, q, eta, 0, 1);
        }
        var ancestor = _ancestor[k];
        for (int leaf = 0; leaf < _s.LeafCount; leaf++)
        {
            var eta = _eta.AsSpan(ancestor[leaf] * q, q);
            var c = _s.Leaf(leaf);
            // a = c_zy − C_zX β − Σ (other levels) C_zz' u': this level's residual cross-product.
            for (int r = 0; r < q; r++)
            {
                int row = (z0 + r) * m;
                double v = c[row + yi];
                for (int b = 0; b < p; b++) v -= c[row + b] * beta[b];
                for (int k2 = 0; k2 < _s.Levels.Count; k2++)
                {
                    if (k2 == k) continue;
                    int q2 = _s.Levels[k2].Size, z2 = _s.ZOffset[k2], node = _ancestor[k2][leaf];
                    for (int t = 0; t < q2; t++) v -= c[row + z2 + t] * all[k2][node * q2 + t];
                }
                a[r] = v;
            }
            AddGroup(a, eta, c, m, z0);
        }
    }

    /// <summary>One group's (or cell's) terms of the reduced statistics: its residual cross-product <paramref name="a"/>,
    /// its η, and its ZᵀZ, read at rows and columns <paramref name="at"/>… of <paramref name="zz"/> (row length
    /// <paramref name="stride"/>). Only entries l_rc with c ≤ r exist, and Q is symmetric in its two pairs: those alone.</summary>
    private void AddGroup(ReadOnlySpan<double> a, ReadOnlySpan<double> eta, ReadOnlySpan<double> zz, int stride, int at)
    {
        for (int i = 0; i < _pairs.Length; i++)
        {
            var (r, cc) = _pairs[i];
            _linear[i] += a[r] * eta[cc];
            double er = eta[cc];
            for (int k2 = i; k2 < _pairs.Length; k2++)
            {
                var (s2, t) = _pairs[k2];
                _quad[i * _pairs.Length + k2] += zz[(at + r) * stride + at + s2] * er * eta[t];
            }
        }
    }

    /// <summary>The accumulation above for crossed factors, a group at a time: its residual cross-product and ZᵀZ come
    /// from <see cref="CrossedBlocks"/>, which sums over the group's cells once.</summary>
    private void AccumulateByGroup(double[] beta, double[] l, double[][] all)
    {
        int q = _q, k = _level, groups = _s.Levels[k].Grouping.Count;
        var u = all[k];
        var blocks = _s.Blocks;
        Span<double> a = stackalloc double[q];
        for (int j = 0; j < groups; j++)
        {
            var eta = _eta.AsSpan(j * q, q);
            u.AsSpan(j * q, q).CopyTo(eta);
            Dense.ForwardSolve(l, q, eta, 0, 1);
            blocks.Residual(k, j, beta, all, a);
            AddGroup(a, eta, blocks.Own(k, j), q, 0);
        }
    }

    /// <summary>The accumulation above written out for one level with two random effects (intercept and slope), the
    /// commonest random-slope model: η = L⁻¹u by hand, a = c_zy − C_zX β, and the six entries of the quadratic form.</summary>
    private unsafe void AccumulateTwo(double[] beta, double[] l, double[] u)
    {
        int p = _s.P, m = _s.M, yi = _s.YIndex, z0 = _s.ZOffset[0], groups = _s.Levels[0].Grouping.Count;
        double l00 = l[0], l10 = l[2], l11 = l[3];
        double lin0 = 0, lin1 = 0, lin2 = 0, q00 = 0, q01 = 0, q02 = 0, q11 = 0, q12 = 0, q22 = 0;
        fixed (double* b = beta, eta = _eta, uu = u)
        {
            for (int j = 0; j < groups; j++)
            {
                var cs = _s.Leaf(j);
                fixed (double* c = cs)
                {
                    double e0 = uu[2 * j] / l00, e1 = (uu[2 * j + 1] - l10 * e0) / l11;
                    eta[2 * j] = e0;
                    eta[2 * j + 1] = e1;
                    double* r0 = c + z0 * m, r1 = r0 + m;
                    double a0 = r0[yi], a1 = r1[yi];
                    for (int t = 0; t < p; t++) { a0 -= r0[t] * b[t]; a1 -= r1[t] * b[t]; }
                    double c00 = r0[z0], c01 = r0[z0 + 1], c11 = r1[z0 + 1];
                    double ee = e0 * e0, ef = e0 * e1, ff = e1 * e1;
                    // pairs (0,0), (1,0), (1,1): A[(r,c)] += a_r η_c; T[(r,c),(s,t)] += C_rs η_c η_t
                    lin0 += a0 * e0; lin1 += a1 * e0; lin2 += a1 * e1;
                    q00 += c00 * ee; q01 += c01 * ee; q02 += c01 * ef;
                    q11 += c11 * ee; q12 += c11 * ef; q22 += c11 * ff;
                }
            }
        }
        _linear[0] = lin0; _linear[1] = lin1; _linear[2] = lin2;
        _quad[0] = q00; _quad[1] = q01; _quad[2] = q02; _quad[4] = q11; _quad[5] = q12; _quad[8] = q22;
    }

    private const int ProposalsPerSweep = 20;

    /// <summary>log p(L | η, β, σ², y) on the φ scale: −SSR(L)/2σ² + log prior(Σ = LLᵀ) + log Jacobian.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private double LogTarget(double[] phi)
    {
        double sigma2 = _sigma2;
        int q = _q;
        var l = _l;
        _coords.ToL(phi, l);
        double linear = 0, quad = 0;
        int n2 = _pairs.Length;
        for (int i = 0; i < n2; i++)
        {
            var (r, c) = _pairs[i];
            double li = l[r * q + c];
            if (li == 0) continue;
            linear += li * _linear[i];
            double row = li * _quad[i * n2 + i];
            for (int k2 = i + 1; k2 < n2; k2++)
            {
                var (s2, t) = _pairs[k2];
                row += 2 * l[s2 * q + t] * _quad[i * n2 + k2];
            }
            quad += li * row;
        }
        double logLik = -(quad - 2 * linear) / (2 * sigma2);
        return logLik + _coords.LogPrior(_prior, l, _hyperparameters) + _coords.LogJacobian(l);
    }

    /// <summary>Whether the step applies to level <paramref name="level"/>: a prior with a density of Σ there (given its
    /// own sampled parameters, such as the third-level gamma's rate b, which the move holds fixed), and Σ unstructured
    /// or diagonal.</summary>
    public static bool AppliesTo(CovarianceLayout layout, int level, VariancePrior prior) =>
        prior.HasCovarianceDensity && (layout.IsDiagonal(level) || layout.IsUnstructured(level));
}
